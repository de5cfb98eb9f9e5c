//! Typed access through the view (`<dyn Ecs>::typed`): model components as
//! their Rust types, in place, with the typed world's borrow rules, and
//! the mistakes a careless caller makes refused with errors.

use playground_ecs::{Ecs, EcsError, EcsModule, Entity, EntityView, ModelValue, With, Without};
use playground_runtime::{Model, Registry, model};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

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

#[model]
#[derive(Debug, Clone, PartialEq)]
struct Name(String);

#[model]
#[derive(Debug, Clone, Copy, PartialEq)]
struct Frozen;

/// One model, two structures: the same model id (crate and name), two
/// state versions, as two builds of a module would have.
mod v1 {
    use playground_runtime::model;
    #[model]
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Spin {
        pub rate: f32,
    }
}

mod v2 {
    use playground_runtime::model;
    #[model]
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Spin {
        pub rate: f64,
    }
}

fn world_of(n: u32) -> (EcsModule, Vec<Entity>) {
    let module = EcsModule::default();
    let ecs: &dyn Ecs = &module;
    let entities = (0..n)
        .map(|i| {
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
            ecs.typed().insert(e, Vel { x: 1.0, y: 2.0 }).unwrap();
            e
        })
        .collect();
    (module, entities)
}

#[test]
fn get_get_mut_insert_and_for_each_through_the_registry() {
    drop(EcsModule::default());
    let registry = Registry::linked();
    let ecs = registry.get::<dyn Ecs>().unwrap();
    let ecs: &dyn Ecs = &*ecs;
    let e = ecs.spawn();
    // Not registered yet: the typed insert registers it.
    assert!(!ecs.is_registered(Pos::MODEL_ID.get()));
    ecs.typed().insert(e, Pos { x: 1.0, y: 2.0 }).unwrap();
    assert!(ecs.is_registered(Pos::MODEL_ID.get()));
    assert_eq!(*ecs.typed().get::<Pos>(e).unwrap(), Pos { x: 1.0, y: 2.0 });
    ecs.typed().get_mut::<Pos>(e).unwrap().x = 5.0;
    // The ModelValue path sees the same value.
    assert_eq!(
        ecs.get(e, Pos::MODEL_ID.get())
            .unwrap()
            .to::<Pos>()
            .unwrap(),
        Pos { x: 5.0, y: 2.0 }
    );
    // A replace drops the old value and keeps the entity in its table.
    ecs.typed().insert(e, Name("a".into())).unwrap();
    ecs.typed().insert(e, Name("b".into())).unwrap();
    assert_eq!(ecs.typed().get::<Name>(e).unwrap().0, "b");
    assert!(ecs.typed().has::<Name>(e).unwrap());
    assert!(!ecs.typed().has::<Vel>(e).unwrap());
    let mut seen = Vec::new();
    let rows = ecs
        .typed()
        .for_each::<(Entity, &mut Pos, &Name)>(|(entity, pos, name)| {
            pos.y += 1.0;
            seen.push((entity, name.0.clone()));
        })
        .unwrap();
    assert_eq!(rows, 1);
    assert_eq!(seen, [(e, "b".to_owned())]);
    assert_eq!(ecs.typed().get::<Pos>(e).unwrap().y, 3.0);
}

#[test]
fn the_view_hands_out_the_worlds_own_values() {
    let (module, entities) = world_of(3);
    let ecs: &dyn Ecs = &module;
    let through_view: *const Pos = {
        let guard = ecs.typed().get::<Pos>(entities[1]).unwrap();
        &*guard
    };
    let typed: *const Pos =
        module.with_world(|world| &*world.get::<Pos>(entities[1]).unwrap() as *const Pos);
    assert_eq!(through_view, typed, "zero-copy: the same address");
    let mut addresses = Vec::new();
    ecs.typed()
        .for_each::<&Pos>(|p| addresses.push(p as *const Pos))
        .unwrap();
    assert_eq!(addresses[1], typed);
}

#[test]
fn filters_and_entities() {
    let (module, entities) = world_of(4);
    let ecs: &dyn Ecs = &module;
    ecs.typed().insert(entities[0], Frozen).unwrap();
    let plain = ecs.spawn();
    ecs.typed().insert(plain, Pos { x: 9.0, y: 9.0 }).unwrap();
    let mut moving = Vec::new();
    ecs.typed()
        .for_each::<(Entity, &Pos, With<Vel>, Without<Frozen>)>(|(e, p, (), ())| {
            moving.push((e, p.x))
        })
        .unwrap();
    moving.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(
        moving,
        [(entities[1], 1.0), (entities[2], 2.0), (entities[3], 3.0)]
    );
    assert_eq!(ecs.typed().for_each::<&Pos>(|_| {}).unwrap(), 5);
    // A model the world never saw matches nothing.
    assert_eq!(ecs.typed().for_each::<&v1::Spin>(|_| {}).unwrap(), 0);
}

#[test]
fn get_then_despawn_is_refused_until_the_guard_drops() {
    let (module, entities) = world_of(2);
    let ecs: &dyn Ecs = &module;
    let pos = ecs.typed().get::<Pos>(entities[0]).unwrap();
    assert_eq!(ecs.despawn(entities[0]), Err(EcsError::WorldBorrowed));
    assert_eq!(
        ecs.typed().insert(entities[1], Frozen),
        Err(EcsError::WorldBorrowed),
        "an insert could move the row"
    );
    assert_eq!(
        ecs.remove(entities[0], Pos::MODEL_ID.get()).map(|_| ()),
        Err(EcsError::WorldBorrowed)
    );
    // Reads are fine meanwhile.
    assert!(ecs.contains(entities[0]));
    assert_eq!(pos.x, 0.0);
    drop(pos);
    ecs.despawn(entities[0]).unwrap();
    assert!(matches!(
        ecs.typed().get::<Pos>(entities[0]),
        Err(EcsError::NoSuchEntity(_))
    ));
}

#[test]
fn an_infallible_structural_change_under_a_guard_panics_instead_of_deadlocking() {
    let (module, entities) = world_of(1);
    let ecs: &dyn Ecs = &module;
    let pos = ecs.typed().get::<Pos>(entities[0]).unwrap();
    let spawned = catch_unwind(AssertUnwindSafe(|| ecs.spawn()));
    let message = spawned.unwrap_err();
    assert!(
        message
            .downcast_ref::<String>()
            .is_some_and(|m| m.contains("borrowed by typed guards")),
        "{message:?}"
    );
    drop(pos);
    ecs.spawn();
    assert_eq!(ecs.entity_count(), 2);
}

#[test]
fn borrow_rules_of_the_typed_world() {
    let (module, entities) = world_of(2);
    let ecs: &dyn Ecs = &module;
    let typed = ecs.typed();
    let mut first = typed.get_mut::<Pos>(entities[0]).unwrap();
    assert!(
        matches!(
            typed.get_mut::<Pos>(entities[1]),
            Err(EcsError::Borrowed { how: "mutably", .. })
        ),
        "get_mut twice"
    );
    assert!(matches!(
        typed.get::<Pos>(entities[0]),
        Err(EcsError::Borrowed { .. })
    ));
    assert!(
        matches!(
            ecs.get(entities[0], Pos::MODEL_ID.get()),
            Err(EcsError::Borrowed { .. })
        ),
        "the ModelValue path keeps to the same flags"
    );
    // Another component is free.
    assert_eq!(typed.get::<Vel>(entities[0]).unwrap().x, 1.0);
    first.x = 7.0;
    drop(first);
    // Shared borrows share.
    let a = typed.get::<Pos>(entities[0]).unwrap();
    let b = typed.get::<Pos>(entities[0]).unwrap();
    assert_eq!((a.x, b.x), (7.0, 7.0));
    assert!(matches!(
        typed.for_each::<&mut Pos>(|_| {}),
        Err(EcsError::Borrowed { how: "shared", .. })
    ));
    drop((a, b));
    assert_eq!(typed.for_each::<&mut Pos>(|p| p.y = 1.0).unwrap(), 2);
}

#[test]
fn get_while_iterating_mutably() {
    let (module, entities) = world_of(3);
    let ecs: &dyn Ecs = &module;
    let mut inner = Vec::new();
    ecs.typed()
        .for_each::<&mut Pos>(|p| {
            p.x += 1.0;
            inner.push((
                matches!(
                    ecs.typed().get::<Pos>(entities[0]),
                    Err(EcsError::Borrowed { .. })
                ),
                ecs.typed().get::<Vel>(entities[0]).map(|v| v.y).ok(),
                ecs.despawn(entities[2]),
            ));
        })
        .unwrap();
    assert_eq!(inner.len(), 3);
    for (refused, vel, despawn) in inner {
        assert!(refused, "a shared get of the column being written");
        assert_eq!(vel, Some(2.0), "another column is free");
        assert_eq!(despawn, Err(EcsError::WorldBorrowed));
    }
    assert_eq!(ecs.entity_count(), 3);
    assert!(matches!(
        ecs.typed().for_each::<(&mut Pos, &Pos)>(|_| {}),
        Err(EcsError::AliasedQuery { .. })
    ));
}

#[test]
fn a_panic_in_a_query_closure_gives_the_borrows_back() {
    let (module, entities) = world_of(10);
    let ecs: &dyn Ecs = &module;
    let mut visited = 0;
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        ecs.typed()
            .for_each::<(&mut Pos, &Vel)>(|(p, _)| {
                visited += 1;
                p.x = -1.0;
                if visited == 4 {
                    panic!("boom in a query");
                }
            })
            .unwrap();
    }));
    assert!(panicked.is_err());
    assert_eq!(visited, 4);
    // Nothing is left borrowed or locked.
    ecs.typed().get_mut::<Pos>(entities[9]).unwrap().x = 9.0;
    ecs.typed().get_mut::<Vel>(entities[9]).unwrap().x = 9.0;
    ecs.despawn(entities[0]).unwrap();
    ecs.typed().insert(entities[1], Frozen).unwrap();
    assert_eq!(ecs.typed().for_each::<&mut Pos>(|_| {}).unwrap(), 9);
    module.with_world(|world| assert_eq!(world.len(), 9));
}

#[test]
fn a_component_whose_version_differs_is_a_typed_error_and_changes_nothing() {
    let module = EcsModule::default();
    let ecs: &dyn Ecs = &module;
    let e = ecs.spawn();
    ecs.typed().insert(e, v1::Spin { rate: 2.0 }).unwrap();
    assert_eq!(v1::Spin::MODEL_ID, v2::Spin::MODEL_ID);
    assert_ne!(v1::Spin::STATE_VERSION, v2::Spin::STATE_VERSION);

    let expected = EcsError::ModelVersion {
        model: std::any::type_name::<v1::Spin>(),
        world: v1::Spin::STATE_VERSION.get(),
        caller: v2::Spin::STATE_VERSION.get(),
    };
    assert_eq!(ecs.typed().get::<v2::Spin>(e).unwrap_err(), expected);
    assert_eq!(ecs.typed().get_mut::<v2::Spin>(e).unwrap_err(), expected);
    assert_eq!(
        ecs.typed()
            .for_each::<&mut v2::Spin>(|s| s.rate = 0.0)
            .unwrap_err(),
        expected
    );
    let error = ecs.typed().insert(e, v2::Spin { rate: 8.0 }).unwrap_err();
    assert!(
        matches!(error, EcsError::ModelVersion { world, caller, .. } if world == v1::Spin::STATE_VERSION.get() && caller == v2::Spin::STATE_VERSION.get()),
        "{error}"
    );
    assert!(error.to_string().contains("Spin"), "{error}");
    // Nothing changed: the old value, still readable as its own type.
    assert_eq!(ecs.typed().get::<v1::Spin>(e).unwrap().rate, 2.0);
    assert_eq!(
        ecs.get(e, v1::Spin::MODEL_ID.get()).unwrap(),
        ModelValue::of(&v1::Spin { rate: 2.0 }).unwrap()
    );
    assert_eq!(ecs.entity_components(e).unwrap().len(), 1);
}

#[test]
fn another_thread_waits_for_the_guard() {
    let (module, entities) = world_of(1);
    let target = entities[0];
    let module = Arc::new(module);
    let pos = (&*module as &dyn Ecs)
        .typed()
        .get::<Pos>(entities[0])
        .unwrap();
    let started = Arc::new(Barrier::new(2));
    let calling = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let worker = {
        let (module, started) = (module.clone(), started.clone());
        let (calling, done) = (calling.clone(), done.clone());
        std::thread::spawn(move || {
            started.wait();
            calling.store(true, Ordering::SeqCst);
            let result = module.despawn(target);
            done.store(true, Ordering::SeqCst);
            result
        })
    };
    started.wait();
    // The worker is in `despawn` (or about to be) before the wait starts:
    // a worker not yet scheduled cannot pass for one that waits.
    while !calling.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    std::thread::sleep(Duration::from_millis(50));
    assert!(
        !done.load(Ordering::SeqCst),
        "the despawn waits for the guard"
    );
    assert_eq!(pos.x, 0.0, "the value is still there");
    drop(pos);
    assert_eq!(worker.join().unwrap(), Ok(()));
    assert!(!module.contains(entities[0]));
}

#[test]
fn a_borrow_of_another_world_is_not_released_by_this_one() {
    let (one, entities) = world_of(1);
    let two = EcsModule::default();
    let one: &dyn Ecs = &one;
    let two: &dyn Ecs = &two;
    // SAFETY: no session.
    let borrow = unsafe {
        one.typed_borrow(
            entities[0],
            playground_ecs::TypedKey::of::<Pos>(),
            u32::MAX,
            true,
            None,
        )
    }
    .unwrap();
    // Given to the wrong world: leaked, so `one` stays borrowed.
    // SAFETY: breaks the contract on purpose (another, live, view), which
    // the world detects.
    unsafe { two.typed_release(borrow) };
    assert!(matches!(
        one.typed().get::<Pos>(entities[0]),
        Err(EcsError::Borrowed { .. })
    ));
    two.spawn();
}

/// What a module's function looks like: a `&dyn Ecs` of any lifetime.
fn total_x(ecs: &dyn Ecs) -> Result<f32, EcsError> {
    let mut total = 0.0;
    ecs.typed().for_each::<&Pos>(|p| total += p.x)?;
    let first = ecs.typed().get::<Pos>(ecs.entities()[0])?;
    Ok(total + first.x * 0.0)
}

#[test]
fn a_borrowed_view_of_any_lifetime_has_typed_access() {
    let (module, _) = world_of(4);
    assert_eq!(total_x(&module).unwrap(), 6.0);
}

static DROPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[model]
#[derive(Debug, Clone, PartialEq)]
struct Tracked(u32);

impl Drop for Tracked {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn inserts_drop_what_they_replace_or_refuse_exactly_once() {
    let module = EcsModule::default();
    let ecs: &dyn Ecs = &module;
    let gone = ecs.spawn();
    ecs.despawn(gone).unwrap();
    DROPS.store(0, Ordering::SeqCst);
    // A stale entity: the value is dropped, the type not registered.
    assert_eq!(
        ecs.typed().insert(gone, Tracked(1)),
        Err(EcsError::NoSuchEntity(gone))
    );
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    assert!(!ecs.is_registered(Tracked::MODEL_ID.get()));

    let e = ecs.spawn();
    ecs.typed().insert(e, Tracked(2)).unwrap();
    assert_eq!(DROPS.load(Ordering::SeqCst), 1, "moved in, not dropped");
    ecs.typed().insert(e, Tracked(3)).unwrap();
    assert_eq!(DROPS.load(Ordering::SeqCst), 2, "the old value, once");
    assert_eq!(ecs.typed().get::<Tracked>(e).unwrap().0, 3);
    ecs.despawn(e).unwrap();
    assert_eq!(DROPS.load(Ordering::SeqCst), 3);
}

#[test]
fn a_missing_component_and_an_unknown_model_are_errors() {
    let (module, entities) = world_of(1);
    let ecs: &dyn Ecs = &module;
    let bare = ecs.spawn();
    assert!(matches!(
        ecs.typed().get::<Pos>(bare),
        Err(EcsError::MissingComponent { entity, component }) if entity == bare && component.ends_with("Pos")
    ));
    assert!(matches!(
        ecs.typed().get::<Name>(entities[0]),
        Err(EcsError::UnknownModel { model_id, .. }) if model_id == Name::MODEL_ID.get()
    ));
    assert!(!ecs.typed().has::<Name>(entities[0]).unwrap());
}

#[test]
fn a_read_session_locks_once_and_keeps_the_rules() {
    let (module, entities) = world_of(3);
    let ecs: &dyn Ecs = &module;
    {
        let read = ecs.typed().read();
        let total: f32 = entities
            .iter()
            .map(|&e| read.get::<Pos>(e).unwrap().x)
            .sum();
        assert_eq!(total, 3.0);
        // The session keeps the columns it read borrowed shared.
        assert!(matches!(
            read.get_mut::<Pos>(entities[0]),
            Err(EcsError::Borrowed { how: "shared", .. })
        ));
        assert!(matches!(
            ecs.typed().for_each::<&mut Pos>(|_| {}),
            Err(EcsError::Borrowed { .. })
        ));
        // A column it has not read can be borrowed mutably, once.
        let mut vel = read.get_mut::<Vel>(entities[0]).unwrap();
        assert!(matches!(
            read.get_mut::<Vel>(entities[1]),
            Err(EcsError::Borrowed { how: "mutably", .. })
        ));
        vel.y = 4.0;
        drop(vel);
        // Guards without the session, and queries, inside it.
        assert_eq!(ecs.typed().get::<Vel>(entities[0]).unwrap().y, 4.0);
        assert_eq!(ecs.typed().get::<Pos>(entities[0]).unwrap().x, 0.0);
        assert_eq!(read.for_each::<(&Vel, &Pos)>(|_| {}).unwrap(), 3);
        // No structural change on this thread meanwhile.
        assert_eq!(ecs.despawn(entities[2]), Err(EcsError::WorldBorrowed));
    }
    // Everything given back with the session.
    ecs.despawn(entities[2]).unwrap();
    ecs.typed().insert(entities[0], Frozen).unwrap();
    ecs.typed().get_mut::<Pos>(entities[0]).unwrap().x = 1.0;
    assert_eq!(ecs.typed().for_each::<&mut Pos>(|_| {}).unwrap(), 2);
}

#[test]
fn a_session_of_another_world_is_refused() {
    let (one, entities) = world_of(1);
    let two = EcsModule::default();
    let one: &dyn Ecs = &one;
    let two: &dyn Ecs = &two;
    let session = two.typed_lock();
    // SAFETY: breaks the contract on purpose (the session of another,
    // live, view), which the world detects.
    let refused = unsafe {
        one.typed_borrow(
            entities[0],
            playground_ecs::TypedKey::of::<Pos>(),
            u32::MAX,
            false,
            Some(&session),
        )
    };
    assert_eq!(refused.unwrap_err(), EcsError::ForeignSession);
    // SAFETY: `two`'s own session, with no borrow in it.
    unsafe { two.typed_unlock(session) };
    two.spawn();
    one.spawn();
}

#[test]
fn a_key_whose_layout_differs_is_a_typed_error() {
    let (module, entities) = world_of(1);
    let ecs: &dyn Ecs = &module;
    // What another compiler's build of `Pos` would present: the same model
    // and version, another size.
    let key = playground_ecs::TypedKey {
        size: 12,
        ..playground_ecs::TypedKey::of::<Pos>()
    };
    // SAFETY: no session.
    let refused = unsafe { ecs.typed_borrow(entities[0], key, u32::MAX, false, None) };
    assert!(
        matches!(
            refused,
            Err(EcsError::ModelLayout { model, world_size: 8, world_align: 4, caller_size: 12, caller_align: 4 }) if model.ends_with("Pos")
        ),
        "{refused:?}"
    );
    // Not even with the column's id as the hint.
    // SAFETY: no session; released below, on this view.
    let right = unsafe {
        ecs.typed_borrow(
            entities[0],
            playground_ecs::TypedKey::of::<Pos>(),
            u32::MAX,
            false,
            None,
        )
    }
    .unwrap();
    let hint = right.component();
    // SAFETY: taken just above from this view.
    unsafe { ecs.typed_release(right) };
    // SAFETY: no session.
    let refused = unsafe { ecs.typed_borrow(entities[0], key, hint.index(), false, None) };
    assert!(
        matches!(refused, Err(EcsError::ModelLayout { .. })),
        "{refused:?}"
    );
    // Nothing is left borrowed.
    assert!(ecs.typed().get_mut::<Pos>(entities[0]).is_ok());
}
