//! Systems: ordering, cycles, parallel stages, failures.

use playground_ecs::{EcsError, Schedule, ScheduleError, System, World};
use std::sync::{Arc, Mutex};

struct A(u32);
struct B(u32);
struct C;

fn log_system(name: &'static str, log: &Arc<Mutex<Vec<&'static str>>>) -> System {
    let log = Arc::clone(log);
    System::new(name, move |_| {
        log.lock().unwrap().push(name);
        Ok(())
    })
}

#[test]
fn explicit_order_is_followed_and_disjoint_systems_share_a_stage() {
    let mut world = World::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut schedule = Schedule::new();
    schedule
        .add(
            log_system("render", &log)
                .reads::<A>()
                .reads::<B>()
                .after("physics"),
        )
        .add(log_system("physics", &log).writes::<A>().after("input"))
        .add(log_system("input", &log).writes::<B>().before("physics"))
        .add(log_system("audio", &log).writes::<C>());
    let stages = schedule.build(&mut world).unwrap();
    assert_eq!(
        stages,
        [vec!["input", "audio"], vec!["physics"], vec!["render"]]
    );
    schedule.run(&mut world).unwrap();
    let log = log.lock().unwrap();
    let position = |name| log.iter().position(|n| *n == name).unwrap();
    assert!(position("input") < position("physics") && position("physics") < position("render"));
}

#[test]
fn conflicting_systems_without_constraints_run_in_registration_order() {
    let mut world = World::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut schedule = Schedule::new();
    schedule
        .add(log_system("first", &log).writes::<A>())
        .add(log_system("second", &log).reads::<A>());
    assert_eq!(
        schedule.build(&mut world).unwrap(),
        [vec!["first"], vec!["second"]]
    );
}

#[test]
fn a_cycle_is_an_error_that_names_it() {
    let mut world = World::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut schedule = Schedule::new();
    schedule
        .add(log_system("a", &log).before("b"))
        .add(log_system("b", &log).before("c"))
        .add(log_system("c", &log).before("a"))
        .add(log_system("d", &log).after("c"));
    let error = schedule.build(&mut world).unwrap_err();
    let ScheduleError::Cycle(cycle) = &error else {
        panic!("{error}")
    };
    assert_eq!(cycle.first(), cycle.last());
    let mut members = cycle[..3].to_vec();
    members.sort();
    assert_eq!(members, ["a", "b", "c"]);
    assert!(error.to_string().contains(" -> "), "{error}");
    assert!(matches!(
        schedule.run(&mut world),
        Err(ScheduleError::Cycle(_))
    ));
}

#[test]
fn unknown_and_duplicate_names_are_errors() {
    let mut world = World::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut schedule = Schedule::new();
    schedule.add(log_system("a", &log).after("nobody"));
    assert_eq!(
        schedule.build(&mut world),
        Err(ScheduleError::UnknownSystem {
            system: "a".into(),
            missing: "nobody".into()
        })
    );
    let mut schedule = Schedule::new();
    schedule
        .add(log_system("a", &log))
        .add(log_system("a", &log));
    assert_eq!(
        schedule.build(&mut world),
        Err(ScheduleError::DuplicateName("a".into()))
    );
}

#[test]
fn systems_in_one_stage_run_in_parallel() {
    use std::sync::Barrier;
    let mut world = World::new();
    // Both systems wait for each other: only a parallel run finishes.
    let barrier = Arc::new(Barrier::new(2));
    let mut schedule = Schedule::new();
    for (name, write) in [("left", 0), ("right", 1)] {
        let barrier = Arc::clone(&barrier);
        let system = System::new(name, move |_| {
            barrier.wait();
            Ok(())
        });
        schedule.add(if write == 0 {
            system.writes::<A>()
        } else {
            system.writes::<B>()
        });
    }
    assert_eq!(schedule.build(&mut world).unwrap(), [vec!["left", "right"]]);
    schedule.run(&mut world).unwrap();
}

#[test]
fn systems_update_the_world_and_a_failure_or_panic_leaves_it_usable() {
    let mut world = World::new();
    let e = world.spawn((A(1), B(10)));
    let mut schedule = Schedule::new();
    schedule
        .add(
            System::new("add", |world| {
                for (a, b) in world.query::<(&mut A, &B)>()?.iter() {
                    a.0 += b.0;
                }
                Ok(())
            })
            .writes::<A>()
            .reads::<B>(),
        )
        .add(System::new("boom", |_| panic!("system bug")).writes::<C>());
    let error = schedule.run(&mut world).unwrap_err();
    assert_eq!(
        error,
        ScheduleError::Panicked {
            system: "boom".into(),
            message: "system bug".into()
        }
    );
    assert_eq!(
        world.get::<A>(e).as_deref().map(|a| a.0),
        Ok(11),
        "the other system of the stage ran"
    );
    assert!(world.query::<&mut A>().is_ok(), "no borrow leaked");

    // Two queries of one system that conflict with each other: a borrow
    // error, every time (nothing else runs in its stage).
    let mut schedule = Schedule::new();
    schedule.add(
        System::new("greedy", |world| {
            let _writer = world.query::<&mut A>()?;
            let _reader = world.query::<&A>()?;
            Ok(())
        })
        .writes::<A>(),
    );
    let error = schedule.run(&mut world).unwrap_err();
    assert!(
        matches!(&error, ScheduleError::Failed { error, .. } if matches!(**error, EcsError::Borrowed { component, .. } if component.ends_with("::A"))),
        "{error}"
    );
}

#[test]
fn the_first_run_and_one_in_32_after_it_are_timed() {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;
    let mut world = World::new();
    let run = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&run);
    let mut schedule = Schedule::new();
    // Sleeps 20 ms on its first run only.
    schedule.add(System::new("slow_once", move |_| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }));
    assert_eq!(schedule.last_run(), None);
    schedule.run(&mut world).unwrap();
    let first = schedule.last_run().expect("the first run is timed");
    assert!(first >= Duration::from_millis(20), "{first:?}");
    for _ in 1..32 {
        schedule.run(&mut world).unwrap();
        assert_eq!(
            schedule.last_run(),
            Some(first),
            "runs 2 to 32 are not timed"
        );
    }
    schedule.run(&mut world).unwrap();
    let timed = schedule.last_run().unwrap();
    assert!(
        timed < Duration::from_millis(20),
        "the 33rd run is timed: {timed:?}"
    );
    assert_eq!(run.load(Ordering::SeqCst), 33);
    assert_eq!(schedule.run_count("slow_once"), Some(33));
}
