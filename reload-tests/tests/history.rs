//! Load history and rollback, with real libraries built by cargo during the
//! run: what is recorded, what a rollback brings back, and what it refuses.

use counter_api::{Clock, Counter, Record};
use playground_runtime::{
    Action, Carried, HISTORY_CAPACITY, LoadErrorKind, LoadOptions, Outcome, ROLLBACK_DEPTH,
    Registry, RegistryError, RollbackError, StateError, StatePolicy, View,
};
use reload_tests::{Fixture, library, workspace};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::SystemTime;

const LOAD_PHASES: [&str; 8] = [
    "read", "hash", "verify", "copy", "open", "save", "restore", "swap",
];
const ROLLBACK_PHASES: [&str; 3] = ["save", "restore", "swap"];

fn sha256_of(path: &Path) -> String {
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn names(phases: &[(&'static str, std::time::Duration)]) -> Vec<&'static str> {
    phases.iter().map(|(name, _)| *name).collect()
}

#[test]
fn rollback_runs_the_previous_build_with_the_state_changed_since() {
    let (v1, v2) = (library(Fixture::V1), library(Fixture::V2));
    let before = SystemTime::now();
    let registry = Registry::linked();
    let first = registry.load(&v1).unwrap();
    let counter = || registry.get::<dyn Counter>().unwrap();
    counter().add(5);

    let second = registry.load(&v2).unwrap();
    assert_eq!(second.bound[0].state, Carried::Restored);
    assert_eq!(names(&second.phases), LOAD_PHASES);
    assert_eq!((counter().version(), counter().total()), (2, 5));
    counter().add(7);

    let report = registry.rollback::<dyn Counter>().unwrap();
    assert_eq!(report.undid, second.id);
    assert_eq!(report.path.as_deref(), Some(v1.as_path()));
    assert_eq!(report.bound.len(), 1);
    assert_eq!(report.bound[0].view, "Counter");
    assert_eq!(report.bound[0].state, Carried::Restored);
    assert!(report.kept.is_empty());
    assert_eq!(names(&report.phases), ROLLBACK_PHASES);
    assert_eq!(counter().version(), 1, "the first build answers again");
    assert_eq!(counter().total(), 12, "with the change made under v2");
    assert_eq!(counter().record(1), Some(Record { id: 1, amount: 7 }));
    assert!(counter().consistent());
    assert_eq!(counter().add(1), 13, "and takes writes");

    // v1 was the view's first binding: nothing before it.
    let error = registry.rollback::<dyn Counter>().unwrap_err();
    assert!(
        matches!(&error, RollbackError::NoPredecessor { view } if view == "Counter"),
        "{error}"
    );
    assert_eq!((counter().version(), counter().total()), (1, 13));

    let history = registry.history();
    let after = SystemTime::now();
    assert_eq!(history.len(), 4, "{history:#?}");
    let [load1, load2, rollback, refused] = &history[..] else {
        unreachable!()
    };
    assert_eq!((load1.id, load2.id), (first.id, second.id));
    for (record, path) in [(load1, &v1), (load2, &v2)] {
        assert_eq!(record.action, Action::Load);
        assert_eq!(record.outcome, Outcome::Loaded);
        assert_eq!(record.path.as_deref(), Some(path.as_path()));
        assert_eq!(record.sha256.as_deref(), Some(sha256_of(path).as_str()));
        assert_eq!(record.crate_name.as_deref(), Some("counter_module"));
        assert_eq!(names(&record.phases), LOAD_PHASES);
        assert!(
            record
                .phases
                .iter()
                .map(|(_, d)| *d)
                .sum::<std::time::Duration>()
                <= record.elapsed
        );
        assert!(before <= record.time && record.time <= after);
        assert_eq!(record.views.len(), 1);
        assert_eq!(record.views[0].view, "Counter");
        assert_eq!(record.views[0].viewmodel, "Counting");
        assert_eq!(
            record.views[0].api_version,
            <dyn Counter as View>::API_VERSION
        );
        assert!(record.models.iter().any(|m| m.name == "Tally"));
    }
    assert_eq!(first.sha256, sha256_of(&v1));
    assert_ne!(load1.sha256, load2.sha256);
    assert_eq!(load1.views[0].state, Some(Carried::New));
    assert!(load1.views[0].saved_state.is_empty());
    assert_eq!(load2.views[0].state, Some(Carried::Restored));
    let tally = load2.views[0]
        .saved_state
        .iter()
        .find(|s| s.field == "tally")
        .expect("the carried state lists its fields");
    let tally_version = load1.models.iter().find(|m| m.name == "Tally").unwrap();
    assert_eq!(
        (tally.model.as_str(), tally.state_version),
        ("Tally", tally_version.state_version)
    );

    assert_eq!(rollback.action, Action::Rollback { undid: second.id });
    assert_eq!(rollback.outcome, Outcome::RolledBack);
    assert_eq!(rollback.path.as_deref(), Some(v1.as_path()));
    assert_eq!(rollback.sha256, load1.sha256);
    assert_eq!(names(&rollback.phases), ROLLBACK_PHASES);
    assert_eq!(rollback.views[0].state, Some(Carried::Restored));
    assert!(rollback.id > load2.id);

    assert_eq!(refused.action, Action::Rollback { undid: 0 });
    assert_eq!(refused.outcome, Outcome::Refused(error.to_string()));
    assert!(refused.phases.is_empty());
}

#[test]
fn a_refused_load_is_recorded_and_changes_nothing() {
    let registry = Registry::linked();
    registry.load(library(Fixture::V1)).unwrap();
    registry.get::<dyn Counter>().unwrap().add(4);
    let path = library(Fixture::ApiV2);
    let error = registry.load(&path).unwrap_err();
    assert!(
        matches!(error.kind, LoadErrorKind::ApiVersion { .. }),
        "{error}"
    );

    let history = registry.history();
    assert_eq!(history.len(), 2);
    let refused = &history[1];
    assert_eq!(refused.action, Action::Load);
    assert_eq!(refused.outcome, Outcome::Refused(error.to_string()));
    assert_eq!(refused.path.as_deref(), Some(path.as_path()));
    assert_eq!(refused.sha256.as_deref(), Some(sha256_of(&path).as_str()));
    assert_eq!(
        names(&refused.phases),
        ["read", "hash", "verify"],
        "refused from its file, before a copy or dlopen"
    );
    // What it would have bound, from its manifest: another API version.
    assert_eq!(refused.views.len(), 1);
    assert_eq!(refused.views[0].view, "Counter");
    assert_eq!(refused.views[0].state, None);
    assert_ne!(
        refused.views[0].api_version,
        <dyn Counter as View>::API_VERSION
    );

    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!((counter.version(), counter.total()), (1, 4));
    drop(counter);
    // The refused load is no build to roll back from, nor to.
    assert!(matches!(
        registry.rollback::<dyn Counter>(),
        Err(RollbackError::NoPredecessor { .. })
    ));
    assert_eq!(registry.get::<dyn Counter>().unwrap().total(), 4);

    // A file that cannot be read is recorded too, without a hash.
    let missing = reload_tests::fixture_target()
        .join("out")
        .join("no-such-library.so");
    registry.load(&missing).unwrap_err();
    let last = registry.history().pop().unwrap();
    assert_eq!(last.sha256, None);
    assert!(matches!(last.outcome, Outcome::Refused(_)));
    assert_eq!(names(&last.phases), ["read"]);
}

#[test]
fn a_rollback_to_another_state_format_is_refused_with_nothing_changed() {
    let registry = Registry::linked();
    registry.load(library(Fixture::V1)).unwrap();
    let counter = || registry.get::<dyn Counter>().unwrap();
    counter().add(4);
    counter().add(6);
    // Migrated forward: the new format knows the old one...
    let report = registry.load(library(Fixture::StateV2Migrate)).unwrap();
    assert_eq!(report.bound[0].state, Carried::Restored);
    counter().add(1);
    let libraries = registry.loaded_libraries();

    // ...but the old format does not know the new one.
    let error = registry.rollback::<dyn Counter>().unwrap_err();
    let RollbackError::Bind {
        view,
        viewmodel,
        source,
    } = &error
    else {
        panic!("expected Bind, got {error}");
    };
    assert_eq!((view.as_str(), viewmodel.as_str()), ("Counter", "Counting"));
    assert!(
        matches!(&**source, RegistryError::State { source: StateError::VersionMismatch { field, model, .. }, .. }
            if field == "tally" && model == "Tally"),
        "{source}"
    );
    assert_eq!(counter().total(), 11, "the new build runs on, state intact");
    assert_eq!(counter().records(), 3);
    assert_eq!(counter().add(2), 13);
    assert_eq!(registry.loaded_libraries(), libraries, "no dlopen");
    let last = registry.history().pop().unwrap();
    assert_eq!(last.action, Action::Rollback { undid: report.id });
    assert_eq!(last.outcome, Outcome::Refused(error.to_string()));
    assert_eq!(names(&last.phases), ["save", "restore"]);

    // The refusal left the lineage as it was: starting fresh, when asked
    // for, rolls back to v1 with empty state.
    let fresh = LoadOptions {
        on_state_mismatch: StatePolicy::StartFresh,
    };
    let report = registry.rollback_with::<dyn Counter>(fresh).unwrap();
    assert_eq!(report.bound[0].state, Carried::StartedFresh);
    assert_eq!((counter().total(), counter().records()), (0, 0));
}

#[test]
fn rolling_back_twice_goes_two_builds_back() {
    let (v1, v2) = (library(Fixture::V1), library(Fixture::V2));
    let registry = Registry::linked();
    let counter = || registry.get::<dyn Counter>().unwrap();
    registry.load(&v1).unwrap();
    counter().add(1);
    registry.load(&v2).unwrap();
    counter().add(2);
    let third = registry.load(&v1).unwrap();
    counter().add(3);
    assert_eq!((counter().version(), counter().total()), (1, 6));

    let back = registry.rollback::<dyn Counter>().unwrap();
    assert_eq!(back.undid, third.id);
    assert_eq!((counter().version(), counter().total()), (2, 6));
    counter().add(4);
    registry.rollback::<dyn Counter>().unwrap();
    assert_eq!((counter().version(), counter().total()), (1, 10));
    assert!(counter().consistent());
    assert!(matches!(
        registry.rollback::<dyn Counter>(),
        Err(RollbackError::NoPredecessor { .. })
    ));
    assert_eq!((counter().version(), counter().total()), (1, 10));
}

#[test]
fn the_history_keeps_its_last_attempts_and_a_view_its_last_builds() {
    let (v1, v2) = (library(Fixture::V1), library(Fixture::V2));
    let registry = Registry::linked();
    let loads = HISTORY_CAPACITY + 6;
    let mut ids = Vec::new();
    for round in 0..loads {
        let path = if round % 2 == 0 { &v1 } else { &v2 };
        ids.push(registry.load(path).unwrap().id);
        registry.get::<dyn Counter>().unwrap().add(1);
    }
    // The oldest attempts are dropped: the last HISTORY_CAPACITY are kept,
    // in order.
    let history = registry.history();
    assert_eq!(history.len(), HISTORY_CAPACITY);
    let kept: Vec<u64> = history.iter().map(|r| r.id).collect();
    assert_eq!(kept, ids[loads - HISTORY_CAPACITY..]);

    // The view keeps ROLLBACK_DEPTH earlier builds: that many rollbacks,
    // each to the build before, then no more.
    let version = || registry.get::<dyn Counter>().unwrap().version();
    for step in 0..ROLLBACK_DEPTH {
        let report = registry.rollback::<dyn Counter>().unwrap();
        assert_eq!(report.undid, ids[loads - 1 - step]);
        let expected = if (loads - 2 - step).is_multiple_of(2) {
            1
        } else {
            2
        };
        assert_eq!(version(), expected, "rollback {step} went one build back");
    }
    assert!(matches!(
        registry.rollback::<dyn Counter>(),
        Err(RollbackError::NoPredecessor { .. })
    ));
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!(counter.total(), loads as u64, "every add is still there");
    assert!(counter.consistent());
}

#[test]
fn a_module_rolls_back_to_viewmodels_linked_into_the_program() {
    let registry = Registry::linked();
    let tick = || registry.get::<dyn Clock>().unwrap().tick();
    assert_eq!(tick(), 1, "the program's own SharedClock");
    // The nothing-before case: the linked clock is the view's first binding.
    assert!(matches!(
        registry.rollback::<dyn Clock>(),
        Err(RollbackError::NoPredecessor { .. })
    ));

    registry.load(library(Fixture::V1)).unwrap();
    registry.get::<dyn Counter>().unwrap().add(3);
    // Without `export_module!`: binds the library's copy of the clock too.
    let unnamed = registry.load(library(Fixture::Unnamed)).unwrap();
    assert_eq!(unnamed.bound.len(), 2);
    assert_eq!(tick(), 2);
    registry.get::<dyn Counter>().unwrap().add(4);

    let report = registry.rollback::<dyn Clock>().unwrap();
    assert_eq!(report.undid, unnamed.id);
    assert_eq!(report.path, None, "the clock goes back to the linked one");
    let mut views: Vec<(&str, Carried)> = report
        .bound
        .iter()
        .map(|b| (b.view.as_str(), b.state))
        .collect();
    views.sort_by_key(|(view, _)| *view);
    assert_eq!(
        views,
        [("Clock", Carried::Restored), ("Counter", Carried::Restored)],
        "every view the load bound goes back, in one swap"
    );
    assert_eq!(tick(), 3, "the clock's state came back");
    assert_eq!(registry.get::<dyn Counter>().unwrap().total(), 7);
    assert_eq!(registry.history().last().unwrap().path, None);

    // One step back further for the clock: nothing before the linked one.
    assert!(matches!(
        registry.rollback::<dyn Clock>(),
        Err(RollbackError::NoPredecessor { .. })
    ));
    // A view the rolled-back load bound first stays bound.
    let registry = Registry::linked();
    let first = registry.load(library(Fixture::Unnamed)).unwrap();
    let report = registry.rollback::<dyn Clock>().unwrap();
    assert_eq!(report.undid, first.id);
    assert_eq!(report.kept, ["Counter"]);
    assert_eq!(registry.get::<dyn Counter>().unwrap().version(), 1);
}

#[test]
fn unloading_retired_libraries_forgets_the_builds_to_roll_back_to() {
    let (v1, v2) = (library(Fixture::V1), library(Fixture::V2));
    let registry = Registry::linked();
    registry.load(&v1).unwrap();
    registry.get::<dyn Counter>().unwrap().add(2);
    registry.load(&v2).unwrap();
    // Refresh this thread's lookup cache: it pins the bindings it last saw.
    assert_eq!(registry.get::<dyn Counter>().unwrap().version(), 2);
    assert_eq!(registry.loaded_libraries(), [v1, v2.clone()]);

    // SAFETY: no value from the libraries escapes this test's calls.
    assert_eq!(unsafe { registry.unload_retired() }, 1);
    assert_eq!(registry.loaded_libraries(), [v2]);
    assert!(matches!(
        registry.rollback::<dyn Counter>(),
        Err(RollbackError::NoPredecessor { .. })
    ));
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!((counter.version(), counter.total()), (2, 2));
}

#[test]
fn a_rollback_migrates_the_state_when_the_earlier_build_knows_the_current_format() {
    let (first_path, second_path) = (library(Fixture::StateV2Migrate), library(Fixture::V1));
    let registry = Registry::linked();
    let counter = || registry.get::<dyn Counter>().unwrap();
    // The first build keeps its state in the second format, which migrates
    // from the first.
    registry.load(&first_path).unwrap();
    counter().add(1);
    // A build of the first format cannot read the second: it starts fresh
    // (opted in).
    let fresh = LoadOptions {
        on_state_mismatch: StatePolicy::StartFresh,
    };
    let second = registry.load_with(&second_path, fresh).unwrap();
    assert_eq!(second.bound[0].state, Carried::StartedFresh);
    counter().add(5);
    counter().add(6);
    assert_eq!((counter().total(), counter().records()), (11, 2));

    // Back to the first build, under the default policy (refuse rather
    // than start fresh): its model migrates the state of the first format.
    let report = registry.rollback::<dyn Counter>().unwrap();
    assert_eq!(report.undid, second.id);
    assert_eq!(report.path.as_deref(), Some(first_path.as_path()));
    assert_eq!(report.bound[0].state, Carried::Restored);
    assert_eq!((counter().total(), counter().records()), (11, 2));
    assert_eq!(counter().record(1), Some(Record { id: 1, amount: 6 }));
    assert!(counter().consistent());
    assert_eq!(counter().add(2), 13, "and takes writes");

    // What was carried: the second build's format, not the first's.
    // The formats of `Tally` a record lists, sorted: the first build lists
    // two (the old one kept to migrate from, under the same name), in an
    // order its manifest does not fix.
    let history = registry.history();
    let tally_of = |record: &playground_runtime::LoadRecord| {
        let mut versions: Vec<_> = record
            .models
            .iter()
            .filter(|m| m.name == "Tally")
            .map(|m| m.state_version)
            .collect();
        versions.sort_by_key(|v| v.get());
        versions
    };
    let (first_record, second_record, rollback) = (&history[0], &history[1], &history[2]);
    let [second_format] = tally_of(second_record)[..] else {
        panic!("one format in the second build: {second_record:?}");
    };
    let first_formats = tally_of(first_record);
    assert_eq!(first_formats.len(), 2, "{first_record:?}");
    assert!(
        first_formats.contains(&second_format),
        "it migrates from it"
    );
    assert_eq!(rollback.action, Action::Rollback { undid: second.id });
    assert_eq!(rollback.outcome, Outcome::RolledBack);
    let carried = rollback.views[0]
        .saved_state
        .iter()
        .find(|s| s.field == "tally")
        .expect("the carried state lists its fields");
    assert_eq!(carried.state_version, second_format);
    assert_eq!(tally_of(rollback), first_formats);
}

#[test]
fn a_rollback_after_refused_pool_migrations_finds_the_pool_as_it_was() {
    use pool_api::Ledger;
    let registry = Registry::linked();
    let ledger = || registry.get::<dyn Ledger>().unwrap();
    registry.load(library(Fixture::Pool)).unwrap();
    for amount in [1, 2, 3] {
        ledger().deposit(amount);
    }
    assert_eq!(ledger().withdraw_first(), Some(1));
    let second = registry.load(library(Fixture::PoolV2)).unwrap();
    ledger().deposit(10);

    // Refused from the pool's format (no migration)...
    let error = registry.load(library(Fixture::PoolModelV2)).unwrap_err();
    assert!(format!("{error:?}").contains("Pool<Entry>"), "{error}");
    // ...and after the migration ran, by a later part of the load.
    let error = registry
        .load(library(Fixture::PoolModelV2MigratePanic))
        .unwrap_err();
    assert!(
        matches!(&error.kind, LoadErrorKind::Bind { source, .. }
            if matches!(&**source, RegistryError::ConstructorPanicked { .. })),
        "{error}"
    );
    assert_eq!(
        (ledger().build(), ledger().count(), ledger().sum()),
        (2, 3, 15)
    );

    // The rollback undoes the last load that bound, not a refused one, and
    // the build before it finds the pool as it was: same values, same
    // slots (the oldest value first), same format.
    let report = registry.rollback::<dyn Ledger>().unwrap();
    assert_eq!(report.undid, second.id);
    assert_eq!(report.bound[0].state, Carried::Restored);
    assert_eq!(
        (ledger().build(), ledger().count(), ledger().sum()),
        (1, 3, 15)
    );
    assert_eq!(
        ledger().withdraw_first(),
        Some(10),
        "the freed slot was reused"
    );
    assert_eq!(ledger().withdraw_first(), Some(2));
    assert_eq!((ledger().count(), ledger().sum()), (1, 3));
}

#[test]
fn a_library_store_keeps_the_builds_that_loaded_and_starts_from_the_last() {
    let dir = workspace().join("target/build-tests/library-store");
    let _ = std::fs::remove_dir_all(&dir);
    let registry = Registry::linked();
    registry.keep_libraries(&dir, 2);
    let stored_files = || {
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".so"))
            .collect();
        names.sort();
        names
    };
    let last_good = || std::fs::read_to_string(dir.join("last-good")).unwrap();

    let v1 = registry.load(library(Fixture::V1)).unwrap();
    let stored = v1.stored.clone().expect("a copy kept");
    assert_eq!(stored, dir.join(format!("{}.so", v1.sha256)));
    assert_eq!(
        std::fs::read(&stored).unwrap(),
        std::fs::read(&v1.path).unwrap()
    );
    assert!(
        std::fs::read_to_string(dir.join(format!("{}.so.sha256", v1.sha256)))
            .unwrap()
            .starts_with(&v1.sha256)
    );
    assert_eq!(
        registry.history().last().unwrap().stored,
        Some(stored.clone())
    );
    assert!(last_good().starts_with(&format!("{}.so\n", v1.sha256)));

    // A refused load keeps nothing and leaves the last good one.
    registry.get::<dyn Counter>().unwrap().add(3);
    registry.load(library(Fixture::StateV2)).unwrap_err();
    assert_eq!(registry.history().last().unwrap().stored, None);
    assert!(last_good().starts_with(&format!("{}.so\n", v1.sha256)));

    // Three builds loaded, two kept: the one loaded longest ago goes (v1
    // again counts as loaded last then).
    let v2 = registry.load(library(Fixture::V2)).unwrap();
    registry.load(library(Fixture::V1)).unwrap();
    let third = registry.load(library(Fixture::StateV2Migrate)).unwrap();
    assert_eq!(
        stored_files(),
        {
            let mut kept = vec![format!("{}.so", v1.sha256), format!("{}.so", third.sha256)];
            kept.sort();
            kept
        },
        "v2 ({}) was loaded longest ago",
        v2.sha256
    );

    // A program that starts again starts from the last build that loaded,
    // from the store's copy, whatever the file it came from holds now.
    let restarted = Registry::linked();
    let report = restarted.load_last_good(&dir).unwrap();
    assert_eq!(report.sha256, third.sha256);
    assert_eq!(report.path, dir.join(format!("{}.so", third.sha256)));
    assert!(restarted.get::<dyn Counter>().unwrap().consistent());

    // No store there: a typed error naming the note it looked for.
    let empty = workspace().join("target/build-tests/library-store-empty");
    let _ = std::fs::remove_dir_all(&empty);
    let error = Registry::linked().load_last_good(&empty).unwrap_err();
    assert_eq!(error.path, empty.join("last-good"));
    assert!(matches!(error.kind, LoadErrorKind::Io { .. }), "{error}");
}
