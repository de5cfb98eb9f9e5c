#!/bin/bash
# How a module's rebuild grows with its size. For each VARIANT, a module
# written by module.py (KIND playground, bare or hand, BLOCKS blocks of about 33
# lines, in files of PER blocks if given) is rebuilt by a direct rustc
# command (a cdylib, incremental, the dev profile of this workspace): ROUNDS
# edits of one body in the first block, each changing that line's length
# (as most edits do), the variants alternated. Prints each variant's
# median, p90, min and max in ms.
# Usage: [GROWTH_BODY_LINES=L] bash growth.sh [ROUNDS] [KIND:BLOCKS[:PER[:DEPS]]...]
#   (GROWTH_BODY_LINES: L more lines in each block's `add`, see module.py)
#   (after `cargo build -p hot-reload-module`; default variants
#   playground:1 bare:1 playground:10 bare:10; DEPS, a `target/debug/deps`
#   directory of another build of this repository, to compare builds)
set -e
rounds=${1:-10}; shift || true
specs=${*:-playground:1 bare:1 playground:10 bare:10}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../../.." && pwd)
deps=${DEPS:-$root/target/debug/deps}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
variants=()
for spec in $specs; do
  IFS=: read -r kind n per vdeps <<< "$spec"
  name=${kind}_$n${per:+_per$per}${vdeps:+_$(echo "$vdeps" | md5sum | cut -c1-6)}
  [ -n "$vdeps" ] && echo "$name: $vdeps"
  echo "${vdeps:-$deps}" > "$work/$name.deps"
  mkdir -p "$work/$name/out"
  python3 "$here/module.py" "$n" "$kind" "$work/$name/src" $per
  variants+=("$name")
done
declare -A times
for i in $(seq 0 "$rounds"); do
  for name in "${variants[@]}"; do
    factor=$([ $((i % 2)) = 0 ] && echo 1.5 || echo 1.25)
    edited=$work/$name/src/lib.rs
    [ -f "$work/$name/src/part0.rs" ] && edited=$work/$name/src/part0.rs
    sed -i "0,/weight: n as f32 \* [0-9.]*/s//weight: n as f32 * $factor/" "$edited"
    vdeps=$(cat "$work/$name.deps")
    vruntime=$(ls -t "$vdeps"/libplayground_runtime-*.rlib | head -1)
    externs=(--extern "playground_runtime=$vruntime")
    [ "${name%%_*}" = hand ] && externs=(--extern "serde=$(ls -t "$vdeps"/libserde-*.rlib | head -1)" \
      --extern "postcard=$(ls -t "$vdeps"/libpostcard-*.rlib | head -1)")
    start=$(date +%s%N)
    (cd "$work/$name" && CARGO_CRATE_NAME="m_$name" rustc --crate-name "m_$name" --edition=2024 src/lib.rs --crate-type cdylib \
      --emit=link -C embed-bitcode=no -C metadata="$name" --out-dir out -C incremental=inc \
      -C strip=debuginfo -L "dependency=$vdeps" "${externs[@]}" 2> err.txt) \
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
