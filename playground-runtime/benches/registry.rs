//! `registry.get` of a bound view, and a call through it, against a direct
//! call on an `Arc<dyn Trait>`, in one run. Figures go to BENCHMARKS.md.
//!
//! `cargo bench -p playground-runtime --bench registry`

#![allow(
    missing_docs,
    reason = "a benchmark crate: its items are fixtures, not API"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use playground_runtime::{Atomic, Registry, view, viewmodel};
use std::hint::black_box;
use std::sync::Arc;

#[view]
pub trait Counter: Send + Sync {
    fn add(&self, n: u64) -> u64;
}

#[derive(Default)]
pub struct Relaxed {
    total: Atomic<u64>,
}

#[viewmodel]
impl Counter for Relaxed {
    #[inline(never)]
    fn add(&self, n: u64) -> u64 {
        let next = self.total.load().wrapping_add(n);
        self.total.store(next);
        next
    }
}

fn lookup_and_call(c: &mut Criterion) {
    let registry = Registry::linked();
    // Lookups must be as fast in any registry, not only the first one.
    let second = Registry::linked();
    let direct: Arc<dyn Counter> = Arc::new(Relaxed::default());
    let bound = registry.get::<dyn Counter>().unwrap();

    let mut group = c.benchmark_group("registry");
    group.bench_function("get", |b| {
        b.iter(|| black_box(black_box(&registry).get::<dyn Counter>()))
    });
    group.bench_function("get (second registry)", |b| {
        b.iter(|| black_box(black_box(&second).get::<dyn Counter>()))
    });
    group.bench_function("get_owned", |b| {
        b.iter(|| black_box(black_box(&registry).get_owned::<dyn Counter>()))
    });
    group.bench_function("call/direct Arc<dyn Counter>", |b| {
        b.iter(|| black_box(black_box(&direct).add(black_box(1))))
    });
    group.bench_function("call/through ViewRef", |b| {
        b.iter(|| black_box(black_box(&bound).add(black_box(1))))
    });
    group.bench_function("get+call", |b| {
        b.iter(|| {
            black_box(
                black_box(&registry)
                    .get::<dyn Counter>()
                    .unwrap()
                    .add(black_box(1)),
            )
        })
    });
    // A call site that keeps a `ViewCache`: the generation check and the
    // call, in the same loop style as the two above.
    let mut cache = registry.view_cache::<dyn Counter>().unwrap();
    group.bench_function("ViewCache get+call", |b| {
        b.iter(|| black_box(black_box(&mut cache).get().unwrap().add(black_box(1))))
    });
    group.finish();
}

criterion_group!(benches, lookup_and_call);
criterion_main!(benches);
