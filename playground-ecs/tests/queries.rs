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
