//! One call through the ECS view against the typed API, for spawn and get;
//! and typed access through the view (`ecs.typed()`) against the typed
//! `World` for get, insert and a query over 10 000 entities, in one run.
//!
//! `cargo bench -p playground-ecs-bench --bench view`

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use playground_ecs::{Ecs, EcsModule, ModelValue, World};
use playground_runtime::{Model, Registry, model};
use std::hint::black_box;

#[model]
#[derive(Debug, Clone, Copy, PartialEq)]
struct Health(u32);

#[model]
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pos {
    x: f32,
    y: f32,
}

#[model]
#[derive(Debug, Clone, Copy, PartialEq)]
struct Vel {
    x: f32,
    y: f32,
}

const N: u32 = 1_000;

/// Entities in the query benchmark.
const QUERY_N: u32 = 10_000;

/// The ECS as another module reaches it: through the registry.
fn bound_ecs() -> playground_runtime::ViewHandle<dyn Ecs> {
    drop(EcsModule::default());
    Registry::linked().get_owned::<dyn Ecs>().unwrap()
}

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
                ecs.get(black_box(entity), Health::MODEL_ID.get())
                    .unwrap()
                    .to::<Health>()
                    .unwrap()
                    .0,
            )
        })
    });
    // Typed through the same view: checked, then in place.
    group.bench_function("typed view", |b| {
        b.iter(|| black_box(ecs.typed().get::<Health>(black_box(entity)).unwrap().0))
    });
    // In a read session: the world lock taken once (as `&World` is held
    // for the typed `get`), each get takes its column's borrow only.
    let read = ecs.typed().read();
    group.bench_function("typed view, read session", |b| {
        b.iter(|| black_box(read.get::<Health>(black_box(entity)).unwrap().0))
    });
    drop(read);
    group.finish();
}

fn insert(c: &mut Criterion) {
    let mut group = c.benchmark_group("insert (replace)");
    let mut world = World::new();
    world.register_model::<Health>().unwrap();
    let entity = world.spawn((Health(7),));
    group.bench_function("typed", |b| {
        b.iter(|| {
            world
                .insert(black_box(entity), Health(black_box(8)))
                .unwrap()
        })
    });

    let ecs = bound_ecs();
    let ecs: &dyn Ecs = &*ecs;
    let entity = ecs.spawn();
    ecs.typed().insert(entity, Health(7)).unwrap();
    group.bench_function("view", |b| {
        b.iter(|| {
            ecs.insert(
                black_box(entity),
                ModelValue::of(&Health(black_box(8))).unwrap(),
            )
            .unwrap()
        })
    });
    group.bench_function("typed view", |b| {
        b.iter(|| {
            ecs.typed()
                .insert(black_box(entity), Health(black_box(8)))
                .unwrap()
        })
    });
    group.finish();
}

fn query(c: &mut Criterion) {
    let mut group = c.benchmark_group("query 10k (&mut Pos, &Vel)");
    let mut world = World::new();
    world.register_model::<Pos>().unwrap();
    world.register_model::<Vel>().unwrap();
    world.spawn_batch((0..QUERY_N).map(|i| {
        (
            Pos {
                x: i as f32,
                y: 0.0,
            },
            Vel { x: 1.0, y: 0.5 },
        )
    }));
    group.bench_function("typed query_mut", |b| {
        b.iter(|| {
            for (p, v) in world.query_mut::<(&mut Pos, &Vel)>() {
                p.x += v.x;
                p.y += v.y;
            }
        })
    });
    group.bench_function("typed query_mut for_each", |b| {
        b.iter(|| {
            world.query_mut::<(&mut Pos, &Vel)>().for_each(|(p, v)| {
                p.x += v.x;
                p.y += v.y;
            })
        })
    });
    group.bench_function("typed query (&World, borrow flags)", |b| {
        b.iter(|| {
            let mut query = world.query::<(&mut Pos, &Vel)>().unwrap();
            for (p, v) in query.iter() {
                p.x += v.x;
                p.y += v.y;
            }
        })
    });

    let ecs = bound_ecs();
    let ecs: &dyn Ecs = &*ecs;
    for i in 0..QUERY_N {
        let e = ecs.spawn();
        ecs.typed()
            .insert(
                e,
                Pos {
                    x: i as f32,
                    y: 0.0,
                },
            )
            .unwrap();
        ecs.typed().insert(e, Vel { x: 1.0, y: 0.5 }).unwrap();
    }
    group.bench_function("typed view", |b| {
        b.iter(|| {
            ecs.typed()
                .for_each::<(&mut Pos, &Vel)>(|(p, v)| {
                    p.x += v.x;
                    p.y += v.y;
                })
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, spawn, get, insert, query);
criterion_main!(benches);
