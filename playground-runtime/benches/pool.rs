//! Model pools: finding a registry's pool, and reading a value in it.

#![allow(
    missing_docs,
    reason = "a benchmark crate: its items are fixtures, not API"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use playground_runtime::{Pool, Registry, model, view, viewmodel};
use std::hint::black_box;

#[model]
#[derive(Clone, Copy, Default)]
pub struct Body {
    pub pos: [f32; 3],
    pub vel: [f32; 3],
}

#[view]
pub trait Bodies: Send + Sync {
    fn count(&self) -> usize;
}

#[derive(Default)]
pub struct World {
    bodies: Pool<Body>,
}

#[viewmodel]
impl Bodies for World {
    fn count(&self) -> usize {
        self.bodies.len()
    }
}

fn pool(c: &mut Criterion) {
    let registry = Registry::linked();
    let _ = registry.get::<dyn Bodies>().unwrap().count();
    let pool = registry.pool::<dyn Bodies, Body>().unwrap();
    let handles: Vec<_> = (0..1000)
        .map(|i| {
            pool.insert(Body {
                pos: [i as f32; 3],
                vel: [1.0; 3],
            })
            .unwrap()
        })
        .collect();
    let handle = handles[500];

    c.bench_function("pool/lookup (Registry::pool)", |b| {
        b.iter(|| black_box(registry.pool::<dyn Bodies, Body>().unwrap()))
    });
    c.bench_function("pool/get (read guard, deref)", |b| {
        b.iter(|| black_box(pool.get(black_box(handle)).unwrap().pos[0]))
    });
    c.bench_function("pool/with_mut", |b| {
        b.iter(|| {
            pool.with_mut(black_box(handle), |body| body.pos[0] += 1.0)
                .unwrap()
        })
    });
    c.bench_function("pool/remove+insert (slot reuse)", |b| {
        let mut h = pool.insert(Body::default()).unwrap();
        b.iter(|| {
            let body = pool.remove(h).unwrap();
            h = pool.insert(black_box(body)).unwrap();
        })
    });
}

criterion_group!(benches, pool);
criterion_main!(benches);
