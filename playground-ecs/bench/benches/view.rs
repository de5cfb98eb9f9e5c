//! One call through the ECS view against the typed API, for spawn and get.
//!
//! `cargo bench -p playground-ecs-bench --bench view`

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use playground_ecs::{Ecs, EcsModule, ModelValue, World};
use playground_runtime::{Model, Registry, model};
use std::hint::black_box;

#[model]
#[derive(Debug, Clone, Copy, PartialEq)]
struct Health(u32);

const N: u32 = 1_000;

fn spawn(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn 1000");
    group.bench_function("typed", |b| {
        b.iter_batched_ref(
            || {
                let mut world = World::new();
                world.register_model::<Health>().unwrap();
                world
            },
            |world| {
                for i in 0..N {
                    black_box(world.spawn((Health(i),)));
                }
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("view", |b| {
        b.iter_batched_ref(
            || {
                let ecs = EcsModule::default();
                ecs.register_model::<Health>().unwrap();
                ecs
            },
            |ecs| {
                let ecs: &dyn Ecs = ecs;
                for i in 0..N {
                    black_box(
                        ecs.spawn_with(vec![ModelValue::of(&Health(i)).unwrap()])
                            .unwrap(),
                    );
                }
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn get(c: &mut Criterion) {
    let mut group = c.benchmark_group("get");
    let mut world = World::new();
    world.register_model::<Health>().unwrap();
    let entity = world.spawn((Health(7),));
    group.bench_function("typed", |b| {
        b.iter(|| black_box(world.get::<Health>(black_box(entity)).unwrap().0))
    });

    // Through the registry, as another module would call it.
    drop(EcsModule::default());
    let registry = Registry::linked();
    let ecs = registry.get::<dyn Ecs>().unwrap();
    let ecs: &dyn Ecs = &*ecs;
    ecs.register_component(playground_ecs::ComponentRegistration::of::<Health>())
        .unwrap();
    let entity = ecs
        .spawn_with(vec![ModelValue::of(&Health(7)).unwrap()])
        .unwrap();
    group.bench_function("view", |b| {
        b.iter(|| {
            black_box(
                ecs.get(black_box(entity), Health::MODEL_ID)
                    .unwrap()
                    .to::<Health>()
                    .unwrap()
                    .0,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, spawn, get);
criterion_main!(benches);
