//! The ECS module itself rebuilt and reloaded while its world runs:
//! playground-ecs's `EcsModule` built as a module library from an edited
//! copy of playground-ecs's sources, loaded over the host's own.

use ecs_api::Position;
use playground_ecs::{Ecs, Entity, ModelValue, System};
use playground_runtime::{Carried, LoadErrorKind, Model, Registry, model};
use reload_tests::{Fixture, library};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// An event and a resource.
#[model]
#[derive(Debug, Clone, Copy, PartialEq)]
struct Hit(u64);

/// What the host set up through the view, to find again after a reload.
struct Running {
    entities: Vec<Entity>,
    /// How many times the host's system ran.
    runs: Arc<AtomicU64>,
    /// The sum of the hits its event handler saw.
    hits: Arc<AtomicU64>,
}

/// 100 entities with a `Position` (inserted typed), a system, an event
/// subscription, a resource, a name and three ticks: everything a world
/// holds.
fn populate(ecs: &dyn Ecs) -> Running {
    let entities = ecs.spawn_many(100);
    for (i, &e) in entities.iter().enumerate() {
        ecs.typed()
            .insert(
                e,
                Position {
                    x: i as f32,
                    y: 1.0,
                },
            )
            .unwrap();
    }
    let runs = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&runs);
    ecs.add_system(System::new("count", move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }));
    let hits = Arc::new(AtomicU64::new(0));
    let sum = Arc::clone(&hits);
    ecs.subscribe_post(
        Hit::MODEL_ID.get(),
        Box::new(move |value| {
            sum.fetch_add(value.to::<Hit>().unwrap().0, Ordering::SeqCst);
        }),
    );
    ecs.insert_resource(ModelValue::of(&Hit(42)).unwrap());
    ecs.set_name("arena".into());
    ecs.step(3, 0.5).unwrap();
    ecs.publish(ModelValue::of(&Hit(1)).unwrap());
    Running {
        entities,
        runs,
        hits,
    }
}

/// Everything [`populate`] set up, as it left it (plus `ticks` more).
fn assert_intact(ecs: &dyn Ecs, running: &Running, ticks: u64) {
    assert_eq!(ecs.entity_count(), 100);
    let typed = ecs.typed();
    for (i, &e) in running.entities.iter().enumerate() {
        assert_eq!(
            *typed.get::<Position>(e).unwrap(),
            Position {
                x: i as f32,
                y: 1.0
            }
        );
    }
    assert_eq!(ecs.system_names(), ["count"]);
    assert_eq!(ecs.frame(), 3 + ticks);
    assert_eq!(running.runs.load(Ordering::SeqCst), 3 + ticks);
    assert_eq!(
        ecs.resource(Hit::MODEL_ID.get())
            .unwrap()
            .to::<Hit>()
            .unwrap(),
        Hit(42)
    );
    assert_eq!(ecs.name(), "arena");
    assert_eq!(ecs.subscriber_count(Hit::MODEL_ID.get(), false), 1);
}

/// Where `entity`'s `Position` is (the guard given back before returning).
fn address_of(ecs: &dyn Ecs, entity: Entity) -> *const Position {
    let position = ecs.typed().get::<Position>(entity).unwrap();
    std::ptr::from_ref(&*position)
}

#[test]
fn a_rebuilt_ecs_takes_over_the_running_world_in_place() {
    let registry = Registry::linked();
    let host = registry.get_owned::<dyn Ecs>().unwrap();
    let running = populate(&*host);
    let address = address_of(&*host, running.entities[7]);
    let before = host.describe();
    assert!(!before.contains("[rebuilt ECS]"), "{before}");

    let report = registry.load(library(Fixture::EcsLibraryEdited)).unwrap();
    let rebound: Vec<_> = report
        .bound
        .iter()
        .map(|b| (b.view.as_str(), b.viewmodel.as_str(), b.state))
        .collect();
    assert!(
        rebound.contains(&("Ecs", "EcsModule", Carried::Restored)),
        "{rebound:?}"
    );

    // The new build's code answers...
    let ecs = registry.get::<dyn Ecs>().unwrap();
    let after = ecs.describe();
    assert_eq!(after, format!("{before} [rebuilt ECS]"));
    // ... on the very same world: nothing was copied.
    assert_intact(&*ecs, &running, 0);
    assert_eq!(
        address_of(&*ecs, running.entities[7]),
        address,
        "adopted in place, not decoded"
    );

    // Its schedule runs the host's system, its events reach the host's
    // handler, its typed access writes the host's values.
    ecs.tick(0.5).unwrap();
    assert_eq!(running.runs.load(Ordering::SeqCst), 4);
    ecs.publish(ModelValue::of(&Hit(10)).unwrap());
    assert_eq!(running.hits.load(Ordering::SeqCst), 11);
    *ecs.typed()
        .get_mut::<Position>(running.entities[0])
        .unwrap() = Position { x: -1.0, y: -1.0 };

    // The old build's viewmodel, still held, sees the same world.
    assert_eq!(
        *host.typed().get::<Position>(running.entities[0]).unwrap(),
        Position { x: -1.0, y: -1.0 }
    );
    assert_eq!(host.frame(), 4);
    let e = host.spawn();
    assert!(
        ecs.contains(e),
        "a spawn through the old build lands in the one world"
    );
}

#[test]
fn an_ecs_with_changed_declarations_is_refused_and_the_world_runs_on() {
    let registry = Registry::linked();
    let running = populate(&*registry.get::<dyn Ecs>().unwrap());

    let path = library(Fixture::EcsLibraryRetyped);
    let error = registry.load(&path).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error.kind, LoadErrorKind::ApiVersion { host, module, .. } if host != module),
        "refused as another ECS: {message}"
    );
    assert!(
        message.contains(&*path.to_string_lossy()) && message.contains("Ecs"),
        "names the file and the view: {message}"
    );

    let ecs = registry.get::<dyn Ecs>().unwrap();
    assert!(
        !ecs.describe().contains("[rebuilt ECS]"),
        "the host's ECS is still bound"
    );
    assert_intact(&*ecs, &running, 0);
    ecs.tick(0.5).unwrap();
    assert_intact(&*ecs, &running, 1);
}

#[test]
fn a_writer_waiting_in_the_old_builds_code_wakes_when_the_new_build_unlocks() {
    let registry = Registry::linked();
    let old = registry.get_owned::<dyn Ecs>().unwrap();
    let running = populate(&*old);
    registry.load(library(Fixture::EcsLibraryEdited)).unwrap();
    let new = registry.get_owned::<dyn Ecs>().unwrap();
    assert!(new.describe().contains("[rebuilt ECS]"));

    // A read lock taken by the new build's code (a typed guard)...
    let guard = new.typed().get::<Position>(running.entities[0]).unwrap();
    // ... a writer in the old build's code, which has to wait for it...
    let (done, finished) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        let entity = old.spawn();
        done.send(entity).unwrap();
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        finished.try_recv().is_err(),
        "the writer waits for the reader"
    );
    // ... and the new build's code lets go: the old build's waiter wakes
    // (both builds' code waits and wakes on the one lock of the world).
    drop(guard);
    let entity = finished
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the waiting writer woke up");
    writer.join().unwrap();
    assert!(new.contains(entity));
    assert_eq!(new.entity_count(), 101);
}

#[test]
fn writers_racing_an_ecs_reload_lose_nothing() {
    let path = library(Fixture::EcsLibraryEdited);
    let registry = Arc::new(Registry::linked());
    let stop = Arc::new(AtomicBool::new(false));
    // Spawns finished so far, by both writers: one counted between a
    // load's start and its end landed while the load ran.
    let written = Arc::new(AtomicU64::new(0));
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let registry = Arc::clone(&registry);
            let stop = Arc::clone(&stop);
            let written = Arc::clone(&written);
            std::thread::spawn(move || {
                let mut spawned = Vec::new();
                while !stop.load(Ordering::SeqCst) || spawned.len() < 100 {
                    // A fresh lookup each time: before, during and after
                    // the swap, whichever build is bound.
                    let ecs = registry.get::<dyn Ecs>().unwrap();
                    let e = ecs.spawn();
                    ecs.typed()
                        .insert(
                            e,
                            Position {
                                x: spawned.len() as f32,
                                y: 0.0,
                            },
                        )
                        .unwrap();
                    spawned.push(e);
                    let _ = written.fetch_add(1, Ordering::SeqCst);
                }
                spawned
            })
        })
        .collect();
    // The writers are running before the first load starts...
    while written.load(Ordering::SeqCst) < 10 {
        std::thread::yield_now();
    }
    // ...and a load that no write overlapped (the writers not scheduled
    // while it ran, on a busy machine) proves nothing: the same library
    // is loaded again, a swap of its own, until one did.
    let mut overlapped = false;
    for _ in 0..10 {
        let before = written.load(Ordering::SeqCst);
        registry.load(&path).unwrap();
        if written.load(Ordering::SeqCst) > before {
            overlapped = true;
            break;
        }
    }
    stop.store(true, Ordering::SeqCst);
    let spawned: Vec<Vec<Entity>> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    assert!(overlapped, "writes landed while a load ran");

    let ecs = registry.get::<dyn Ecs>().unwrap();
    assert!(ecs.describe().contains("[rebuilt ECS]"));
    let total: usize = spawned.iter().map(Vec::len).sum();
    assert_eq!(
        ecs.entity_count(),
        total as u64,
        "every spawn, before or after the swap"
    );
    for entities in &spawned {
        for (i, &e) in entities.iter().enumerate() {
            assert_eq!(ecs.typed().get::<Position>(e).unwrap().x, i as f32);
        }
    }
}

#[test]
fn a_typed_borrow_held_across_an_ecs_reload_still_guards_the_world() {
    let registry = Registry::linked();
    let host = registry.get_owned::<dyn Ecs>().unwrap();
    let running = populate(&*host);
    // Held on this thread, taken by the host's build, across the swap.
    let held = host.typed().get::<Position>(running.entities[3]).unwrap();
    registry.load(library(Fixture::EcsLibraryEdited)).unwrap();

    // The new build sees this thread's borrow (the count is the world's,
    // not the build's): a structural change is refused, not a deadlock on
    // the read lock the guard keeps.
    let ecs = registry.get::<dyn Ecs>().unwrap();
    assert!(ecs.describe().contains("[rebuilt ECS]"));
    assert!(matches!(
        ecs.spawn_with(Vec::new()),
        Err(playground_ecs::EcsError::WorldBorrowed)
    ));
    assert!(
        ecs.typed()
            .get_mut::<Position>(running.entities[3])
            .is_err(),
        "a shared borrow of the old build's is still a borrow"
    );
    assert_eq!(held.x, 3.0);
    drop(held);
    let e = ecs.spawn_with(Vec::new()).unwrap();
    assert!(host.contains(e));
}
