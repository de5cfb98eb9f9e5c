//! Queries: prepared queries, iteration styles, and what a run allocates
//! (counted by a global allocator, per thread).

use playground_ecs::{Entity, PreparedQuery, With, Without, World};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; counting touches no memory
// the allocation hands out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations `f` made on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Pos(f32);
#[derive(Debug, Clone, Copy, PartialEq)]
struct Vel(f32);
#[derive(Debug, Clone, Copy, PartialEq)]
struct Frozen;

fn world() -> World {
    let mut world = World::new();
    world.spawn_batch((0..100).map(|i| (Pos(i as f32), Vel(1.0))));
    world.spawn_batch((0..10).map(|i| (Pos(i as f32), Vel(1.0), Frozen)));
    world.spawn_batch((0..5).map(|i| (Pos(i as f32),)));
    world
}

#[test]
fn query_mut_and_prepared_runs_allocate_nothing() {
    let mut world = world();
    let mut prepared = PreparedQuery::<(&mut Pos, &Vel, Without<Frozen>)>::new();
    prepared.iter_mut(&mut world).for_each(drop); // prepares
    let n = allocations(|| {
        for (p, v) in world.query_mut::<(&mut Pos, &Vel)>() {
            p.0 += v.0;
        }
        for (p, v, ()) in prepared.iter_mut(&mut world) {
            p.0 += v.0;
        }
        for (p, v) in world.query::<(&mut Pos, &Vel)>().unwrap().iter() {
            p.0 += v.0;
        }
        for (p, v, ()) in prepared.query(&world).unwrap().iter() {
            p.0 += v.0;
        }
    });
    assert_eq!(n, 0, "a run allocates nothing");
}

#[test]
fn a_prepared_query_finds_new_tables_and_starts_over_in_another_world() {
    let mut world = World::new();
    // Prepared before its types exist: matches nothing yet.
    let mut query = PreparedQuery::<(Entity, &mut Pos, Option<&Vel>)>::new();
    assert_eq!(query.iter_mut(&mut world).count(), 0);
    let a = world.spawn((Pos(1.0),));
    let b = world.spawn((Pos(2.0), Vel(3.0)));
    let mut seen: Vec<(Entity, f32, Option<f32>)> = query
        .iter_mut(&mut world)
        .map(|(e, p, v)| (e, p.0, v.map(|v| v.0)))
        .collect();
    seen.sort_by_key(|s| s.0);
    assert_eq!(seen, [(a, 1.0, None), (b, 2.0, Some(3.0))]);
    assert_eq!(query.matched_tables(), 2);
    // An unrelated table is not matched.
    world.spawn((Vel(0.0),));
    assert_eq!(query.iter_mut(&mut world).count(), 2);
    assert_eq!(query.matched_tables(), 2);

    let mut other = World::new();
    other.spawn((Pos(9.0), Frozen));
    let only: Vec<f32> = query.iter_mut(&mut other).map(|(_, p, _)| p.0).collect();
    assert_eq!(only, [9.0], "another world: prepared again");
}

#[test]
fn for_loops_for_each_and_par_for_each_visit_the_same_rows() {
    let mut world = world();
    // Empty tables in between (all their entities despawned).
    let gone = world.spawn((Pos(0.0), Vel(0.0), 5u8));
    world.despawn(gone).unwrap();
    let mut by_for = Vec::new();
    for (e, p, ()) in world.query_mut::<(Entity, &Pos, With<Vel>)>() {
        by_for.push((e, p.0));
    }
    let mut by_each = Vec::new();
    world
        .query_mut::<(Entity, &Pos, With<Vel>)>()
        .for_each(|(e, p, ())| by_each.push((e, p.0)));
    assert_eq!(by_for.len(), 110);
    assert_eq!(by_for, by_each);

    // A `for` loop started with `next` and finished with `for_each`.
    let mut iter = world.query_mut::<&Pos>();
    let first = iter.next().map(|p| p.0);
    let rest = iter.fold(0, |n, _| n + 1);
    assert_eq!(first, Some(0.0));
    assert_eq!(rest, 114);

    world
        .query_mut::<(&mut Pos, &Vel)>()
        .par_for_each(|(p, v)| p.0 += 1000.0 * v.0);
    let moved = world.query_mut::<&Pos>().filter(|p| p.0 >= 1000.0).count();
    assert_eq!(moved, 110, "every row with Vel once");
}

#[test]
fn spawn_batch_returns_ids_only_when_asked() {
    let mut world = World::new();
    assert_eq!(world.spawn_batch((0..1000).map(|i| (Pos(i as f32),))), 1000);
    let ids = world.spawn_batch_ids((0..3).map(|i| (Pos(i as f32 + 0.5),)));
    assert_eq!(ids.len(), 3);
    for (i, &e) in ids.iter().enumerate() {
        assert_eq!(*world.get::<Pos>(e).unwrap(), Pos(i as f32 + 0.5));
    }
    assert_eq!(world.len(), 1003);
}

#[test]
fn par_for_each_visits_every_row_once_across_tables_and_after_next() {
    use std::sync::atomic::{AtomicU32, Ordering};
    struct Visits(AtomicU32);
    let mut world = World::new();
    // Tables of 1, 7, 0 (emptied), 1000 and 333 rows.
    world.spawn_batch((0..1).map(|_| (Visits(AtomicU32::new(0)), 1u8)));
    world.spawn_batch((0..7).map(|_| (Visits(AtomicU32::new(0)), 1u16)));
    let gone = world.spawn((Visits(AtomicU32::new(0)), 1u32));
    world.despawn(gone).unwrap();
    world.spawn_batch((0..1000).map(|_| (Visits(AtomicU32::new(0)), 1u64)));
    world.spawn_batch((0..333).map(|_| (Visits(AtomicU32::new(0)),)));
    for _ in 0..20 {
        world.query_mut::<&Visits>().par_for_each(|v| {
            v.0.fetch_add(1, Ordering::Relaxed);
        });
    }
    assert!(
        world
            .query_mut::<&Visits>()
            .all(|v| v.0.load(Ordering::Relaxed) == 20),
        "every row once per pass"
    );

    // Started with `next` in the second table: the rest, each once.
    let mut iter = world.query_mut::<&Visits>();
    let taken: Vec<_> = (0..3).map(|_| iter.next().unwrap()).collect();
    for v in &taken {
        v.0.fetch_add(100, Ordering::Relaxed);
    }
    iter.par_for_each(|v| {
        v.0.fetch_add(1, Ordering::Relaxed);
    });
    let mut counts: Vec<u32> = world
        .query_mut::<&Visits>()
        .map(|v| v.0.load(Ordering::Relaxed))
        .collect();
    counts.sort_unstable();
    assert_eq!(counts.len(), 1341);
    assert_eq!(counts.iter().filter(|&&n| n == 21).count(), 1338);
    assert_eq!(counts.iter().filter(|&&n| n == 120).count(), 3);
}
