#!/bin/bash
# How a module's rebuild grows with its size. For modules of 1, 10 and 100
# blocks (module.py: about 36, 333 and 3,303 lines) and their bare twins,
# each rebuilt by a direct rustc command (a cdylib, incremental, the dev
# profile of this workspace), ROUNDS edits of one body in the first block,
# each changing that line's length (as most edits do), variants alternated.
# Prints each variant's median, p90, min and max in ms.
# Usage: bash growth.sh [ROUNDS] [BLOCKS...]   (after `cargo build -p hot-reload-module`)
set -e
rounds=${1:-10}; shift || true
blocks=${*:-1 10 100}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../../.." && pwd)
deps=$root/target/debug/deps
runtime=$(ls -t "$deps"/libplayground_runtime-*.rlib | head -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
variants=()
for n in $blocks; do
  for kind in playground bare; do
    name=${kind}_$n
    mkdir -p "$work/$name/src" "$work/$name/out"
    python3 "$here/module.py" "$n" $([ $kind = bare ] && echo bare) > "$work/$name/src/lib.rs"
    variants+=("$name")
  done
done
declare -A times
for i in $(seq 0 "$rounds"); do
  for name in "${variants[@]}"; do
    factor=$([ $((i % 2)) = 0 ] && echo 1.5 || echo 1.25)
    sed -i "0,/weight: n as f32 \* [0-9.]*/s//weight: n as f32 * $factor/" "$work/$name/src/lib.rs"
    start=$(date +%s%N)
    (cd "$work/$name" && CARGO_CRATE_NAME="m_$name" rustc --crate-name "m_$name" --edition=2024 src/lib.rs --crate-type cdylib \
      --emit=link -C embed-bitcode=no -C metadata="$name" --out-dir out -C incremental=inc \
      -C strip=debuginfo -L "dependency=$deps" --extern "playground_runtime=$runtime" 2> err.txt) \
      || { cat "$work/$name/err.txt"; exit 1; }
    end=$(date +%s%N)
    # Round 0 is the first build.
    [ "$i" -gt 0 ] && times[$name]="${times[$name]} $(( (end - start) / 1000000 ))"
  done
done
for name in "${variants[@]}"; do
  echo "$name ${times[$name]}" | python3 -c '
import sys, statistics
name, *ms = sys.stdin.read().split()
ms = sorted(map(int, ms))
p90 = ms[max(0, int(len(ms) * 0.9) - 1)]
print(f"{name}: median {statistics.median(ms)} p90 {p90} min {ms[0]} max {ms[-1]}")'
done
