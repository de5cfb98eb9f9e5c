//! Hot reload with real libraries built by cargo during the run.

use counter_api::Counter;
use playground_runtime::{
    BuildPart, Carried, Change, LoadError, LoadErrorKind, LoadOptions, Manifest, Part, Registry,
    RegistryError, StateError, StatePolicy,
};
use reload_tests::{Fixture, library};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Rounds of the stress tests: `default`, or fewer under valgrind (CI sets
/// `PLAYGROUND_STRESS_ROUNDS` there).
fn stress_rounds(default: usize) -> usize {
    std::env::var("PLAYGROUND_STRESS_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn loaded(fixture: Fixture) -> Registry {
    let registry = Registry::linked();
    registry.load(library(fixture)).unwrap();
    registry
}

#[test]
fn the_host_knows_the_view_before_any_module() {
    let registry = Registry::linked();
    assert!(registry.catalog().views().any(|v| v.name == "Counter"));
    assert!(matches!(
        registry.get::<dyn Counter>().map_err(|e| *e),
        Err(RegistryError::NoViewModel { .. })
    ));
}

#[test]
fn state_is_carried_across_a_reload_and_the_new_behaviour_runs() {
    let registry = loaded(Fixture::V1);
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!(counter.version(), 1);
    counter.add(5);
    counter.add(7);
    drop(counter);

    let report = registry.load(library(Fixture::V2)).unwrap();
    assert_eq!(report.bound.len(), 1);
    assert_eq!(report.bound[0].state, Carried::Restored);
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!(counter.version(), 2, "the new module answers");
    assert_eq!(counter.total(), 12, "with the old module's state");
    assert_eq!(
        counter.record(1),
        Some(counter_api::Record { id: 1, amount: 7 })
    );
    assert_eq!(counter.add(1), 13);
}

#[test]
fn an_api_change_is_refused_and_the_old_module_runs_on() {
    let registry = loaded(Fixture::V1);
    registry.get::<dyn Counter>().unwrap().add(3);
    let path = library(Fixture::ApiV2);
    let error = registry.load(&path).unwrap_err();
    let refused = &error.path;
    let LoadErrorKind::ApiVersion {
        view,
        viewmodel,
        host,
        module,
        changes,
    } = &error.kind
    else {
        panic!("expected ApiVersion, got {error}");
    };
    assert_eq!(
        (refused, view.as_str(), viewmodel.as_str()),
        (&path, "Counter", "Counting")
    );
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        *host,
        <dyn Counter as playground_runtime::View>::API_VERSION
    );
    assert_ne!(host, module);
    let message = error.to_string();
    assert!(
        message.contains(&path.display().to_string())
            && message.contains(&format!("{module:016x}")),
        "{message}"
    );

    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!((counter.version(), counter.total()), (1, 3));
}

#[test]
fn a_state_format_change_is_refused_by_default() {
    let registry = loaded(Fixture::V1);
    registry.get::<dyn Counter>().unwrap().add(4);
    let error = registry.load(library(Fixture::StateV2)).unwrap_err();
    let LoadErrorKind::Bind { source, changes } = &error.kind else {
        panic!("expected Bind, got {error}")
    };
    assert!(
        matches!(&**source, RegistryError::State { source: StateError::VersionMismatch { field, model, .. }, .. }
            if field == "tally" && model == "Tally"),
        "{source}"
    );
    // `Tally` is the module's own (the program does not link it): what
    // changed comes from the manifest of the build that saved the state.
    assert!(
        matches!(&changes[..], [
            Change::Removed { part: Part::Field, name: removed, old },
            Change::Added { part: Part::Field, name: added, new },
        ] if removed == "scratch" && old.text == "Scratch" && added == "writes" && new.text == "u64"),
        "{changes:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("removed field `scratch`")
            && message.contains("added field `writes`: `u64`"),
        "{message}"
    );
    assert_eq!(
        registry.get::<dyn Counter>().unwrap().total(),
        4,
        "old binding and state intact"
    );
}

#[test]
fn check_gives_the_verdict_load_gives_on_the_state_held_and_before_any_code_runs() {
    let registry = loaded(Fixture::V1);
    registry.get::<dyn Counter>().unwrap().add(4);
    let (changed, migrating) = (library(Fixture::StateV2), library(Fixture::StateV2Migrate));

    let checked = registry.check(&changed).unwrap_err();
    let refused = registry.load(&changed).unwrap_err();
    assert_eq!(checked.to_string(), refused.to_string(), "the same words");
    assert!(
        matches!(&refused.kind, LoadErrorKind::Bind { source, .. }
            if matches!(&**source, RegistryError::State { source: StateError::VersionMismatch { field, .. }, .. } if field == "tally")),
        "{refused}"
    );
    // Refused from its manifest: the library was never opened.
    assert!(
        !registry.loaded_libraries().iter().any(|l| l == &changed),
        "{:?}",
        registry.loaded_libraries()
    );
    assert!(
        refused.to_string().contains("added field `writes`: `u64`"),
        "{refused}"
    );

    // What the options allow, check allows.
    let fresh = LoadOptions {
        on_state_mismatch: StatePolicy::StartFresh,
    };
    registry.check_with(&changed, fresh).unwrap();

    // A build whose model migrates from the held format would load, and does.
    let manifest = registry.check(&migrating).unwrap();
    let tally = manifest.own_viewmodels().next().unwrap().state[0].clone();
    assert_eq!(
        (tally.field.as_str(), tally.model.as_str()),
        ("tally", "Tally")
    );
    // The field lists the format it migrates from: build 1's.
    let v1 = playground_runtime::Manifest::read_library(library(Fixture::V1)).unwrap();
    let held = &v1.own_viewmodels().next().unwrap().state[0];
    assert!(tally.reads.contains(&held.state_version), "{tally:?}");
    assert!(!held.reads.contains(&tally.state_version));
    registry.load(&migrating).unwrap();
    assert_eq!(registry.get::<dyn Counter>().unwrap().total(), 4);
}

#[test]
fn a_state_format_change_starts_fresh_when_opted_in() {
    let registry = loaded(Fixture::V1);
    registry.get::<dyn Counter>().unwrap().add(4);
    let options = LoadOptions {
        on_state_mismatch: StatePolicy::StartFresh,
    };
    let report = registry
        .load_with(library(Fixture::StateV2), options)
        .unwrap();
    assert_eq!(report.bound[0].state, Carried::StartedFresh);
    assert_eq!(registry.get::<dyn Counter>().unwrap().total(), 0);
}

#[test]
fn a_state_format_change_is_migrated_when_the_model_knows_the_old_format() {
    let registry = loaded(Fixture::V1);
    registry.get::<dyn Counter>().unwrap().add(4);
    registry.get::<dyn Counter>().unwrap().add(6);
    let report = registry.load(library(Fixture::StateV2Migrate)).unwrap();
    assert_eq!(report.bound[0].state, Carried::Restored);
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!((counter.total(), counter.records()), (10, 2));
    assert!(counter.consistent());
}

#[test]
fn a_panicking_restore_rolls_back_with_state_intact() {
    let registry = loaded(Fixture::V1);
    registry.get::<dyn Counter>().unwrap().add(9);
    let error = registry.load(library(Fixture::StateV2Panic)).unwrap_err();
    let LoadErrorKind::Bind { source, .. } = &error.kind else {
        panic!("expected Bind, got {error}")
    };
    assert!(
        matches!(&**source, RegistryError::ConstructorPanicked { message, .. } if message == "migration bug"),
        "{source}"
    );
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!((counter.version(), counter.total()), (1, 9));
    assert_eq!(counter.add(1), 10, "the old module still takes writes");
}

#[test]
fn a_panic_while_the_old_state_is_encoded_rolls_back_without_aborting() {
    use twin_api::Right;
    // Build 1 keeps `Right`'s state in a `Shared`; build 2 in a plain
    // field, which cannot adopt that storage: restoring it asks build 1's
    // code to encode it, and that encoding panics. The panic is raised in
    // build 1's image and would abort the program if it reached build 2's
    // `catch_unwind`; it is caught in build 1's and the load fails.
    let registry = loaded(Fixture::TwinFragile);
    let error = registry
        .load(library(Fixture::TwinFragilePlainV2))
        .unwrap_err();
    let LoadErrorKind::Bind { source, .. } = &error.kind else {
        panic!("expected Bind, got {error}")
    };
    assert!(
        matches!(&**source, RegistryError::State {
            source: StateError::Encode { model, message }, ..
        } if model == "Fragile" && message.contains("Fragile cannot be encoded")),
        "{source}"
    );
    assert_eq!(
        registry.get::<dyn Right>().unwrap().build(),
        1,
        "rolled back"
    );
}

#[test]
fn a_library_without_the_export_is_refused() {
    let registry = Registry::linked();
    let path = library(Fixture::Plain);
    let error = registry.load(&path).unwrap_err();
    assert!(
        matches!(
            &error.kind,
            LoadErrorKind::MissingSymbol {
                symbol: "playground_module_v1",
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error.to_string().starts_with(&path.display().to_string()),
        "{error}"
    );
}

#[test]
fn a_file_that_is_not_a_library_is_refused() {
    let path = reload_tests::fixture_target()
        .join("out")
        .join("not-a-library.so");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "this is text, not ELF\n").unwrap();
    let error = Registry::linked().load(&path).unwrap_err();
    assert!(
        matches!(&error.kind, LoadErrorKind::Open { .. }) && error.path == path,
        "{error}"
    );

    let missing = path.with_file_name("does-not-exist.so");
    let error = Registry::linked().load(&missing).unwrap_err();
    assert!(matches!(&error.kind, LoadErrorKind::Io { .. }), "{error}");
}

#[test]
fn a_truncated_library_is_refused() {
    let whole = std::fs::read(library(Fixture::V1)).unwrap();
    let path = reload_tests::fixture_target()
        .join("out")
        .join("truncated.so");
    std::fs::write(&path, &whole[..whole.len() / 2]).unwrap();
    let registry = loaded(Fixture::V1);
    registry.get::<dyn Counter>().unwrap().add(2);
    let error = registry.load(&path).unwrap_err();
    assert!(matches!(&error.kind, LoadErrorKind::Open { .. }), "{error}");
    assert_eq!(registry.get::<dyn Counter>().unwrap().total(), 2);
}

#[test]
fn a_library_from_another_build_of_the_runtime_is_refused() {
    // One line of code differs, in a file every module links.
    let path = library(Fixture::ForeignRuntime);
    let error = Registry::linked().load(&path).unwrap_err();
    let LoadErrorKind::Fingerprint {
        what, host, module, ..
    } = &error.kind
    else {
        panic!("expected Fingerprint, got {error}");
    };
    assert_eq!(*what, BuildPart::RuntimeBuild);
    assert_ne!(host, module);
    assert!(
        error.to_string().contains(host.as_str()) && error.to_string().contains(module.as_str())
    );
}

#[test]
fn a_library_built_against_other_docs_comments_and_tools_of_the_runtime_passes_the_build_check() {
    // The copy's doc comments, comments, watcher and build helper differ
    // from this program's runtime; its code that modules run does not.
    let path = library(Fixture::RetoldRuntime);
    let library = Manifest::read_library(&path).unwrap();
    let program = Manifest::linked();
    assert_eq!(
        library.build.runtime_sources, program.build.runtime_sources,
        "the same runtime build"
    );
    // So the load gets past every build check, to the first check of what
    // the module holds: its view (declared in its own crate) is not this
    // program's.
    let error = Registry::linked().load(&path).unwrap_err();
    assert!(
        matches!(error.kind, LoadErrorKind::UnknownView { .. }),
        "{error}"
    );
}

#[test]
fn writers_lose_no_write_across_reloads() {
    let registry = loaded(Fixture::V1);
    let done = AtomicBool::new(false);
    let writes = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    registry.get::<dyn Counter>().unwrap().add(1);
                    writes.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        let (v1, v2) = (library(Fixture::V1), library(Fixture::V2));
        for round in 0..stress_rounds(50) {
            registry
                .load(if round % 2 == 0 { &v2 } else { &v1 })
                .unwrap();
        }
        done.store(true, Ordering::Relaxed);
    });
    let counter = registry.get::<dyn Counter>().unwrap();
    let writes = writes.load(Ordering::Relaxed);
    assert!(writes > 0);
    assert_eq!(counter.total(), writes, "every write landed");
    assert_eq!(counter.records() as u64, writes);
}

#[test]
fn readers_see_no_failure_and_no_torn_state_through_1000_reloads() {
    let registry = loaded(Fixture::V1);
    registry.get::<dyn Counter>().unwrap().fill(1000);
    let done = AtomicBool::new(false);
    let checks = AtomicU64::new(0);
    let unloaded = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for reader in 0..8 {
            let (registry, done, checks) = (&registry, &done, &checks);
            scope.spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    let counter = registry.get::<dyn Counter>().expect("always bound");
                    assert!(matches!(counter.version(), 1 | 2));
                    assert!(counter.consistent(), "torn state seen by reader {reader}");
                    if reader == 0 {
                        counter.add(1);
                    }
                    checks.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        // A reader that keeps a `ViewCache`, as a hot call site would.
        scope.spawn(|| {
            let mut counter = registry.view_cache::<dyn Counter>().unwrap();
            while !done.load(Ordering::Relaxed) {
                let counter = counter.get().expect("always bound");
                assert!(matches!(counter.version(), 1 | 2));
                assert!(counter.consistent(), "torn state seen through a ViewCache");
                checks.fetch_add(1, Ordering::Relaxed);
            }
        });
        let (v1, v2) = (library(Fixture::V1), library(Fixture::V2));
        let rounds = stress_rounds(1000);
        // Unmapping while the readers run, about 20 times whatever the
        // number of rounds (every round under a memory checker's 20).
        let every = (rounds / 20).max(1);
        for round in 0..rounds {
            registry
                .load(if round % 2 == 0 { &v2 } else { &v1 })
                .unwrap();
            if round % every == every - 1 {
                // SAFETY: the counter's methods return plain data; nothing
                // from a replaced library outlives its bindings.
                unloaded.fetch_add(unsafe { registry.unload_retired() }, Ordering::Relaxed);
            }
        }
        done.store(true, Ordering::Relaxed);
    });
    assert!(
        unloaded.load(Ordering::Relaxed) > 0,
        "libraries were unmapped while the readers ran"
    );
    assert!(checks.load(Ordering::Relaxed) > 0);
    assert!(registry.get::<dyn Counter>().unwrap().consistent());
}

#[test]
fn a_library_is_not_unloaded_while_a_handle_from_it_is_alive() {
    let registry = Registry::linked();
    let v1 = library(Fixture::V1);
    registry.load(&v1).unwrap();
    let handle = registry.get_owned::<dyn Counter>().unwrap();
    handle.add(1);

    registry.load(library(Fixture::V2)).unwrap();
    // Refresh this thread's lookup cache: it pins the bindings it last saw.
    assert_eq!(registry.get::<dyn Counter>().unwrap().version(), 2);

    // SAFETY: no value from the libraries escapes but the counted handle.
    assert_eq!(
        unsafe { registry.unload_retired() },
        0,
        "v1 is held by the handle"
    );
    assert_eq!(
        registry.loaded_libraries(),
        [v1.clone(), library(Fixture::V2)]
    );
    assert_eq!(handle.version(), 1, "the handle still runs v1's code");
    assert_eq!(handle.add(1), 2);

    drop(handle);
    // SAFETY: as above; now nothing holds v1.
    assert_eq!(unsafe { registry.unload_retired() }, 1);
    assert_eq!(registry.loaded_libraries(), [library(Fixture::V2)]);
    assert_eq!(registry.get::<dyn Counter>().unwrap().total(), 2);
}

#[test]
fn a_view_cache_follows_every_reload_and_lets_the_old_library_go() {
    let registry = Registry::linked();
    registry.load(library(Fixture::V1)).unwrap();
    let mut counter = registry.view_cache::<dyn Counter>().unwrap();
    assert_eq!(counter.get().unwrap().version(), 1);
    counter.get().unwrap().add(4);

    registry.load(library(Fixture::V2)).unwrap();
    // The first call after the load returned runs the new code, with the
    // state carried.
    assert_eq!(counter.get().unwrap().version(), 2);
    assert_eq!(counter.get().unwrap().total(), 4);
    // Refreshing let go of v1's binding (and so did this thread's lookup
    // cache, which the refresh went through): nothing holds v1.
    // SAFETY: the counter's methods return plain data.
    assert_eq!(unsafe { registry.unload_retired() }, 1);
    assert_eq!(registry.loaded_libraries(), [library(Fixture::V2)]);
    assert_eq!(counter.get().unwrap().add(1), 5);

    // Back to v1: followed again.
    registry.load(library(Fixture::V1)).unwrap();
    assert_eq!(counter.get().unwrap().version(), 1);
    assert_eq!(counter.get().unwrap().total(), 5);
}

#[test]
fn the_watcher_reloads_a_rebuilt_library_and_reports_refusals() {
    use playground_runtime::{WatchEvent, Watcher};
    use std::sync::Arc;
    use std::time::Duration;

    let dir = reload_tests::fixture_target().join("watched");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("libcounter.so");
    std::fs::copy(library(Fixture::V1), &path).unwrap();

    let registry = Arc::new(Registry::linked());
    registry.load(&path).unwrap();
    registry.get::<dyn Counter>().unwrap().add(21);
    let watcher = Watcher::library(Arc::clone(&registry), &path, Default::default()).unwrap();

    // A rebuild: a new file replaces the old one, as cargo does, then the
    // build records its hash (the watcher waits for it).
    let replace = |fixture| {
        let staged = dir.join("staged.so");
        std::fs::copy(library(fixture), &staged).unwrap();
        std::fs::rename(&staged, &path).unwrap();
        playground_runtime::write_sha256(&path).unwrap();
    };
    let next = || loop {
        match watcher
            .events()
            .recv_timeout(Duration::from_secs(20))
            .expect("an event")
        {
            WatchEvent::Building { .. } => continue,
            event => return event,
        }
    };

    replace(Fixture::V2);
    assert!(matches!(next(), WatchEvent::Loaded { .. }));
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!((counter.version(), counter.total()), (2, 21));
    drop(counter);

    replace(Fixture::ApiV2);
    assert!(matches!(
        next(),
        WatchEvent::Refused(LoadError {
            kind: LoadErrorKind::ApiVersion { .. },
            ..
        })
    ));
    assert_eq!(
        registry.get::<dyn Counter>().unwrap().version(),
        2,
        "version 2 runs on"
    );
}

#[test]
fn a_panic_in_a_module_method_reaches_the_caller_as_an_ordinary_panic() {
    let registry = loaded(Fixture::V1);
    let counter = registry.get::<dyn Counter>().unwrap();
    counter.add(3);
    let caught =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| counter.explode("kaboom")));
    let payload = caught.expect_err("the method panicked");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("kaboom")
    );
    assert_eq!(counter.add(1), 4, "the module keeps working");
    assert!(counter.consistent());
}

#[test]
fn a_module_binds_only_its_own_crates_viewmodels() {
    use counter_api::Clock;
    let registry = Registry::linked();
    let clock = || registry.get::<dyn Clock>().unwrap().tick();
    assert_eq!((clock(), clock()), (1, 2), "the host's own SharedClock");

    // The module's image carries counter-api's SharedClock too; with
    // `export_module!` it is left alone.
    let report = registry.load(library(Fixture::V1)).unwrap();
    assert_eq!(report.crate_name.as_deref(), Some("counter_module"));
    assert_eq!(
        report
            .bound
            .iter()
            .map(|b| b.view.as_str())
            .collect::<Vec<_>>(),
        ["Counter"]
    );
    assert_eq!(clock(), 3);

    // With `export_module!(all)`, every viewmodel of the library is bound (the clock's
    // state carried over into the library's copy).
    let report = registry.load(library(Fixture::Unnamed)).unwrap();
    assert_eq!(report.crate_name, None);
    let mut views: Vec<&str> = report.bound.iter().map(|b| b.view.as_str()).collect();
    views.sort();
    assert_eq!(views, ["Clock", "Counter"]);
    assert_eq!(clock(), 4);
}

#[test]
fn readers_never_see_one_view_of_a_load_or_rollback_swapped_and_the_other_not() {
    use twin_api::{Left, Right};
    let registry = loaded(Fixture::Twin);
    let v2 = library(Fixture::TwinV2);
    // Odd while a swap runs: `2 * round + 1` during round `round`, which
    // loads build 2 in even rounds and rolls back to build 1 in odd ones.
    let loading = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let during = AtomicU64::new(0);
    let straddled = AtomicU64::new(0);
    let readers = 3;
    let start = std::sync::Barrier::new(readers + 1);
    let rounds = stress_rounds(200) as u64;
    std::thread::scope(|scope| {
        for reader in 0..readers {
            let (registry, loading, done, during, straddled, start) =
                (&registry, &loading, &done, &during, &straddled, &start);
            scope.spawn(move || {
                let left = || registry.get::<dyn Left>().expect("always bound").build();
                let right = || registry.get::<dyn Right>().expect("always bound").build();
                start.wait();
                let mut left_first = reader % 2 == 0;
                while !done.load(Ordering::SeqCst) {
                    let before = loading.load(Ordering::SeqCst);
                    let (first, second) = if left_first {
                        let first = left();
                        (first, right())
                    } else {
                        let first = right();
                        (first, left())
                    };
                    let after = loading.load(Ordering::SeqCst);
                    left_first = !left_first;
                    if before != after || before % 2 == 0 {
                        continue;
                    }
                    // Both reads ran inside one load or rollback, which
                    // swaps once: from the other build to `new`.
                    during.fetch_add(1, Ordering::Relaxed);
                    let new = if (before / 2) % 2 == 0 { 2 } else { 1 };
                    assert!(
                        !(first == new && second != new),
                        "a reader saw build {first} of one view, then build {second} of \
                         the other, in the swap of both to {new}"
                    );
                    if first != new && second == new {
                        straddled.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        start.wait();
        for round in 0..rounds {
            loading.store(2 * round + 1, Ordering::SeqCst);
            let bound = if round % 2 == 0 {
                registry.load(&v2).unwrap().bound.len()
            } else {
                registry.rollback::<dyn Left>().unwrap().bound.len()
            };
            loading.store(2 * round + 2, Ordering::SeqCst);
            assert_eq!(bound, 2, "one load or rollback swaps both views");
        }
        done.store(true, Ordering::SeqCst);
    });
    let (during, straddled) = (during.into_inner(), straddled.into_inner());
    eprintln!(
        "{during} reads of both views inside a load or rollback, {straddled} across its swap"
    );
    assert!(during > 0, "the readers overlapped the swaps");
    let builds = (
        registry.get::<dyn Left>().unwrap().build(),
        registry.get::<dyn Right>().unwrap().build(),
    );
    let last = if rounds % 2 == 1 { 2 } else { 1 };
    assert_eq!(builds, (last, last));
}

#[test]
fn handles_held_across_a_state_migrating_reload_work_on() {
    let registry = loaded(Fixture::V1);
    let mut cached = registry.view_cache::<dyn Counter>().unwrap();
    let owned = registry.get_owned::<dyn Counter>().unwrap();
    cached.get().unwrap().add(2);
    owned.add(3);

    let report = registry.load(library(Fixture::StateV2Migrate)).unwrap();
    assert_eq!(report.bound[0].state, Carried::Restored);
    // The cache serves the new build from its next call, with the
    // migrated state.
    let counter = cached.get().unwrap();
    assert_eq!((counter.total(), counter.records()), (5, 2));
    assert_eq!(counter.add(1), 6);
    assert!(counter.consistent());
    assert_eq!(registry.get::<dyn Counter>().unwrap().total(), 6);
    // The owned handle keeps the old build and the state it had: another
    // format than the migrated one, which it never reads.
    assert_eq!((owned.total(), owned.records()), (5, 2));
    assert!(owned.consistent());
}
