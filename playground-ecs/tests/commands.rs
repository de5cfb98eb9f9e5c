//! Systems that change the world: command buffers applied at the end of a
//! stage, declared access taken from query types, and undeclared access
//! refused on the first run, deterministically.

use playground_ecs::{EcsError, Entity, Schedule, ScheduleError, System, World};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
struct A(u32);
#[derive(Debug, Clone, Copy, PartialEq)]
struct B(u32);
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spawned;
#[derive(Debug, Clone, Copy, PartialEq)]
struct Score(u32);

#[test]
fn commands_apply_at_the_end_of_the_stage() {
    let mut world = World::new();
    let keep = world.spawn((A(1),));
    let doomed = world.spawn((A(2),));
    let reserved: Arc<Mutex<Option<Entity>>> = Arc::default();
    let seen_in_stage: Arc<Mutex<Vec<usize>>> = Arc::default();
    let mut schedule = Schedule::new();
    let slot = Arc::clone(&reserved);
    let seen = Arc::clone(&seen_in_stage);
    schedule
        .add(
            System::new("edit", move |world| {
                let commands = world.commands();
                let entity = commands.spawn((A(10), Spawned));
                // The id is usable in later commands of the same buffer.
                commands.insert(entity, B(20));
                for (e, a) in world.query::<(Entity, &A)>()?.iter() {
                    match a.0 {
                        1 => commands.insert(e, B(1)),
                        2 => commands.despawn(e),
                        _ => {}
                    }
                }
                commands.insert_resource(Score(7));
                *slot.lock().unwrap() = Some(entity);
                Ok(())
            })
            .access::<&A>(),
        )
        .add(
            // Same stage (no conflict): sees the world as it was.
            System::new("same_stage", move |world| {
                seen.lock()
                    .unwrap()
                    .push(world.query::<&Spawned>()?.iter().count());
                Ok(())
            })
            .reads::<Spawned>(),
        )
        .add(
            // Next stage: sees the commands applied.
            System::new("next_stage", |world| {
                let spawned = world.query::<(&A, &B, &Spawned)>()?.iter().count();
                assert_eq!(spawned, 1, "the spawned entity, with its B");
                world.resource_mut::<Score>()?.0 += 1;
                world
                    .commands()
                    .remove::<B>(world.query::<(Entity, &B)>()?.iter().next().unwrap().0);
                world.commands().remove_resource::<u64>();
                Ok(())
            })
            .reads::<A>()
            .reads::<B>()
            .reads::<Spawned>()
            .writes_resource::<Score>()
            .after("edit")
            .after("same_stage"),
        );
    assert_eq!(
        schedule.build(&mut world).unwrap(),
        [vec!["edit", "same_stage"], vec!["next_stage"]]
    );
    schedule.run(&mut world).unwrap();

    let spawned = reserved.lock().unwrap().expect("recorded");
    assert_eq!(*seen_in_stage.lock().unwrap(), [0]);
    assert!(world.contains(spawned));
    assert_eq!(*world.get::<A>(spawned).unwrap(), A(10));
    assert!(!world.contains(doomed));
    assert_eq!(world.len(), 2);
    assert_eq!(*world.resource::<Score>().unwrap(), Score(8));
    // `next_stage` removed one `B` (of `keep` or of the spawned entity).
    let with_b = [keep, spawned]
        .iter()
        .filter(|&&e| world.has::<B>(e).unwrap())
        .count();
    assert_eq!(with_b, 1);
}

#[test]
fn a_failing_command_is_reported_with_its_system() {
    let mut world = World::new();
    let gone = world.spawn((A(0),));
    world.despawn(gone).unwrap();
    let mut schedule = Schedule::new();
    schedule.add(System::new("stale", move |world| {
        world.commands().despawn(gone);
        world.commands().spawn((A(1),));
        Ok(())
    }));
    assert_eq!(
        schedule.run(&mut world),
        Err(ScheduleError::Failed {
            system: "stale".into(),
            error: Box::new(EcsError::NoSuchEntity(gone)),
        })
    );
    assert_eq!(world.len(), 1, "the later command still ran");
}

/// Two systems that both write `A`, one of them without declaring it: the
/// undeclared one shares a stage with the other, and must fail with the
/// same error on every run, never a borrow conflict that depends on timing.
#[test]
fn undeclared_access_fails_on_the_first_run_every_time() {
    for round in 0..200 {
        let mut world = World::new();
        world.spawn_batch((0..64).map(|i| (A(i), B(i))));
        let mut schedule = Schedule::new();
        schedule.set_parallel_threshold(Duration::ZERO);
        schedule
            .add(
                System::new("declared", |world| {
                    for a in world.query::<&mut A>()?.iter() {
                        a.0 += 1;
                    }
                    Ok(())
                })
                .writes::<A>(),
            )
            .add(
                System::new("sneaky", |world| {
                    for (a, b) in world.query::<(&mut A, &B)>()?.iter() {
                        a.0 += b.0;
                    }
                    Ok(())
                })
                .reads::<B>(),
            );
        let error = schedule.run(&mut world).unwrap_err();
        let ScheduleError::Failed { system, error } = &error else {
            panic!("round {round}: {error}")
        };
        assert_eq!(system, "sneaky", "round {round}");
        assert!(
            matches!(**error, EcsError::Undeclared { component, how: "writes", declare: "writes" } if component.ends_with("::A")),
            "round {round}: {error}"
        );
        assert!(error.to_string().contains(".writes::<"), "{error}");
    }
}

#[test]
fn undeclared_gets_and_resources_are_refused_too() {
    let mut world = World::new();
    let e = world.spawn((A(1), B(2)));
    world.insert_resource(Score(0));
    let mut schedule = Schedule::new();
    schedule.add(
        System::new("reader", move |world| {
            assert_eq!(*world.get::<A>(e)?, A(1));
            let get_b = world.get::<B>(e).map(|b| *b);
            assert!(
                matches!(get_b, Err(EcsError::Undeclared { component, how: "reads", .. }) if component.ends_with("::B"))
            );
            assert!(matches!(
                world.get_mut::<A>(e).map(|a| *a),
                Err(EcsError::Undeclared { how: "writes", .. })
            ));
            assert_eq!(*world.resource::<Score>()?, Score(0));
            assert!(matches!(
                world.resource_mut::<Score>().map(|s| *s),
                Err(EcsError::Undeclared {
                    declare: "writes_resource",
                    ..
                })
            ));
            // A type never seen anywhere is undeclared too, not "empty".
            assert!(matches!(
                world.query::<&Spawned>().map(drop),
                Err(EcsError::Undeclared { .. })
            ));
            Ok(())
        })
        .reads::<A>()
        .reads_resource::<Score>(),
    );
    schedule.run(&mut world).unwrap();
}

#[test]
fn access_taken_from_query_types_orders_conflicting_systems() {
    let mut world = World::new();
    let mut schedule = Schedule::new();
    let noop = |_: &playground_ecs::SystemWorld<'_>| Ok(());
    schedule
        .add(System::new("move", noop).access::<(&mut A, &B)>())
        .add(System::new("read_a", noop).access::<(&A, Option<&Spawned>)>())
        .add(System::new("read_b", noop).access::<&B>())
        .add(System::new("write_b", noop).access::<(Entity, &mut B)>());
    assert_eq!(
        schedule.build(&mut world).unwrap(),
        [vec!["move", "read_b"], vec!["read_a", "write_b"]]
    );
}

#[test]
fn a_small_stage_runs_on_the_calling_thread_and_a_large_one_is_spread() {
    let mut world = World::new();
    let threads: Arc<Mutex<Vec<std::thread::ThreadId>>> = Arc::default();
    let system = |name: &'static str, threads: &Arc<Mutex<Vec<_>>>| {
        let threads = Arc::clone(threads);
        System::new(name, move |_| {
            threads.lock().unwrap().push(std::thread::current().id());
            Ok(())
        })
    };
    let mut schedule = Schedule::new();
    schedule
        .add(system("left", &threads).writes::<A>())
        .add(system("right", &threads).writes::<B>());
    schedule.set_parallel_threshold(Duration::from_secs(1));
    // The first run is not measured yet; the second knows both systems
    // take microseconds: far below the threshold.
    schedule.run(&mut world).unwrap();
    threads.lock().unwrap().clear();
    schedule.run(&mut world).unwrap();
    let me = std::thread::current().id();
    assert_eq!(*threads.lock().unwrap(), [me, me]);

    // With no threshold the stage is always spread: both systems wait for
    // each other, which only finishes when they run at once.
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let mut schedule = Schedule::new();
    schedule.set_parallel_threshold(Duration::ZERO);
    for (name, write_a) in [("left", true), ("right", false)] {
        let barrier = Arc::clone(&barrier);
        let system = System::new(name, move |_| {
            barrier.wait();
            Ok(())
        });
        schedule.add(if write_a {
            system.writes::<A>()
        } else {
            system.writes::<B>()
        });
    }
    for _ in 0..3 {
        schedule.run(&mut world).unwrap();
    }
}

#[test]
fn a_reserved_entity_is_not_alive_until_its_stage_ends() {
    let mut world = World::new();
    // A free index to reuse, and a fresh one.
    let old = world.spawn((A(0),));
    world.despawn(old).unwrap();
    let seen: Arc<Mutex<Vec<(bool, bool)>>> = Arc::default();
    let log = Arc::clone(&seen);
    let mut schedule = Schedule::new();
    schedule.add(
        System::new("reserve", move |world| {
            for _ in 0..2 {
                let e = world.commands().spawn((A(5),));
                log.lock()
                    .unwrap()
                    .push((world.contains(e), world.get::<A>(e).is_ok()));
            }
            Ok(())
        })
        .reads::<A>(),
    );
    schedule.run(&mut world).unwrap();
    assert_eq!(*seen.lock().unwrap(), [(false, false), (false, false)]);
    assert_eq!(world.len(), 2);
    assert_eq!(world.iter().count(), 2);
    assert!(
        !world.contains(old),
        "the reused index has a new generation"
    );
    assert_eq!(world.query_mut::<&A>().filter(|a| a.0 == 5).count(), 2);
}

#[test]
fn a_failing_stage_leaves_reserved_entities_consistent() {
    let mut world = World::new();
    world.spawn((A(1),));
    let mut schedule = Schedule::new();
    schedule.add(
        System::new("reserve_then_fail", |world| {
            world.commands().spawn((A(2),));
            Err(EcsError::NoSuchEntity(Entity::from_bits(u64::MAX)))
        })
        .reads::<A>(),
    );
    assert_eq!(
        schedule.run(&mut world),
        Err(ScheduleError::Failed {
            system: "reserve_then_fail".into(),
            error: Box::new(EcsError::NoSuchEntity(Entity::from_bits(u64::MAX))),
        })
    );
    // Whatever the schedule did with the buffer, the records agree with
    // the tables, and the world goes on.
    assert_eq!(world.len() as usize, world.iter().count());
    assert_eq!(
        world.len() as usize,
        world.query_mut::<Entity>().count(),
        "every live entity is in a table"
    );
    let e = world.spawn((A(3),));
    assert_eq!(*world.get::<A>(e).unwrap(), A(3));
}
