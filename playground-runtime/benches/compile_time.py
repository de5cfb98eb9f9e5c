#!/usr/bin/env python3
"""Compile-time cost of the structural fingerprints.

Generates a crate with 50 models and 20 views (5 methods each, taking and
returning the models, nested in Vec and Option) twice: against this
checkout's playground-runtime, and against the runtime of another commit
(default: the last commit before fingerprints, 7051ec9). Then times
`cargo check` of each crate alone (its dependencies built once beforehand),
interleaved, and prints the medians.

    python3 playground-runtime/benches/compile_time.py [--rounds 9] [--base 7051ec9]
"""
import argparse, os, pathlib, shutil, statistics, subprocess, time

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORK = ROOT / "target" / "compile-time"


def source(models=50, views=20):
    out = ["#![allow(dead_code)]", "use playground_runtime::{model, view};", ""]
    for i in range(models):
        nested = f"    pub inner: Vec<M{i - 1}>,\n" if i % 5 and i > 0 else ""
        out.append(
            f"#[model]\n#[derive(Clone, Default)]\npub struct M{i} {{\n"
            f"    pub id: u64,\n    pub name: String,\n    pub values: Vec<f32>,\n"
            f"    pub flag: Option<bool>,\n{nested}}}\n"
        )
    for v in range(views):
        methods = []
        for k in range(5):
            a, b = (v * 5 + k) % models, (v * 3 + k * 7) % models
            methods.append(
                f"    fn op{k}(&self, input: &M{a}, count: u32) -> Option<Vec<M{b}>>;"
            )
        out.append(f"#[view]\npub trait View{v}: Send + Sync {{\n" + "\n".join(methods) + "\n}\n")
    return "\n".join(out)


def make_crate(name, runtime):
    crate = WORK / name
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.0.0"\nedition = "2024"\n\n'
        f'[dependencies]\nplayground-runtime = {{ path = "{runtime}" }}\n\n[workspace]\n'
    )
    (crate / "src" / "lib.rs").write_text(source())
    return crate


def check(crate, target):
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    (crate / "src" / "lib.rs").touch()
    start = time.perf_counter()
    subprocess.run(["cargo", "check", "-q"], cwd=crate, env=env, check=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--base", default="7051ec9")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    base = WORK / "base-checkout"
    if base.exists():
        shutil.rmtree(base)
    subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=True)
    subprocess.run(["git", "worktree", "add", "-f", "--detach", str(base), args.base],
                   cwd=ROOT, check=True, capture_output=True)
    try:
        crates = {
            "with fingerprints": (make_crate("fp-new", ROOT / "playground-runtime"), WORK / "target-new"),
            f"without ({args.base})": (make_crate("fp-base", base / "playground-runtime"), WORK / "target-base"),
        }
        for crate, target in crates.values():
            check(crate, target)  # dependencies, once
        times = {label: [] for label in crates}
        for _ in range(args.rounds):
            for label, (crate, target) in crates.items():
                times[label].append(check(crate, target))
        for label, samples in times.items():
            print(f"{label}: median {statistics.median(samples):.3f} s over {len(samples)} checks")
        new, old = (statistics.median(t) for t in times.values())
        print(f"ratio: {new / old:.3f}")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT)


if __name__ == "__main__":
    main()
