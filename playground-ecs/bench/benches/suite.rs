//! The workloads of ../shared/bench/ecs-workloads.md (the rust-gamedev
//! ecs_bench_suite) for playground-ecs, hecs and bevy_ecs, in one run.
//!
//! `cargo bench -p playground-ecs-bench --bench suite`

// The workloads carry components whose values no pass reads (Rotation,
// Z0..Z25): they shape the tables, as the suite specifies.
#![allow(dead_code)]

use criterion::{Criterion, criterion_group, criterion_main};
use glam::{Mat4, Vec3};

#[derive(Clone, Copy, bevy_ecs::component::Component)]
struct Transform(Mat4);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
struct Position(Vec3);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
struct Rotation(Vec3);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
struct Velocity(Vec3);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
struct A(f32);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
struct B(f32);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
struct C(f32);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
struct D(f32);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
struct E(f32);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
struct Data(f32);

fn body() -> (Transform, Position, Rotation, Velocity) {
    (
        Transform(Mat4::from_scale(Vec3::ONE)),
        Position(Vec3::X),
        Rotation(Vec3::X),
        Velocity(Vec3::X),
    )
}

fn heavy_body() -> (Transform, Position, Rotation, Velocity) {
    (
        Transform(Mat4::from_axis_angle(Vec3::X, 1.2)),
        Position(Vec3::X),
        Rotation(Vec3::X),
        Velocity(Vec3::X),
    )
}

fn heavy(t: &mut Transform, p: &mut Position) {
    for _ in 0..100 {
        t.0 = t.0.inverse();
    }
    p.0 = t.0.transform_vector3(p.0);
}

fn simple_insert(c: &mut Criterion) {
    let mut group = c.benchmark_group("simple_insert");
    group.bench_function("playground", |b| {
        b.iter(|| {
            let mut world = playground_ecs::World::new();
            world.spawn_batch((0..10_000).map(|_| body()));
            world
        })
    });
    group.bench_function("hecs", |b| {
        b.iter(|| {
            let mut world = hecs::World::new();
            world.spawn_batch((0..10_000).map(|_| body()));
            world
        })
    });
    group.bench_function("bevy", |b| {
        b.iter(|| {
            let mut world = bevy_ecs::world::World::new();
            world.spawn_batch((0..10_000).map(|_| body()));
            world
        })
    });
    group.finish();
}

fn simple_iter(c: &mut Criterion) {
    let mut group = c.benchmark_group("simple_iter");
    let mut world = playground_ecs::World::new();
    world.spawn_batch((0..10_000).map(|_| body()));
    group.bench_function("playground", |b| {
        b.iter(|| {
            world
                .query_mut::<(&mut Position, &Velocity)>()
                .for_each(|(p, v)| p.0 += v.0);
        })
    });
    // The same pass with a `for` loop (`Iterator::next`), for comparison.
    group.bench_function("playground-for-loop", |b| {
        b.iter(|| {
            for (p, v) in world.query_mut::<(&mut Position, &Velocity)>() {
                p.0 += v.0;
            }
        })
    });
    let mut world = hecs::World::new();
    world.spawn_batch((0..10_000).map(|_| body()));
    group.bench_function("hecs", |b| {
        b.iter(|| {
            for (p, v) in world.query_mut::<(&mut Position, &Velocity)>() {
                p.0 += v.0;
            }
        })
    });
    let mut world = bevy_ecs::world::World::new();
    world.spawn_batch((0..10_000).map(|_| body()));
    let mut query = world.query::<(&mut Position, &Velocity)>();
    group.bench_function("bevy", |b| {
        b.iter(|| {
            for (mut p, v) in query.iter_mut(&mut world) {
                p.0 += v.0;
            }
        })
    });
    group.finish();
}

macro_rules! frag_types {
    ($($z:ident)*) => {
        $( #[derive(Clone, Copy, bevy_ecs::component::Component)] struct $z(f32); )*
        fn frag_playground(world: &mut playground_ecs::World) {
            $( world.spawn_batch((0..20).map(|_| ($z(1.0), Data(1.0)))); )*
        }
        fn frag_hecs(world: &mut hecs::World) {
            $( world.spawn_batch((0..20).map(|_| ($z(1.0), Data(1.0)))); )*
        }
        fn frag_bevy(world: &mut bevy_ecs::world::World) {
            $( world.spawn_batch((0..20).map(|_| ($z(1.0), Data(1.0)))); )*
        }
    };
}

frag_types!(Z0 Z1 Z2 Z3 Z4 Z5 Z6 Z7 Z8 Z9 Z10 Z11 Z12 Z13 Z14 Z15 Z16 Z17 Z18 Z19 Z20 Z21 Z22 Z23 Z24 Z25);

fn frag_iter(c: &mut Criterion) {
    let mut group = c.benchmark_group("frag_iter");
    let mut world = playground_ecs::World::new();
    frag_playground(&mut world);
    group.bench_function("playground", |b| {
        b.iter(|| world.query_mut::<&mut Data>().for_each(|d| d.0 *= 2.0))
    });
    let mut world = hecs::World::new();
    frag_hecs(&mut world);
    group.bench_function("hecs", |b| {
        b.iter(|| {
            for d in world.query_mut::<&mut Data>() {
                d.0 *= 2.0;
            }
        })
    });
    let mut world = bevy_ecs::world::World::new();
    frag_bevy(&mut world);
    let mut query = world.query::<&mut Data>();
    group.bench_function("bevy", |b| {
        b.iter(|| {
            for mut d in query.iter_mut(&mut world) {
                d.0 *= 2.0;
            }
        })
    });
    group.finish();
}

fn heavy_compute(c: &mut Criterion) {
    use rayon::prelude::*;
    let mut group = c.benchmark_group("heavy_compute");
    let mut world = playground_ecs::World::new();
    world.spawn_batch((0..1_000).map(|_| heavy_body()));
    group.bench_function("playground", |b| {
        b.iter(|| {
            world
                .query_mut::<(&mut Transform, &mut Position)>()
                .par_for_each(64, |(t, p)| heavy(t, p))
        })
    });
    let mut world = hecs::World::new();
    world.spawn_batch((0..1_000).map(|_| heavy_body()));
    group.bench_function("hecs", |b| {
        b.iter(|| {
            world
                .query_mut::<(&mut Transform, &mut Position)>()
                .into_iter()
                .par_bridge()
                .for_each(|(t, p)| heavy(t, p))
        })
    });
    // bevy's parallel iteration runs on its compute pool.
    bevy_tasks::ComputeTaskPool::get_or_init(bevy_tasks::TaskPool::default);
    let mut world = bevy_ecs::world::World::new();
    world.spawn_batch((0..1_000).map(|_| heavy_body()));
    let mut query = world.query::<(&mut Transform, &mut Position)>();
    group.bench_function("bevy", |b| {
        b.iter(|| {
            query
                .par_iter_mut(&mut world)
                .for_each(|(mut t, mut p)| heavy(&mut t, &mut p))
        })
    });
    group.finish();
}

fn add_remove(c: &mut Criterion) {
    let mut group = c.benchmark_group("add_remove");
    let mut world = playground_ecs::World::new();
    let entities = world.spawn_batch((0..10_000).map(|_| (A(0.0),)));
    group.bench_function("playground", |b| {
        b.iter(|| {
            for &e in &entities {
                world.insert(e, B(0.0)).unwrap();
            }
            for &e in &entities {
                world.remove::<B>(e).unwrap();
            }
        })
    });
    let mut world = hecs::World::new();
    let entities: Vec<_> = world.spawn_batch((0..10_000).map(|_| (A(0.0),))).collect();
    group.bench_function("hecs", |b| {
        b.iter(|| {
            for &e in &entities {
                world.insert_one(e, B(0.0)).unwrap();
            }
            for &e in &entities {
                world.remove_one::<B>(e).unwrap();
            }
        })
    });
    let mut world = bevy_ecs::world::World::new();
    let entities: Vec<_> = world.spawn_batch((0..10_000).map(|_| (A(0.0),))).collect();
    group.bench_function("bevy", |b| {
        b.iter(|| {
            for &e in &entities {
                world.entity_mut(e).insert(B(0.0));
            }
            for &e in &entities {
                world.entity_mut(e).remove::<B>();
            }
        })
    });
    group.finish();
}

fn schedule(c: &mut Criterion) {
    let mut group = c.benchmark_group("schedule");
    let mut world = playground_ecs::World::new();
    world.spawn_batch((0..10_000).map(|_| (A(0.0), B(0.0))));
    world.spawn_batch((0..10_000).map(|_| (A(0.0), B(0.0), C(0.0))));
    world.spawn_batch((0..10_000).map(|_| (A(0.0), B(0.0), C(0.0), D(0.0))));
    world.spawn_batch((0..10_000).map(|_| (A(0.0), B(0.0), C(0.0), E(0.0))));
    let mut schedule = playground_ecs::Schedule::new();
    schedule
        .add(
            playground_ecs::System::new("ab", |world| {
                world
                    .query::<(&mut A, &mut B)>()?
                    .iter()
                    .for_each(|(a, b)| std::mem::swap(&mut a.0, &mut b.0));
                Ok(())
            })
            .writes::<A>()
            .writes::<B>(),
        )
        .add(
            playground_ecs::System::new("cd", |world| {
                world
                    .query::<(&mut C, &mut D)>()?
                    .iter()
                    .for_each(|(c, d)| std::mem::swap(&mut c.0, &mut d.0));
                Ok(())
            })
            .writes::<C>()
            .writes::<D>(),
        )
        .add(
            playground_ecs::System::new("ce", |world| {
                world
                    .query::<(&mut C, &mut E)>()?
                    .iter()
                    .for_each(|(c, e)| std::mem::swap(&mut c.0, &mut e.0));
                Ok(())
            })
            .writes::<C>()
            .writes::<E>(),
        );
    schedule.run(&mut world).unwrap();
    group.bench_function("playground", |b| {
        b.iter(|| schedule.run(&mut world).unwrap())
    });
    let mut world = hecs::World::new();
    world.spawn_batch((0..10_000).map(|_| (A(0.0), B(0.0))));
    world.spawn_batch((0..10_000).map(|_| (A(0.0), B(0.0), C(0.0))));
    world.spawn_batch((0..10_000).map(|_| (A(0.0), B(0.0), C(0.0), D(0.0))));
    world.spawn_batch((0..10_000).map(|_| (A(0.0), B(0.0), C(0.0), E(0.0))));
    group.bench_function("hecs", |b| {
        b.iter(|| {
            for (a, b) in world.query_mut::<(&mut A, &mut B)>() {
                std::mem::swap(&mut a.0, &mut b.0);
            }
            for (c, d) in world.query_mut::<(&mut C, &mut D)>() {
                std::mem::swap(&mut c.0, &mut d.0);
            }
            for (c, e) in world.query_mut::<(&mut C, &mut E)>() {
                std::mem::swap(&mut c.0, &mut e.0);
            }
        })
    });
    use bevy_ecs::prelude::*;
    fn ab(mut query: Query<(&mut A, &mut B)>) {
        for (mut a, mut b) in &mut query {
            std::mem::swap(&mut a.0, &mut b.0);
        }
    }
    fn cd(mut query: Query<(&mut C, &mut D)>) {
        for (mut c, mut d) in &mut query {
            std::mem::swap(&mut c.0, &mut d.0);
        }
    }
    fn ce(mut query: Query<(&mut C, &mut E)>) {
        for (mut c, mut e) in &mut query {
            std::mem::swap(&mut c.0, &mut e.0);
        }
    }
    let mut world = bevy_ecs::world::World::new();
    world.spawn_batch((0..10_000).map(|_| (A(0.0), B(0.0))));
    world.spawn_batch((0..10_000).map(|_| (A(0.0), B(0.0), C(0.0))));
    world.spawn_batch((0..10_000).map(|_| (A(0.0), B(0.0), C(0.0), D(0.0))));
    world.spawn_batch((0..10_000).map(|_| (A(0.0), B(0.0), C(0.0), E(0.0))));
    let mut schedule = Schedule::default();
    schedule.add_systems((ab, cd, ce));
    schedule.run(&mut world);
    group.bench_function("bevy", |b| b.iter(|| schedule.run(&mut world)));
    group.finish();
}

criterion_group!(
    benches,
    simple_insert,
    simple_iter,
    frag_iter,
    heavy_compute,
    add_remove,
    schedule
);
criterion_main!(benches);
