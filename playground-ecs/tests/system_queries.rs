//! A system's queries stay prepared between runs: they find tables
//! created since their last run, start over in another world, are checked
//! against the declaration again when it changes, and may be held two at a
//! time. Run counts and the enabled flag follow a system's name.

use playground_ecs::{EcsError, Schedule, ScheduleError, System, World};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq)]
struct A(u32);
#[derive(Debug, Clone, Copy, PartialEq)]
struct B(u32);
#[derive(Debug, Clone, Copy, PartialEq)]
struct C(u32);

/// A system that sums every `A` it sees into `seen`.
fn sum_a(seen: &Arc<AtomicU32>) -> System {
    let seen = Arc::clone(seen);
    System::new("sum", move |world| {
        let total = world.query::<&A>()?.iter().map(|a| a.0).sum::<u32>();
        seen.store(total, Ordering::SeqCst);
        Ok(())
    })
    .reads::<A>()
}

#[test]
fn a_system_query_finds_tables_made_after_its_first_run() {
    let mut world = World::new();
    world.spawn((A(1),));
    let seen = Arc::new(AtomicU32::new(0));
    let mut schedule = Schedule::new();
    schedule.add(sum_a(&seen));
    schedule.run(&mut world).unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 1);

    // Two tables the query has never seen, and one more row in the old one.
    world.spawn((A(10), B(0)));
    world.spawn((A(100), B(0), C(0)));
    world.spawn((A(1000),));
    schedule.run(&mut world).unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 1111);

    // A table emptied and a component type first used after the query was
    // prepared.
    let gone = world.spawn((C(7),));
    world.despawn(gone).unwrap();
    #[derive(Debug)]
    struct Late;
    world.spawn((A(10_000), Late));
    schedule.run(&mut world).unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 11_111);
}

#[test]
fn a_schedule_run_in_another_world_reads_that_world() {
    let seen = Arc::new(AtomicU32::new(0));
    let mut schedule = Schedule::new();
    schedule.add(sum_a(&seen));
    let mut first = World::new();
    first.spawn((A(1), B(1)));
    first.spawn((A(2),));
    schedule.run(&mut first).unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 3);

    let mut second = World::new();
    // Registered in another order, so the component ids differ too.
    second.spawn((C(0), B(0)));
    second.spawn((A(40),));
    schedule.run(&mut second).unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 40);

    schedule.run(&mut first).unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

#[test]
fn an_undeclared_query_is_refused_on_every_run_not_only_the_first() {
    let mut world = World::new();
    world.spawn((A(1), B(2)));
    let mut schedule = Schedule::new();
    schedule.add(
        System::new("sneaky", |world| {
            world.query::<(&A, &mut B)>()?.iter().for_each(|_| {});
            Ok(())
        })
        .reads::<A>()
        .reads::<B>(),
    );
    for _ in 0..3 {
        match schedule.run(&mut world) {
            Err(ScheduleError::Failed { system, error }) => {
                assert_eq!(system, "sneaky");
                assert!(
                    matches!(*error, EcsError::Undeclared { how: "writes", .. }),
                    "{error:?}"
                );
            }
            other => panic!("expected the undeclared write refused, got {other:?}"),
        }
    }
}

#[test]
fn a_system_re_added_with_less_access_is_checked_again() {
    let mut world = World::new();
    world.spawn((A(1),));
    let bump = |declare_write: bool| {
        let system = System::new("bump", |world| {
            world.query::<&mut A>()?.iter().for_each(|a| a.0 += 1);
            Ok(())
        });
        if declare_write {
            system.writes::<A>()
        } else {
            system.reads::<A>()
        }
    };
    let mut schedule = Schedule::new();
    schedule.add(bump(true));
    schedule.run(&mut world).unwrap();
    schedule.run(&mut world).unwrap();
    assert!(schedule.remove("bump"));
    schedule.add(bump(false));
    assert!(matches!(
        schedule.run(&mut world),
        Err(ScheduleError::Failed { .. })
    ));
    assert_eq!(world.query_mut::<&A>().next(), Some(&A(3)));
    // The run count goes on across the removal; the failed run counts.
    assert_eq!(schedule.run_count("bump"), Some(3));
}

#[test]
fn two_queries_of_a_system_may_be_held_at_once() {
    let mut world = World::new();
    for i in 0..4 {
        world.spawn((A(i), B(10 * i)));
    }
    world.spawn((A(100), C(0)));
    let pairs: Arc<Mutex<Vec<(u32, u32)>>> = Arc::default();
    let out = Arc::clone(&pairs);
    let mut schedule = Schedule::new();
    schedule.add(
        System::new("pairs", move |world| {
            let mut outer = world.query::<&A>()?;
            let mut inner = world.query::<(&A, &B)>()?;
            let mut again = world.query::<&A>()?;
            let mut found = Vec::new();
            for a in outer.iter() {
                for (a2, b) in inner.iter() {
                    if a.0 == a2.0 {
                        found.push((a.0, b.0));
                    }
                }
            }
            assert_eq!(again.iter().count(), 5);
            *out.lock().unwrap() = found;
            Ok(())
        })
        .reads::<A>()
        .reads::<B>(),
    );
    for _ in 0..2 {
        schedule.run(&mut world).unwrap();
        assert_eq!(
            *pairs.lock().unwrap(),
            vec![(0, 0), (1, 10), (2, 20), (3, 30)]
        );
        // A new table, emptied again before the next run.
        let gone = world.spawn((A(7), B(70), C(0)));
        world.despawn(gone).unwrap();
    }
}

#[test]
fn a_disabled_system_stays_disabled_when_added_again_under_its_name() {
    let mut world = World::new();
    world.spawn((A(0),));
    let seen = Arc::new(AtomicU32::new(0));
    let mut schedule = Schedule::new();
    schedule.add(sum_a(&seen));
    schedule.run(&mut world).unwrap();
    assert!(schedule.set_enabled("sum", false));
    assert!(schedule.remove("sum"));
    assert_eq!(schedule.is_enabled("sum"), None);
    assert_eq!(schedule.run_count("sum"), None);
    schedule.add(sum_a(&seen));
    assert_eq!(schedule.is_enabled("sum"), Some(false));
    world.spawn((A(5),));
    schedule.run(&mut world).unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 0, "a disabled system ran");
    assert_eq!(schedule.run_count("sum"), Some(1));
    assert!(schedule.set_enabled("sum", true));
    schedule.run(&mut world).unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 5);
    assert_eq!(schedule.run_count("sum"), Some(2));
}
