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

/// What a prepared query's runs see, checked against a query that looks
/// every table up afresh: `(entity, Pos)` sorted, through `iter_mut`, the
/// `&World` borrow and `.for_each`.
fn same_as_a_fresh_query(world: &mut World, query: &mut PreparedQuery<(Entity, &mut Pos)>) {
    let mut fresh: Vec<(Entity, f32)> = world
        .query_mut::<(Entity, &Pos)>()
        .map(|(e, p)| (e, p.0))
        .collect();
    fresh.sort_by_key(|s| s.0);
    let mut walked: Vec<(Entity, f32)> = query.iter_mut(world).map(|(e, p)| (e, p.0)).collect();
    walked.sort_by_key(|s| s.0);
    assert_eq!(walked, fresh, "iter_mut");
    let mut borrowed = Vec::new();
    query
        .query(world)
        .unwrap()
        .iter()
        .for_each(|(e, p)| borrowed.push((e, p.0)));
    borrowed.sort_by_key(|s| s.0);
    assert_eq!(borrowed, fresh, "query");
}

/// A prepared query keeps its tables' column pointers between runs: every
/// write that grows, shrinks or moves a table (rows pushed past capacity,
/// despawns, components added and removed, commands applied, entity ids
/// reserved) is seen by its next run, which never reads a column where it
/// was. In CI these tests also run under AddressSanitizer, where a column
/// read after it moved is a use after free.
#[test]
fn a_prepared_query_sees_every_write_to_its_tables() {
    let mut world = World::new();
    let mut query = PreparedQuery::<(Entity, &mut Pos)>::new();
    let first = world.spawn((Pos(1.0),));
    same_as_a_fresh_query(&mut world, &mut query);
    // Unchanged tables: the values written by a run are read by the next.
    for (_, p) in query.iter_mut(&mut world) {
        p.0 += 1.0;
    }
    assert_eq!(world.get::<Pos>(first).unwrap().0, 2.0);
    same_as_a_fresh_query(&mut world, &mut query);

    // The table grows past its capacity many times over (its columns move).
    let many = world.spawn_batch_ids((0..5000).map(|i| (Pos(i as f32),)));
    same_as_a_fresh_query(&mut world, &mut query);
    // One at a time too, each followed by a run.
    for i in 0..40 {
        world.spawn((Pos(-i as f32),));
        same_as_a_fresh_query(&mut world, &mut query);
    }
    // Rows despawned (the last row moves into the gap).
    for &e in many.iter().step_by(3) {
        world.despawn(e).unwrap();
    }
    same_as_a_fresh_query(&mut world, &mut query);
    // Components added and removed: rows move between tables, new tables.
    for (n, &e) in many.iter().skip(1).step_by(3).enumerate() {
        if n % 2 == 0 {
            world.insert(e, Vel(n as f32)).unwrap();
        } else {
            world.insert(e, Frozen).unwrap();
        }
    }
    same_as_a_fresh_query(&mut world, &mut query);
    for &e in many.iter().skip(1).step_by(6) {
        world.remove::<Vel>(e).unwrap();
    }
    for &e in many.iter().skip(2).step_by(3).take(100) {
        world.remove::<Pos>(e).unwrap();
    }
    same_as_a_fresh_query(&mut world, &mut query);
    // A value replaced in place, through `get_mut` and `insert`.
    world.get_mut::<Pos>(first).unwrap().0 = 42.0;
    world.insert(many[1], Pos(43.0)).unwrap();
    same_as_a_fresh_query(&mut world, &mut query);
    // Commands: ids reserved (entity records grow when they are made),
    // then spawned, despawned and changed when applied.
    let mut commands = playground_ecs::CommandBuffer::new();
    for i in 0..3000 {
        commands.spawn((Pos(1000.0 + i as f32), Vel(0.0)));
    }
    commands.despawn(first);
    commands.insert(many[4], Frozen);
    commands.apply(&mut world).unwrap();
    same_as_a_fresh_query(&mut world, &mut query);
    // Everything gone, then back.
    world.clear();
    same_as_a_fresh_query(&mut world, &mut query);
    assert_eq!(query.iter_mut(&mut world).count(), 0);
    world.spawn_batch((0..100).map(|i| (Pos(i as f32), Frozen)));
    same_as_a_fresh_query(&mut world, &mut query);
    assert_eq!(query.iter_mut(&mut world).count(), 100);

    // Two worlds in turn: each run reads its own world's columns.
    let mut other = World::new();
    other.spawn((Pos(7.0),));
    for _ in 0..3 {
        same_as_a_fresh_query(&mut other, &mut query);
        same_as_a_fresh_query(&mut world, &mut query);
        other.spawn((Pos(8.0),));
    }
    drop(other);
    same_as_a_fresh_query(&mut world, &mut query);
}
