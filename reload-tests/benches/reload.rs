//! Reload time (copy, open, verify, save, restore, swap) with 1 k, 100 k and
//! 1 M records of state, measured as `Registry::load` of a rebuilt module
//! (versions 1 and 2 of the counter fixture, alternately). Unloading the
//! replaced library (which a program does not do on a reload) happens
//! between rounds, outside the timed span.
//!
//! `cargo bench -p reload-tests --bench reload`

use counter_api::Counter;
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use playground_runtime::Registry;
use reload_tests::{Fixture, library};

fn reload(c: &mut Criterion) {
    let (v1, v2) = (library(Fixture::V1), library(Fixture::V2));
    let mut group = c.benchmark_group("reload");
    for records in [1_000, 100_000, 1_000_000] {
        let registry = Registry::linked();
        registry.load(&v1).unwrap();
        registry.get::<dyn Counter>().unwrap().fill(records);
        let mut round = 0u64;
        group.bench_with_input(BenchmarkId::from_parameter(records), &records, |b, _| {
            b.iter_batched(
                || {
                    // SAFETY: the counter returns plain data; nothing from
                    // a replaced library outlives its bindings.
                    unsafe { registry.unload_retired() };
                    round += 1;
                    if round.is_multiple_of(2) { &v1 } else { &v2 }
                },
                |library| registry.load(library).unwrap(),
                BatchSize::PerIteration,
            )
        });
        let counter = registry.get::<dyn Counter>().unwrap();
        assert_eq!(
            counter.records(),
            records,
            "the state came through every reload"
        );
        assert!(counter.consistent());
    }
    group.finish();
}

criterion_group!(benches, reload);
criterion_main!(benches);
