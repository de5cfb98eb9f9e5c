//! Storage: entities, tables, component moves, drops, queries, borrows.
//! CI runs these under AddressSanitizer too.

use playground_ecs::{EcsError, Entity, With, Without, World};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone, Copy, PartialEq)]
struct Pos(f32, f32);
#[derive(Debug, Clone, Copy, PartialEq)]
struct Vel(f32, f32);
#[derive(Debug, PartialEq)]
struct Name(String);
#[derive(Debug, Clone, Copy, PartialEq)]
struct Frozen;
#[repr(align(64))]
#[derive(Debug, Clone, Copy, PartialEq)]
struct Aligned(u8);

/// Counts its drops.
struct Tracked(Arc<AtomicUsize>);
impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn spawn_get_and_stale_ids() {
    let mut world = World::new();
    let a = world.spawn((Pos(1.0, 2.0), Vel(0.5, 0.0)));
    let b = world.spawn((Pos(3.0, 4.0),));
    assert_eq!(world.get::<Pos>(a).as_deref(), Ok(&Pos(1.0, 2.0)));
    assert_eq!(
        world.get::<Vel>(b).as_deref(),
        Err(&EcsError::MissingComponent {
            entity: b,
            component: std::any::type_name::<Vel>()
        })
    );
    world.despawn(a).unwrap();
    assert_eq!(
        world.get::<Pos>(a).as_deref(),
        Err(&EcsError::NoSuchEntity(a))
    );
    assert_eq!(world.despawn(a), Err(EcsError::NoSuchEntity(a)));

    // The index is reused with a new generation: the old id stays stale.
    let c = world.spawn((Pos(9.0, 9.0),));
    assert_eq!(c.index(), a.index());
    assert_ne!(c, a);
    assert_eq!(
        world.get::<Pos>(a).as_deref(),
        Err(&EcsError::NoSuchEntity(a))
    );
    assert_eq!(world.get::<Pos>(c).as_deref(), Ok(&Pos(9.0, 9.0)));
    assert_eq!(
        world.get::<Pos>(b).as_deref(),
        Ok(&Pos(3.0, 4.0)),
        "b survived a's removal"
    );
    assert_eq!(Entity::from_bits(c.to_bits()), c);
}

#[test]
fn insert_and_remove_move_rows_between_tables() {
    let mut world = World::new();
    let entities: Vec<Entity> = (0..100)
        .map(|i| world.spawn((Pos(i as f32, 0.0),)))
        .collect();
    for (i, &e) in entities.iter().enumerate() {
        if i % 2 == 0 {
            world.insert(e, Vel(1.0, i as f32)).unwrap();
        }
    }
    for (i, &e) in entities.iter().enumerate() {
        assert_eq!(world.get::<Pos>(e).as_deref(), Ok(&Pos(i as f32, 0.0)));
        assert_eq!(world.has::<Vel>(e), Ok(i % 2 == 0));
    }
    for (i, &e) in entities.iter().enumerate().filter(|(i, _)| i % 4 == 0) {
        assert_eq!(world.remove::<Vel>(e), Ok(Vel(1.0, i as f32)));
    }
    for (i, &e) in entities.iter().enumerate() {
        assert_eq!(
            world.get::<Pos>(e).as_deref(),
            Ok(&Pos(i as f32, 0.0)),
            "entity {i} kept its Pos"
        );
        assert_eq!(world.has::<Vel>(e), Ok(i % 2 == 0 && i % 4 != 0));
    }
    // Replacing a component keeps the entity where it is.
    world.insert(entities[2], Vel(7.0, 7.0)).unwrap();
    assert_eq!(world.get::<Vel>(entities[2]).as_deref(), Ok(&Vel(7.0, 7.0)));
    assert!(matches!(
        world.remove::<Name>(entities[1]),
        Err(EcsError::MissingComponent { .. })
    ));
}

#[test]
fn every_value_is_dropped_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let tracked = || Tracked(Arc::clone(&drops));
    {
        let mut world = World::new();
        let a = world.spawn((tracked(), Pos(0.0, 0.0)));
        let b = world.spawn((tracked(),));
        let c = world.spawn((Pos(1.0, 1.0),));
        world.despawn(a).unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1, "despawn drops");
        world.insert(b, tracked()).unwrap();
        assert_eq!(
            drops.load(Ordering::SeqCst),
            2,
            "replacing drops the old value"
        );
        world.insert(c, tracked()).unwrap();
        world.insert(c, Vel(0.0, 0.0)).unwrap();
        assert_eq!(
            drops.load(Ordering::SeqCst),
            2,
            "moving between tables drops nothing"
        );
        let removed = world.remove::<Tracked>(c).unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        drop(removed);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            3,
            "a removed value is the caller's to drop"
        );
        world.spawn_batch((0..10).map(|_| (tracked(), Name("x".into()))));
    }
    assert_eq!(
        drops.load(Ordering::SeqCst),
        14,
        "dropping the world drops what is left"
    );
}

#[test]
fn zero_sized_and_overaligned_components() {
    let mut world = World::new();
    let entities =
        world.spawn_batch_ids((0..50).map(|i| (Frozen, Aligned(i as u8), Pos(0.0, 0.0))));
    for (i, &e) in entities.iter().enumerate() {
        let aligned = world.get::<Aligned>(e).unwrap();
        assert_eq!(aligned.0, i as u8);
        assert_eq!(
            &*aligned as *const Aligned as usize % 64,
            0,
            "alignment kept"
        );
        assert_eq!(world.get::<Frozen>(e).as_deref(), Ok(&Frozen));
    }
    world.remove::<Frozen>(entities[3]).unwrap();
    assert_eq!(world.query_mut::<With<Frozen>>().count(), 49);
}

#[test]
fn queries_with_filters_options_and_entities() {
    let mut world = World::new();
    let moving = world.spawn((Pos(0.0, 0.0), Vel(1.0, 1.0)));
    let frozen = world.spawn((Pos(5.0, 5.0), Vel(1.0, 1.0), Frozen));
    let named = world.spawn((Pos(0.0, 0.0), Name("still".into())));

    for (p, v) in world
        .query_mut::<(&mut Pos, &Vel, Without<Frozen>)>()
        .map(|(p, v, ())| (p, v))
    {
        p.0 += v.0;
        p.1 += v.1;
    }
    assert_eq!(world.get::<Pos>(moving).as_deref(), Ok(&Pos(1.0, 1.0)));
    assert_eq!(
        world.get::<Pos>(frozen).as_deref(),
        Ok(&Pos(5.0, 5.0)),
        "Without<Frozen> skipped it"
    );

    let mut seen: Vec<(Entity, bool)> = world
        .query_mut::<(Entity, Option<&Name>)>()
        .map(|(e, n)| (e, n.is_some()))
        .collect();
    seen.sort();
    assert_eq!(seen, [(moving, false), (frozen, false), (named, true)]);
    assert_eq!(
        world
            .query_mut::<(Entity, With<Frozen>)>()
            .map(|(e, ())| e)
            .collect::<Vec<_>>(),
        [frozen]
    );
    assert_eq!(
        world.query_mut::<&Aligned>().count(),
        0,
        "a type never used matches nothing"
    );
}

#[test]
#[should_panic(expected = "query uses `storage::Pos` mutably and a second time")]
fn a_query_that_would_alias_a_mut_is_refused() {
    let mut world = World::new();
    world.spawn((Pos(0.0, 0.0),));
    let _ = world.query_mut::<(&mut Pos, &Pos)>();
}

#[test]
fn shared_queries_borrow_and_conflicts_are_errors() {
    let mut world = World::new();
    let e = world.spawn((Pos(0.0, 0.0), Vel(1.0, 0.0)));
    {
        let mut writes = world.query::<(&mut Pos, &Vel)>().unwrap();
        let mut reads = world.query::<&Vel>().unwrap();
        assert_eq!(reads.iter().count(), 1, "two readers of Vel at once");
        assert!(matches!(
            world.query::<&Pos>(),
            Err(EcsError::Borrowed { how: "mutably", .. })
        ));
        assert!(matches!(
            world.get::<Pos>(e).as_deref(),
            Err(EcsError::Borrowed { .. })
        ));
        for (p, v) in writes.iter() {
            p.0 += v.0;
        }
    }
    assert_eq!(
        world.get::<Pos>(e).as_deref(),
        Ok(&Pos(1.0, 0.0)),
        "borrows released on drop"
    );
    assert!(world.query::<&mut Pos>().is_ok());
}

#[test]
fn parallel_iteration_visits_every_row_once() {
    let mut world = World::new();
    world.spawn_batch((0..10_000).map(|i| (Pos(i as f32, 0.0), Vel(1.0, 0.0))));
    world.spawn_batch((0..3_000).map(|i| (Pos(i as f32, 0.0), Vel(1.0, 0.0), Frozen)));
    world
        .query_mut::<(&mut Pos, &Vel)>()
        .par_for_each(|(p, v)| p.1 += v.0);
    assert!(world.query_mut::<&Pos>().all(|p| p.1 == 1.0));
    assert_eq!(world.query_mut::<&Pos>().count(), 13_000);
}

#[test]
fn a_bundle_with_a_type_twice_is_refused() {
    let result = std::panic::catch_unwind(|| World::new().spawn((Pos(0.0, 0.0), Pos(1.0, 1.0))));
    let message = result.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("twice"), "{message}");
}
