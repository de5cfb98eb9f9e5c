//! What verifying a module costs, in one run: reading and checking its
//! manifest alone (`Registry::check`), a refusal (an API change: refused
//! from the file, no `dlopen`), a reload at 100 k records with and without
//! a `.sha256` beside the library, and reading, hashing and recording the
//! SHA-256 of module libraries (`write_sha256`, what a build does last).
//!
//! `cargo build -p hot-reload-module && cargo bench -p reload-tests --bench verify`

use counter_api::Counter;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use playground_runtime::{Registry, write_sha256};
use reload_tests::{Fixture, fixture_target, library};

fn verify(c: &mut Criterion) {
    let (v1, v2, api_v2) = (
        library(Fixture::V1),
        library(Fixture::V2),
        library(Fixture::ApiV2),
    );
    let registry = Registry::linked();
    registry.load(&v1).unwrap();
    registry.get::<dyn Counter>().unwrap().fill(100_000);

    c.bench_function("manifest check (no dlopen)", |b| {
        b.iter(|| registry.check(&v2).unwrap())
    });
    c.bench_function("refusal: API change", |b| {
        b.iter(|| registry.load(&api_v2).unwrap_err())
    });

    // The same two builds, each with its hash beside it.
    let dir = fixture_target().join("bench-hashed");
    std::fs::create_dir_all(&dir).unwrap();
    let hashed = [("v1.so", &v1), ("v2.so", &v2)].map(|(name, from)| {
        let path = dir.join(name);
        std::fs::copy(from, &path).unwrap();
        write_sha256(&path).unwrap();
        path
    });
    for (label, pair) in [
        ("reload 100k", [&v1, &v2]),
        ("reload 100k + sha256", [&hashed[0], &hashed[1]]),
    ] {
        let mut round = 0u64;
        c.bench_function(label, |b| {
            b.iter_batched(
                || {
                    // SAFETY: the counter returns plain data; nothing from a
                    // replaced library outlives its bindings.
                    unsafe { registry.unload_retired() };
                    round += 1;
                    pair[(round % 2) as usize]
                },
                |path| registry.load(path).unwrap(),
                BatchSize::PerIteration,
            )
        });
    }
    assert_eq!(registry.get::<dyn Counter>().unwrap().records(), 100_000);

    // The hot_reload example's module as `cargo build -p hot-reload-module`
    // leaves it (dev profile, with debug info), when it was built.
    let example = reload_tests::workspace().join("target/debug").join(format!(
        "{}hot_reload_module{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let libraries = [
        ("counter fixture", library(Fixture::V1)),
        ("ecs fixture", library(Fixture::Ecs)),
        ("hot_reload example module", example),
    ];
    for (name, path) in libraries {
        // A copy: a `.sha256` beside the original would outlive its next
        // plain cargo build.
        let copy = dir.join(format!("{}.so", name.replace(' ', "-")));
        let Ok(bytes) = std::fs::copy(&path, &copy) else {
            eprintln!("{} not built: skipped", path.display());
            continue;
        };
        let label = format!("write_sha256 {name} ({} KiB)", bytes / 1024);
        c.bench_function(&label, |b| b.iter(|| write_sha256(&copy).unwrap()));
    }
}

criterion_group!(benches, verify);
criterion_main!(benches);
