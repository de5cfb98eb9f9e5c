//! The workloads of ../shared/bench/ecs-workloads.md (the rust-gamedev
//! ecs_bench_suite) for playground-ecs, hecs, bevy_ecs and flecs, in one
//! process.
//!
//! `cargo bench -p playground-ecs-bench --bench suite` (optionally
//! `-- ROUNDS`, default 15, and the names of the workloads to run, every
//! one by default: `-- 9 frag_iter schedule`; the comparisons and the
//! memory table come only with every workload).
//!
//! Fairness:
//! - engines are interleaved: every round runs every workload on every
//!   engine (in a rotating order), and each figure is the median over the
//!   rounds of each round's median sample; a burst of noise from another
//!   process hits one round of all engines, not all rounds of one;
//! - the same loop style on every engine: in the iteration workloads each
//!   Rust engine runs a `for` loop over its query and, in rows of their
//!   own, `.for_each` (a closure per entity); flecs has no per-entity
//!   iterator, so its cached query's `each` is a closure row; a row's
//!   ratio is to the fastest peer of its own style;
//! - each engine's documented idiom for parallel work: playground's
//!   `par_for_each`, hecs's `into_iter_batched` fed to rayon one batch at a
//!   time, bevy's `par_iter_mut` with the `multi_threaded` feature on its
//!   compute pool; bevy's `Schedule` runs its multi-threaded executor;
//!   flecs runs `par_each` systems in its pipeline on `set_threads`
//!   workers, and its schedule row comes twice, on one thread and on
//!   workers;
//! - simple_insert times only the spawning: each empty world is made
//!   before the clock starts and dropped after it stops (what criterion's
//!   `iter_batched` does; criterion itself cannot interleave engines, so
//!   this harness measures the same way by hand).
//!
//! A counting global allocator gives the memory per entity at 1 M
//! entities; it adds one relaxed atomic add per allocation, the same for
//! every engine.

// The workloads carry components whose values no pass reads (Rotation,
// Z0..Z25): they shape the tables, as the suite specifies.
#![allow(dead_code)]

use glam::{Mat4, Vec3};
use playground_ecs::PreparedQuery;
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator and only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Clone, Copy, bevy_ecs::component::Component)]
#[cfg_attr(
    not(playground_bench_without_flecs),
    derive(flecs_ecs::prelude::Component)
)]
struct Transform(Mat4);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
#[cfg_attr(
    not(playground_bench_without_flecs),
    derive(flecs_ecs::prelude::Component)
)]
struct Position(Vec3);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
#[cfg_attr(
    not(playground_bench_without_flecs),
    derive(flecs_ecs::prelude::Component)
)]
struct Rotation(Vec3);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
#[cfg_attr(
    not(playground_bench_without_flecs),
    derive(flecs_ecs::prelude::Component)
)]
struct Velocity(Vec3);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
#[cfg_attr(
    not(playground_bench_without_flecs),
    derive(flecs_ecs::prelude::Component)
)]
struct A(f32);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
#[cfg_attr(
    not(playground_bench_without_flecs),
    derive(flecs_ecs::prelude::Component)
)]
struct B(f32);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
#[cfg_attr(
    not(playground_bench_without_flecs),
    derive(flecs_ecs::prelude::Component)
)]
struct C(f32);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
#[cfg_attr(
    not(playground_bench_without_flecs),
    derive(flecs_ecs::prelude::Component)
)]
struct D(f32);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
#[cfg_attr(
    not(playground_bench_without_flecs),
    derive(flecs_ecs::prelude::Component)
)]
struct E(f32);
#[derive(Clone, Copy, bevy_ecs::component::Component)]
#[cfg_attr(
    not(playground_bench_without_flecs),
    derive(flecs_ecs::prelude::Component)
)]
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

/// Runs the measured operation `iters` times; returns the time of the
/// measured part only (setup and teardown excluded, as `iter_custom`).
type Run = Box<dyn FnMut(u64) -> Duration>;

/// How a variant walks a query: a `for` loop (`Iterator::next`), or a
/// closure per entity (`.for_each`, flecs's `each`). Over many small
/// tables the two differ by 2x and more on every engine (LLVM vectorises
/// the loop a closure runs per table, never the one `next` makes), so in
/// the iteration workloads a row is compared with the peers of its own
/// style.
#[derive(Clone, Copy, PartialEq)]
enum Style {
    For,
    Closure,
}

/// One way of running a workload: an engine, or a variant of one.
struct Variant {
    name: &'static str,
    /// A peer engine (hecs, bevy, flecs): the ratio is to the fastest of
    /// these (of the same style, in a workload that compares styles).
    peer: bool,
    style: Style,
    run: Run,
    /// Iterations per sample, calibrated to about `SAMPLE`.
    iters: u64,
    /// Each round's median time per operation, in ns.
    rounds: Vec<f64>,
}

struct Workload {
    name: &'static str,
    entities: usize,
    /// Whether rows are compared with peers of their own [`Style`].
    styled: bool,
    variants: Vec<Variant>,
}

fn variant(name: &'static str, peer: bool, run: impl FnMut(u64) -> Duration + 'static) -> Variant {
    Variant {
        name,
        peer,
        style: Style::For,
        run: Box::new(run),
        iters: 1,
        rounds: Vec::new(),
    }
}

impl Variant {
    /// The variant walks its query with a closure per entity.
    fn closure(mut self) -> Self {
        self.style = Style::Closure;
        self
    }
}

/// Times `op` run `iters` times, all state built beforehand.
fn timed(iters: u64, mut op: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        op();
    }
    start.elapsed()
}

const SAMPLE: Duration = Duration::from_millis(8);
const SAMPLES_PER_ROUND: usize = 5;

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn calibrate(variant: &mut Variant) {
    let mut iters = 1;
    loop {
        let took = (variant.run)(iters);
        if took >= SAMPLE / 4 || iters >= 1 << 24 {
            let per = took.as_secs_f64() / iters as f64;
            variant.iters = ((SAMPLE.as_secs_f64() / per) as u64).max(1);
            return;
        }
        iters *= 4;
    }
}

fn round(variant: &mut Variant) {
    let mut samples: Vec<f64> = (0..SAMPLES_PER_ROUND)
        .map(|_| (variant.run)(variant.iters).as_nanos() as f64 / variant.iters as f64)
        .collect();
    variant.rounds.push(median(&mut samples));
}

/// Times `spawn` on a fresh world from `new`, `iters` times; making the
/// world and dropping it are outside the clock (what criterion's
/// `iter_batched` with `BatchSize::PerIteration` does). Each world is
/// dropped before the next is made, so every engine reuses the memory the
/// last one freed instead of page-faulting fresh memory in.
fn spawn_only<W>(iters: u64, new: impl Fn() -> W, spawn: impl Fn(&mut W)) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let mut world = new();
        let start = Instant::now();
        spawn(&mut world);
        total += start.elapsed();
        drop(black_box(world));
    }
    total
}

fn simple_insert() -> Workload {
    const N: usize = 10_000;
    Workload {
        name: "simple_insert",
        entities: N,
        styled: false,
        variants: vec![
            variant("playground", false, |iters| {
                spawn_only(iters, playground_ecs::World::new, |world| {
                    world.spawn_batch((0..N).map(|_| body()));
                })
            }),
            variant("hecs", true, |iters| {
                spawn_only(iters, hecs::World::new, |world| {
                    world.spawn_batch((0..N).map(|_| body()));
                })
            }),
            variant("bevy", true, |iters| {
                spawn_only(iters, bevy_ecs::world::World::new, |world| {
                    world.spawn_batch((0..N).map(|_| body()));
                })
            }),
        ],
    }
}

fn simple_iter() -> Workload {
    const N: usize = 10_000;
    let mut world = playground_ecs::World::new();
    world.spawn_batch((0..N).map(|_| body()));
    let mut query = PreparedQuery::<(&mut Position, &Velocity)>::new();
    let playground = variant("playground", false, move |iters| {
        timed(iters, || {
            for (p, v) in query.iter_mut(&mut world) {
                p.0 += v.0;
            }
        })
    });

    let mut world = playground_ecs::World::new();
    world.spawn_batch((0..N).map(|_| body()));
    let query_mut = variant(
        "playground, `query_mut` (not prepared)",
        false,
        move |iters| {
            timed(iters, || {
                for (p, v) in world.query_mut::<(&mut Position, &Velocity)>() {
                    p.0 += v.0;
                }
            })
        },
    );

    let mut world = playground_ecs::World::new();
    world.spawn_batch((0..N).map(|_| body()));
    let mut query = PreparedQuery::<(&mut Position, &Velocity)>::new();
    let for_each = variant("playground, `.for_each`", false, move |iters| {
        timed(iters, || {
            query.iter_mut(&mut world).for_each(|(p, v)| p.0 += v.0)
        })
    })
    .closure();

    let mut world = hecs::World::new();
    world.spawn_batch((0..N).map(|_| body()));
    let hecs_for_each = variant("hecs, `.for_each`", true, move |iters| {
        timed(iters, || {
            world
                .query_mut::<(&mut Position, &Velocity)>()
                .into_iter()
                .for_each(|(p, v)| p.0 += v.0)
        })
    })
    .closure();

    let mut world = bevy_ecs::world::World::new();
    world.spawn_batch((0..N).map(|_| body()));
    let mut query = world.query::<(&mut Position, &Velocity)>();
    let bevy_for_each = variant("bevy, `.for_each`", true, move |iters| {
        timed(iters, || {
            query.iter_mut(&mut world).for_each(|(mut p, v)| p.0 += v.0)
        })
    })
    .closure();

    let mut world = hecs::World::new();
    world.spawn_batch((0..N).map(|_| body()));
    let hecs = variant("hecs", true, move |iters| {
        timed(iters, || {
            for (p, v) in world.query_mut::<(&mut Position, &Velocity)>() {
                p.0 += v.0;
            }
        })
    });

    let mut world = bevy_ecs::world::World::new();
    world.spawn_batch((0..N).map(|_| body()));
    let mut query = world.query::<(&mut Position, &Velocity)>();
    let bevy = variant("bevy", true, move |iters| {
        timed(iters, || {
            for (mut p, v) in query.iter_mut(&mut world) {
                p.0 += v.0;
            }
        })
    });

    // The floor: the same pass over two plain `Vec`s.
    let mut positions: Vec<Position> = (0..N).map(|_| body().1).collect();
    let velocities: Vec<Velocity> = (0..N).map(|_| body().3).collect();
    let vecs = variant("two `Vec`s (baseline)", false, move |iters| {
        timed(iters, || {
            for (p, v) in black_box(&mut positions).iter_mut().zip(&velocities) {
                p.0 += v.0;
            }
        })
    });

    Workload {
        name: "simple_iter",
        entities: N,
        styled: true,
        variants: vec![
            playground,
            hecs,
            bevy,
            query_mut,
            for_each,
            hecs_for_each,
            bevy_for_each,
            vecs,
        ],
    }
}

macro_rules! frag_types {
    ($($z:ident)*) => {
        $(
            #[derive(Clone, Copy, bevy_ecs::component::Component)]
            #[cfg_attr(not(playground_bench_without_flecs), derive(flecs_ecs::prelude::Component))]
            struct $z(f32);
        )*
        fn frag_playground(world: &mut playground_ecs::World) {
            $( world.spawn_batch((0..20).map(|_| ($z(1.0), Data(1.0)))); )*
        }
        fn frag_hecs(world: &mut hecs::World) {
            $( world.spawn_batch((0..20).map(|_| ($z(1.0), Data(1.0)))); )*
        }
        fn frag_bevy(world: &mut bevy_ecs::world::World) {
            $( world.spawn_batch((0..20).map(|_| ($z(1.0), Data(1.0)))); )*
        }
        #[cfg(not(playground_bench_without_flecs))]
        fn frag_flecs(world: &flecs_ecs::prelude::World) {
            $( world.entity_bulk(20).set(&[$z(1.0); 20]).set(&[Data(1.0); 20]).build(); )*
        }
    };
}

frag_types!(Z0 Z1 Z2 Z3 Z4 Z5 Z6 Z7 Z8 Z9 Z10 Z11 Z12 Z13 Z14 Z15 Z16 Z17 Z18 Z19 Z20 Z21 Z22 Z23 Z24 Z25);

fn frag_iter() -> Workload {
    let mut world = playground_ecs::World::new();
    frag_playground(&mut world);
    let mut query = PreparedQuery::<&mut Data>::new();
    let playground = variant("playground", false, move |iters| {
        timed(iters, || {
            for d in query.iter_mut(&mut world) {
                d.0 *= 2.0;
            }
        })
    });

    let mut world = playground_ecs::World::new();
    frag_playground(&mut world);
    let query_mut = variant(
        "playground, `query_mut` (not prepared)",
        false,
        move |iters| {
            timed(iters, || {
                for d in world.query_mut::<&mut Data>() {
                    d.0 *= 2.0;
                }
            })
        },
    );

    let mut world = playground_ecs::World::new();
    frag_playground(&mut world);
    let mut query = PreparedQuery::<&mut Data>::new();
    let for_each = variant("playground, `.for_each`", false, move |iters| {
        timed(iters, || {
            query.iter_mut(&mut world).for_each(|d| d.0 *= 2.0)
        })
    })
    .closure();

    let mut world = hecs::World::new();
    frag_hecs(&mut world);
    let hecs = variant("hecs", true, move |iters| {
        timed(iters, || {
            for d in world.query_mut::<&mut Data>() {
                d.0 *= 2.0;
            }
        })
    });

    let mut world = bevy_ecs::world::World::new();
    frag_bevy(&mut world);
    let mut query = world.query::<&mut Data>();
    let bevy = variant("bevy", true, move |iters| {
        timed(iters, || {
            for mut d in query.iter_mut(&mut world) {
                d.0 *= 2.0;
            }
        })
    });

    // The closure style on the peers, and both styles on std's `Flatten`
    // over 26 `Vec`s of 20 (not an engine: not part of the best-peer
    // ratio). They show that the gap between a `for` loop and `.for_each`
    // over many small tables is the language's, not an engine's: LLVM
    // vectorises the inner loop of `fold`, never the state machine `next`
    // makes of two nested loops.
    let mut world = hecs::World::new();
    frag_hecs(&mut world);
    let hecs_for_each = variant("hecs, `.for_each`", true, move |iters| {
        timed(iters, || {
            world
                .query_mut::<&mut Data>()
                .into_iter()
                .for_each(|d| d.0 *= 2.0)
        })
    })
    .closure();

    let mut world = bevy_ecs::world::World::new();
    frag_bevy(&mut world);
    let mut query = world.query::<&mut Data>();
    let bevy_for_each = variant("bevy, `.for_each`", true, move |iters| {
        timed(iters, || {
            query.iter_mut(&mut world).for_each(|mut d| d.0 *= 2.0)
        })
    })
    .closure();

    let mut tables: Vec<Vec<Data>> = (0..26).map(|_| vec![Data(1.0); 20]).collect();
    let flatten_for = variant("std `Flatten` of 26 `Vec`s, `for`", false, move |iters| {
        timed(iters, || {
            for d in black_box(&mut tables).iter_mut().flatten() {
                d.0 *= 2.0;
            }
        })
    });
    let mut tables: Vec<Vec<Data>> = (0..26).map(|_| vec![Data(1.0); 20]).collect();
    let flatten_for_each = variant(
        "std `Flatten` of 26 `Vec`s, `.for_each`",
        false,
        move |iters| {
            timed(iters, || {
                black_box(&mut tables)
                    .iter_mut()
                    .flatten()
                    .for_each(|d| d.0 *= 2.0)
            })
        },
    )
    .closure();

    // The floor: the same pass over one `Vec` of all 520.
    let mut one: Vec<Data> = vec![Data(1.0); 26 * 20];
    let floor = variant("one `Vec` of 520 (floor)", false, move |iters| {
        timed(iters, || {
            for d in black_box(&mut one).iter_mut() {
                d.0 *= 2.0;
            }
        })
    });

    Workload {
        name: "frag_iter",
        entities: 26 * 20,
        styled: true,
        variants: vec![
            playground,
            hecs,
            bevy,
            query_mut,
            for_each,
            hecs_for_each,
            bevy_for_each,
            flatten_for,
            flatten_for_each,
            floor,
        ],
    }
}

fn heavy_compute() -> Workload {
    use rayon::prelude::*;
    const N: usize = 1_000;
    let mut world = playground_ecs::World::new();
    world.spawn_batch((0..N).map(|_| heavy_body()));
    let playground = variant("playground", false, move |iters| {
        timed(iters, || {
            world
                .query_mut::<(&mut Transform, &mut Position)>()
                .par_for_each(|(t, p)| heavy(t, p))
        })
    });

    let mut world = hecs::World::new();
    world.spawn_batch((0..N).map(|_| heavy_body()));
    let hecs = variant("hecs", true, move |iters| {
        timed(iters, || {
            world
                .query_mut::<(&mut Transform, &mut Position)>()
                .into_iter_batched(64)
                .par_bridge()
                .for_each(|batch| {
                    for (t, p) in batch {
                        heavy(t, p);
                    }
                })
        })
    });

    // bevy's parallel iteration runs on its compute pool.
    bevy_tasks::ComputeTaskPool::get_or_init(bevy_tasks::TaskPool::default);
    let mut world = bevy_ecs::world::World::new();
    world.spawn_batch((0..N).map(|_| heavy_body()));
    let mut query = world.query::<(&mut Transform, &mut Position)>();
    let bevy = variant("bevy", true, move |iters| {
        timed(iters, || {
            query
                .par_iter_mut(&mut world)
                .for_each(|(mut t, mut p)| heavy(&mut t, &mut p))
        })
    });

    Workload {
        name: "heavy_compute",
        entities: N,
        styled: false,
        variants: vec![playground, hecs, bevy],
    }
}

fn add_remove() -> Workload {
    const N: usize = 10_000;
    let mut world = playground_ecs::World::new();
    let entities = world.spawn_batch_ids((0..N).map(|_| (A(0.0),)));
    let playground = variant("playground", false, move |iters| {
        timed(iters, || {
            for &e in &entities {
                world.insert(e, B(0.0)).unwrap();
            }
            for &e in &entities {
                world.remove::<B>(e).unwrap();
            }
        })
    });

    let mut world = hecs::World::new();
    let entities: Vec<_> = world.spawn_batch((0..N).map(|_| (A(0.0),))).collect();
    let hecs = variant("hecs", true, move |iters| {
        timed(iters, || {
            for &e in &entities {
                world.insert_one(e, B(0.0)).unwrap();
            }
            for &e in &entities {
                world.remove_one::<B>(e).unwrap();
            }
        })
    });

    let mut world = bevy_ecs::world::World::new();
    let entities: Vec<_> = world.spawn_batch((0..N).map(|_| (A(0.0),))).collect();
    let bevy = variant("bevy", true, move |iters| {
        timed(iters, || {
            for &e in &entities {
                world.entity_mut(e).insert(B(0.0));
            }
            for &e in &entities {
                world.entity_mut(e).remove::<B>();
            }
        })
    });

    Workload {
        name: "add_remove",
        entities: N,
        styled: false,
        variants: vec![playground, hecs, bevy],
    }
}

/// Entities per table of the schedule workload (four tables).
const N_SCHEDULE: usize = 10_000;

/// Entities per table of the small schedule workload: one, so that a run
/// costs what the engine adds around three loops.
const N_SCHEDULE_SMALL: usize = 1;

fn schedule_world(n: usize) -> playground_ecs::World {
    let mut world = playground_ecs::World::new();
    world.spawn_batch((0..n).map(|_| (A(0.0), B(0.0))));
    world.spawn_batch((0..n).map(|_| (A(0.0), B(0.0), C(0.0))));
    world.spawn_batch((0..n).map(|_| (A(0.0), B(0.0), C(0.0), D(0.0))));
    world.spawn_batch((0..n).map(|_| (A(0.0), B(0.0), C(0.0), E(0.0))));
    world
}

/// The three systems: swap A<->B, C<->D, C<->E. `ab` and `cd` share a
/// stage; `ce` follows `cd` (both write C). Written as the `System` docs
/// show (`.for_each`), or with `for` loops when `for_loops`.
fn playground_schedule(for_loops: bool) -> playground_ecs::Schedule {
    use playground_ecs::System;
    macro_rules! swap {
        ($name:literal, $x:ident, $y:ident) => {
            System::new($name, move |world| {
                let mut query = world.query::<(&mut $x, &mut $y)>()?;
                if for_loops {
                    for (x, y) in query.iter() {
                        std::mem::swap(&mut x.0, &mut y.0);
                    }
                } else {
                    query
                        .iter()
                        .for_each(|(x, y)| std::mem::swap(&mut x.0, &mut y.0));
                }
                Ok(())
            })
            .access::<(&mut $x, &mut $y)>()
        };
    }
    let mut schedule = playground_ecs::Schedule::new();
    schedule
        .add(swap!("ab", A, B))
        .add(swap!("cd", C, D))
        .add(swap!("ce", C, E));
    schedule
}

/// The schedule workload: each engine's three systems as its docs show
/// them, every loop a closure per entity (`.for_each`, flecs's `each`), so
/// that no engine runs the slower `for` form over many tables;
/// playground's `for` form is a row of its own.
fn schedule() -> Workload {
    schedule_of("schedule", N_SCHEDULE)
}

/// The schedule workload with one entity per table: what each engine's
/// run costs around its three loops.
fn schedule_small() -> Workload {
    schedule_of("schedule_small", N_SCHEDULE_SMALL)
}

/// The schedule workload over four tables of `n` entities each.
fn schedule_of(name: &'static str, n: usize) -> Workload {
    let schedule_variant =
        |name: &'static str, for_loops: bool, configure: fn(&mut playground_ecs::Schedule)| {
            let mut world = schedule_world(n);
            let mut schedule = playground_schedule(for_loops);
            configure(&mut schedule);
            schedule.run(&mut world).unwrap();
            variant(name, false, move |iters| {
                timed(iters, || schedule.run(&mut world).unwrap())
            })
        };
    let playground = schedule_variant("playground", false, |_| {});
    let serial = schedule_variant("playground, serial (`set_parallel(false)`)", false, |s| {
        s.set_parallel(false)
    });
    let always = schedule_variant("playground, always parallel (threshold 0)", false, |s| {
        s.set_parallel_threshold(Duration::ZERO)
    });
    let for_loops = schedule_variant("playground, systems with `for` loops", true, |_| {});

    let mut world = hecs::World::new();
    world.spawn_batch((0..n).map(|_| (A(0.0), B(0.0))));
    world.spawn_batch((0..n).map(|_| (A(0.0), B(0.0), C(0.0))));
    world.spawn_batch((0..n).map(|_| (A(0.0), B(0.0), C(0.0), D(0.0))));
    world.spawn_batch((0..n).map(|_| (A(0.0), B(0.0), C(0.0), E(0.0))));
    let hecs = variant("hecs", true, move |iters| {
        timed(iters, || {
            world
                .query_mut::<(&mut A, &mut B)>()
                .into_iter()
                .for_each(|(a, b)| std::mem::swap(&mut a.0, &mut b.0));
            world
                .query_mut::<(&mut C, &mut D)>()
                .into_iter()
                .for_each(|(c, d)| std::mem::swap(&mut c.0, &mut d.0));
            world
                .query_mut::<(&mut C, &mut E)>()
                .into_iter()
                .for_each(|(c, e)| std::mem::swap(&mut c.0, &mut e.0));
        })
    });

    use bevy_ecs::prelude::*;
    fn ab(mut query: Query<(&mut A, &mut B)>) {
        query
            .iter_mut()
            .for_each(|(mut a, mut b)| std::mem::swap(&mut a.0, &mut b.0));
    }
    fn cd(mut query: Query<(&mut C, &mut D)>) {
        query
            .iter_mut()
            .for_each(|(mut c, mut d)| std::mem::swap(&mut c.0, &mut d.0));
    }
    fn ce(mut query: Query<(&mut C, &mut E)>) {
        query
            .iter_mut()
            .for_each(|(mut c, mut e)| std::mem::swap(&mut c.0, &mut e.0));
    }
    let mut world = bevy_ecs::world::World::new();
    world.spawn_batch((0..n).map(|_| (A(0.0), B(0.0))));
    world.spawn_batch((0..n).map(|_| (A(0.0), B(0.0), C(0.0))));
    world.spawn_batch((0..n).map(|_| (A(0.0), B(0.0), C(0.0), D(0.0))));
    world.spawn_batch((0..n).map(|_| (A(0.0), B(0.0), C(0.0), E(0.0))));
    let mut schedule = Schedule::default();
    schedule.add_systems((ab, cd, ce));
    schedule.run(&mut world);
    let bevy = variant("bevy", true, move |iters| {
        timed(iters, || schedule.run(&mut world))
    });

    Workload {
        name,
        entities: 4 * n,
        styled: false,
        variants: vec![playground, hecs, bevy, serial, always, for_loops],
    }
}

/// glibc's count of the heap bytes in use (`mallinfo2`): what flecs's C
/// code allocates, which the counting allocator never sees.
fn malloc_in_use() -> usize {
    #[repr(C)]
    struct MallInfo2 {
        arena: usize,
        ordblks: usize,
        smblks: usize,
        hblks: usize,
        hblkhd: usize,
        usmblks: usize,
        fsmblks: usize,
        uordblks: usize,
        fordblks: usize,
        keepcost: usize,
    }
    unsafe extern "C" {
        fn mallinfo2() -> MallInfo2;
    }
    // SAFETY: glibc's `mallinfo2` (2.33 and later) takes nothing and
    // returns this plain struct of `size_t` fields by value.
    let info = unsafe { mallinfo2() };
    info.uordblks + info.hblkhd
}

/// Bytes per entity that the world `new` makes holds after `fill` adds
/// `n` entities: by the counting allocator, and by glibc's count.
fn per_entity<W>(n: usize, new: impl FnOnce() -> W, fill: impl FnOnce(&mut W)) -> (f64, f64) {
    let mut world = new();
    let (rust, malloc) = (LIVE_BYTES.load(Ordering::SeqCst), malloc_in_use());
    fill(&mut world);
    let rust = LIVE_BYTES.load(Ordering::SeqCst) - rust;
    let malloc = malloc_in_use() as isize - malloc as isize;
    drop(black_box(world));
    (rust as f64 / n as f64, malloc as f64 / n as f64)
}

/// Bytes per entity that a world holds after spawning 1 M simple_insert
/// bodies into an empty one (what the empty world holds is left out),
/// counted twice: live bytes through Rust's allocator (the counting
/// allocator), and heap bytes in use by glibc's count, which also sees C
/// code's allocations and malloc's own overhead per block.
fn memory() -> Vec<(&'static str, (f64, f64))> {
    const N: usize = 1_000_000;
    vec![
        (
            "playground",
            per_entity(N, playground_ecs::World::new, |world| {
                world.spawn_batch((0..N).map(|_| body()));
            }),
        ),
        (
            "hecs",
            per_entity(N, hecs::World::new, |world| {
                world.spawn_batch((0..N).map(|_| body()));
            }),
        ),
        (
            "bevy",
            per_entity(N, bevy_ecs::world::World::new, |world| {
                world.spawn_batch((0..N).map(|_| body()));
            }),
        ),
    ]
    .into_iter()
    .chain(flecs_side::memory(N))
    .collect()
}

/// `workload` with flecs's rows after the Rust engines' own three (none
/// in a build without flecs).
fn with_flecs(mut workload: Workload, flecs: fn(usize) -> Vec<Variant>) -> Workload {
    let rows = flecs(workload.entities);
    workload.variants.splice(3..3, rows);
    workload
}

fn format_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(15);
    // Other arguments name the workloads to run (all by default).
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a.parse::<usize>().is_err() && !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    /// A workload's name, its Rust engines' rows and flecs's.
    type Made = (&'static str, fn() -> Workload, fn(usize) -> Vec<Variant>);
    let all: [Made; 7] = [
        ("simple_insert", simple_insert, flecs_side::insert),
        ("simple_iter", simple_iter, flecs_side::simple_iter),
        ("frag_iter", frag_iter, flecs_side::frag_iter),
        ("heavy_compute", heavy_compute, flecs_side::heavy_compute),
        ("add_remove", add_remove, flecs_side::add_remove),
        ("schedule", schedule, flecs_side::schedule),
        ("schedule_small", schedule_small, flecs_side::schedule),
    ];
    let mut workloads: Vec<Workload> = all
        .into_iter()
        .filter(|(name, _, _)| wanted(name))
        .map(|(_, workload, flecs)| with_flecs(workload(), flecs))
        .collect();
    for workload in &mut workloads {
        for variant in &mut workload.variants {
            calibrate(variant);
        }
    }
    for r in 0..rounds {
        eprintln!("round {}/{rounds}", r + 1);
        for workload in &mut workloads {
            let n = workload.variants.len();
            for k in 0..n {
                round(&mut workload.variants[(k + r) % n]);
            }
        }
    }

    println!(
        "| workload | engine / variant | loop | median per round | per entity | ratio to best peer |"
    );
    println!("|---|---|---|---|---|---|");
    for workload in &mut workloads {
        let medians: Vec<f64> = workload
            .variants
            .iter_mut()
            .map(|v| median(&mut v.rounds.clone()))
            .collect();
        let best_peer = |style: Style| {
            workload
                .variants
                .iter()
                .zip(&medians)
                .filter(|(v, _)| v.peer && (!workload.styled || v.style == style))
                .map(|(_, &m)| m)
                .fold(f64::INFINITY, f64::min)
        };
        for (variant, &m) in workload.variants.iter().zip(&medians) {
            let best_peer = best_peer(variant.style);
            let style = match (workload.styled, variant.style) {
                (false, _) => "",
                (true, Style::For) => "`for`",
                (true, Style::Closure) => "closure",
            };
            let ratio = if variant.peer {
                format!("{:.2}", m / best_peer)
            } else {
                format!("**{:.2}**", m / best_peer)
            };
            println!(
                "| {} ({}) | {} | {} | {} | {} | {} |",
                workload.name,
                workload.entities,
                variant.name,
                style,
                format_ns(m),
                format_ns(m / workload.entities as f64),
                ratio
            );
        }
    }
    if !only.is_empty() {
        // The comparisons and the memory table need every workload.
        return;
    }
    let find = |w: &str, v: &str| {
        let workload = workloads.iter().find(|x| x.name == w).expect("workload");
        let variant = workload
            .variants
            .iter()
            .find(|x| x.name == v)
            .expect("variant");
        median(&mut variant.rounds.clone())
    };
    println!();
    println!("| comparison | ratio |");
    println!("|---|---|");
    println!(
        "| simple_iter: playground `for` / two `Vec`s | {:.2} |",
        find("simple_iter", "playground") / find("simple_iter", "two `Vec`s (baseline)")
    );
    for (name, row) in [
        ("`for`", "playground"),
        ("`.for_each`", "playground, `.for_each`"),
    ] {
        println!(
            "| frag_iter: playground {name} / one `Vec` (floor) | {:.2} |",
            find("frag_iter", row) / find("frag_iter", "one `Vec` of 520 (floor)")
        );
    }
    for w in ["simple_iter", "frag_iter"] {
        println!(
            "| {w}: playground `for` / `.for_each` | {:.2} |",
            find(w, "playground") / find(w, "playground, `.for_each`")
        );
    }
    for (name, for_loop, for_each) in [
        ("hecs", "hecs", "hecs, `.for_each`"),
        ("bevy", "bevy", "bevy, `.for_each`"),
        (
            "std `Flatten`",
            "std `Flatten` of 26 `Vec`s, `for`",
            "std `Flatten` of 26 `Vec`s, `.for_each`",
        ),
    ] {
        println!(
            "| frag_iter: {name} `for` / `.for_each` | {:.2} |",
            find("frag_iter", for_loop) / find("frag_iter", for_each)
        );
    }
    println!(
        "| schedule: playground default / serial | {:.2} |",
        find("schedule", "playground")
            / find("schedule", "playground, serial (`set_parallel(false)`)")
    );
    println!(
        "| schedule: always parallel / serial | {:.2} |",
        find("schedule", "playground, always parallel (threshold 0)")
            / find("schedule", "playground, serial (`set_parallel(false)`)")
    );
    println!();
    println!(
        "| memory at 1 M entities (Transform, Position, Rotation, Velocity: 100 bytes of components) | bytes per entity, Rust allocator | bytes per entity, glibc heap in use |"
    );
    println!("|---|---|---|");
    for (engine, (rust, malloc)) in memory() {
        println!("| {engine} | {rust:.1} | {malloc:.1} |");
    }
}

/// flecs, driven as its docs show for speed: bulk creation, cached queries
/// walked with `each`, systems in its pipeline (`progress`), `par_each`
/// systems on `set_threads` workers for parallel work. Each world is
/// leaked: its queries and systems point into it until the process ends.
#[cfg(not(playground_bench_without_flecs))]
mod flecs_side {
    use super::{
        A, B, C, D, Data, E, Position, Rotation, Transform, Variant, Velocity, body, frag_flecs,
        heavy, heavy_body, per_entity, spawn_only, timed, variant,
    };
    use flecs_ecs::prelude::*;

    fn leaked() -> &'static World {
        Box::leak(Box::new(World::new()))
    }

    /// `n` bodies made by `make`, created in bulk (a slice per component).
    fn bulk(
        world: &World,
        n: usize,
        make: fn() -> (Transform, Position, Rotation, Velocity),
    ) -> Vec<Entity> {
        let (mut t, mut p, mut r, mut v) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for _ in 0..n {
            let body = make();
            t.push(body.0);
            p.push(body.1);
            r.push(body.2);
            v.push(body.3);
        }
        world
            .entity_bulk(n as u32)
            .set(&t)
            .set(&p)
            .set(&r)
            .set(&v)
            .build()
    }

    pub(super) fn insert(n: usize) -> Vec<Variant> {
        vec![variant("flecs", true, move |iters| {
            spawn_only(iters, World::new, |world| {
                bulk(world, n, body);
            })
        })]
    }

    /// The memory row: bytes per entity for `n` bodies.
    pub(super) fn memory(n: usize) -> Vec<(&'static str, (f64, f64))> {
        vec![(
            "flecs",
            per_entity(n, World::new, |world| {
                bulk(world, n, body);
            }),
        )]
    }

    pub(super) fn simple_iter(n: usize) -> Vec<Variant> {
        let world = leaked();
        bulk(world, n, body);
        let query = world
            .query::<(&mut Position, &Velocity)>()
            .set_cached()
            .build();
        vec![
            variant("flecs, `each`", true, move |iters| {
                timed(iters, || query.each(|(p, v)| p.0 += v.0))
            })
            .closure(),
        ]
    }

    pub(super) fn frag_iter(_: usize) -> Vec<Variant> {
        let world = leaked();
        frag_flecs(world);
        let query = world.query::<&mut Data>().set_cached().build();
        vec![
            variant("flecs, `each`", true, move |iters| {
                timed(iters, || query.each(|d| d.0 *= 2.0))
            })
            .closure(),
        ]
    }

    fn threads() -> i32 {
        std::thread::available_parallelism().map_or(1, |n| n.get() as i32)
    }

    pub(super) fn heavy_compute(n: usize) -> Vec<Variant> {
        let world = leaked();
        world.set_threads(threads());
        bulk(world, n, heavy_body);
        world
            .system::<(&mut Transform, &mut Position)>()
            .par_each(|(t, p)| heavy(t, p));
        vec![variant("flecs", true, move |iters| {
            timed(iters, || {
                world.progress();
            })
        })]
    }

    pub(super) fn add_remove(n: usize) -> Vec<Variant> {
        let world = leaked();
        let entities = world.entity_bulk(n as u32).set(&vec![A(0.0); n]).build();
        vec![variant("flecs", true, move |iters| {
            timed(iters, || {
                for &e in &entities {
                    world.entity_from_id(e).set(B(0.0));
                }
                for &e in &entities {
                    world.entity_from_id(e).remove(B::id());
                }
            })
        })]
    }

    /// The schedule workload in flecs's pipeline: on the calling thread
    /// only, and as `par_each` systems on `set_threads` workers.
    pub(super) fn schedule(entities: usize) -> Vec<Variant> {
        vec![pipeline(entities / 4, false), pipeline(entities / 4, true)]
    }

    /// The schedule workload's world and three systems in flecs's
    /// pipeline.
    fn pipeline(per_table: usize, threaded: bool) -> Variant {
        let world = leaked();
        let n = per_table as u32;
        world
            .entity_bulk(n)
            .set(&vec![A(0.0); per_table])
            .set(&vec![B(0.0); per_table])
            .build();
        world
            .entity_bulk(n)
            .set(&vec![A(0.0); per_table])
            .set(&vec![B(0.0); per_table])
            .set(&vec![C(0.0); per_table])
            .build();
        world
            .entity_bulk(n)
            .set(&vec![A(0.0); per_table])
            .set(&vec![B(0.0); per_table])
            .set(&vec![C(0.0); per_table])
            .set(&vec![D(0.0); per_table])
            .build();
        world
            .entity_bulk(n)
            .set(&vec![A(0.0); per_table])
            .set(&vec![B(0.0); per_table])
            .set(&vec![C(0.0); per_table])
            .set(&vec![E(0.0); per_table])
            .build();
        if threaded {
            world.set_threads(threads());
            world
                .system::<(&mut A, &mut B)>()
                .par_each(|(a, b)| std::mem::swap(&mut a.0, &mut b.0));
            world
                .system::<(&mut C, &mut D)>()
                .par_each(|(c, d)| std::mem::swap(&mut c.0, &mut d.0));
            world
                .system::<(&mut C, &mut E)>()
                .par_each(|(c, e)| std::mem::swap(&mut c.0, &mut e.0));
        } else {
            world
                .system::<(&mut A, &mut B)>()
                .each(|(a, b)| std::mem::swap(&mut a.0, &mut b.0));
            world
                .system::<(&mut C, &mut D)>()
                .each(|(c, d)| std::mem::swap(&mut c.0, &mut d.0));
            world
                .system::<(&mut C, &mut E)>()
                .each(|(c, e)| std::mem::swap(&mut c.0, &mut e.0));
        }
        world.progress();
        let name = if threaded {
            "flecs, pipeline on `set_threads` workers"
        } else {
            "flecs, pipeline on one thread"
        };
        variant(name, true, move |iters| {
            timed(iters, || {
                world.progress();
            })
        })
    }
}

/// A build without flecs (`--cfg playground_bench_without_flecs`): the same
/// suite with one dependency fewer linked, to show that playground's
/// figures do not depend on what else the binary holds.
#[cfg(playground_bench_without_flecs)]
mod flecs_side {
    use super::Variant;

    pub(super) fn insert(_: usize) -> Vec<Variant> {
        Vec::new()
    }
    pub(super) use insert as simple_iter;
    pub(super) use insert as frag_iter;
    pub(super) use insert as heavy_compute;
    pub(super) use insert as add_remove;
    pub(super) use insert as schedule;
    pub(super) fn memory(_: usize) -> Vec<(&'static str, (f64, f64))> {
        Vec::new()
    }
}
