//! Thin links (`Build::thin_links`) on real crates: a rebuild linked
//! against a support library of the module's dependencies, loaded, run,
//! swapped; and refused, with nothing changed, when that library is gone.
//! (Apart from the build tests, which wait on the watcher's timers: these
//! also run under valgrind in CI.)

use counter_api::Counter;
use playground_runtime::{Build, Registry};
use reload_tests::{FIXTURE_VERSION, comment, fixture_target, module_copy, needed, set_version};
use std::path::PathBuf;

/// A copy of the counter module (see [`module_copy`]) and its build, with
/// rustc's linker (wild and mold need not be installed).
fn thin_build(dir: &str, package: &str) -> (PathBuf, Build) {
    let manifest = module_copy(dir, package);
    let build = Build::new(&manifest)
        .target_dir(fixture_target().join("watched"))
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .fast_rebuilds(true)
        .link_with(playground_runtime::Linker::Rustc);
    (manifest, build)
}

/// The direct rebuilds' incremental state of `krate` (a directory per
/// crate in their incremental directory, apart from cargo's).
fn sessions(krate: &str) -> Vec<PathBuf> {
    let incremental = fixture_target().join("watched/debug/incremental-cdylib");
    std::fs::read_dir(incremental)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| {
                    name.strip_prefix(krate)
                        .is_some_and(|rest| rest.starts_with('-'))
                })
        })
        .collect()
}

/// The warm-up of the direct rebuilds (the module's command run once in
/// the background, once the support library is made) writes what a cargo
/// build of the crate writes: it waits while cargo holds its lock on the
/// target directory (another build, of another `Build` or by hand), so
/// that neither takes the other's library for its own.
#[test]
fn the_warm_up_waits_for_a_cargo_build_of_the_same_target_directory() {
    let (_manifest, build) = thin_build("thin_lock", "counter-module-thin-lock");
    for dir in sessions("counter_module_thin_lock") {
        std::fs::remove_dir_all(dir).unwrap();
    }
    let first = build.run().unwrap();
    // What a cargo build of this directory holds while it runs.
    let lock = reload_tests::hold_cargo_lock(&first.library);
    let waiting = {
        let build = build.clone();
        std::thread::spawn(move || build.support_library())
    };
    // The support library is made (it needs no lock), then the warm-up
    // waits: a second later it has not started.
    let support_dir = first
        .library
        .with_file_name(".playground-support")
        .join("counter_module_thin_lock");
    let made = std::time::Instant::now();
    while !std::fs::read_dir(&support_dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|key| key.path().join("cc").is_file())
    {
        assert!(made.elapsed().as_secs() < 300, "no support library made");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert!(sessions("counter_module_thin_lock").is_empty());
    assert!(!waiting.is_finished());
    drop(lock);
    assert!(waiting.join().unwrap().is_some());
    assert_eq!(sessions("counter_module_thin_lock").len(), 1);
}

/// The warm-up (and every rebuild by rustc alone) writes its library apart
/// from cargo's: a later cargo build that finds the crate fresh (another
/// `Build` of it, or `cargo build` by hand) hands out cargo's own library,
/// linked in full, never the warm-up's thin one, which would stop loading
/// once its support library is replaced.
#[test]
fn a_fresh_cargo_build_after_the_warm_up_hands_out_its_own_library() {
    let (manifest, build) = thin_build("thin_fresh", "counter-module-thin-fresh");
    let first = build.run().unwrap();
    assert!(!first.direct);
    build.support_library().expect("a support library is made");
    // The warm-up ran (its session is there); a new `Build` of the same
    // crate goes through cargo, which has nothing to compile.
    assert_eq!(sessions("counter_module_thin_fresh").len(), 1);
    let again = Build::new(&manifest)
        .target_dir(fixture_target().join("watched"))
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .run()
        .unwrap();
    assert!(!again.direct);
    assert!(
        !needed(&again.library)
            .iter()
            .any(|n| n.starts_with("libplayground_support_")),
        "cargo's library, linked in full: {:?}",
        needed(&again.library)
    );
    let registry = Registry::linked();
    registry.load(&again.library).unwrap();
    assert_eq!(registry.get::<dyn Counter>().unwrap().version(), 1);
}

/// A rebuild by rustc alone links the module's own code against a support
/// library of its dependencies (made in the background after the first
/// build): a library a fraction of the size, which passes every check,
/// carries the state, contains its panics and the host's, and swaps again.
#[test]
fn a_thin_rebuild_links_against_the_support_library_and_runs_as_a_full_one() {
    let (manifest, build) = thin_build("thin", "counter-module-thin");
    // The direct rebuilds' incremental state of this crate, from earlier
    // runs: gone, so that what the first build leaves there is seen.
    let own_sessions = || sessions("counter_module_thin");
    for dir in own_sessions() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    let first = build.run().unwrap();
    assert!(!first.direct);
    assert!(
        !needed(&first.library)
            .iter()
            .any(|n| n.starts_with("libplayground_support_")),
        "cargo's build links in full"
    );
    let full_size = std::fs::metadata(&first.library).unwrap().len();
    let written = reload_tests::modified(&first.library);
    let support = build.support_library().expect("a support library is made");
    // With the support library, the direct command was run once (warmed
    // up) so that the first rebuild finds an incremental session; the
    // library cargo left, which was loaded, is untouched.
    assert_eq!(own_sessions().len(), 1, "{:?}", own_sessions());
    assert_eq!(reload_tests::modified(&first.library), written);
    let support_name = support.file_name().unwrap().to_str().unwrap().to_owned();
    let registry = Registry::linked();
    registry.load(&first.library).unwrap();
    registry.get::<dyn Counter>().unwrap().add(5);

    let source = manifest.with_file_name("src/lib.rs");
    set_version(&source, FIXTURE_VERSION, "3");
    let thin = build.run().unwrap();
    assert!(thin.direct, "rebuilt by rustc alone");
    assert!(
        needed(&thin.library).contains(&support_name),
        "linked against {support_name}: {:?}",
        needed(&thin.library)
    );
    let thin_size = std::fs::metadata(&thin.library).unwrap().len();
    assert!(
        thin_size * 4 < full_size,
        "{thin_size} bytes thin against {full_size} in full"
    );
    let report = registry.load(&thin.library).unwrap();
    let phases: Vec<&str> = report.phases.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        phases[..4],
        ["read", "hash", "support", "verify"],
        "the first load needing the support library reads it"
    );
    // Its manifest holds its own records and its dependencies' (the view
    // is declared in counter-api, which is in the support library).
    let manifest_read = playground_runtime::Manifest::read_library(&thin.library).unwrap();
    assert!(
        manifest_read.views.iter().any(|v| v.name == "Counter"),
        "{:?}",
        manifest_read.views
    );
    let mut counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!(counter.version(), 3);
    assert_eq!(counter.total(), 5, "the state carried over");
    assert_eq!(counter.add(2), 7);

    // A panic in the module's code, and one in the host's callback run
    // from inside it, reach the caller as panics.
    let panicked =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| counter.explode("thin")));
    let payload = panicked.unwrap_err();
    assert!(
        playground_runtime::panic_message(&*payload).contains("thin"),
        "{}",
        playground_runtime::panic_message(&*payload)
    );
    counter.fill(2);
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        counter.each_record(&mut |_| panic!("the host's callback"))
    }));
    assert!(panicked.is_err());
    let total = counter.total();
    assert_eq!(counter.add(1), total + 1, "still serving after both");

    // The support library was loaded from the bytes checked, not from
    // its file.
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    assert!(
        !maps.contains(support.to_str().unwrap()),
        "mapped from its file"
    );

    // Thin again, and the thin library is replaced by the next one, which
    // links against the support library already loaded: its file is not
    // read again (here, it is gone).
    set_version(&source, "3", "4");
    let again = build.run().unwrap();
    assert!(needed(&again.library).contains(&support_name));
    let aside = support.with_extension("aside");
    std::fs::rename(&support, &aside).unwrap();
    let loaded = registry.load(&again.library);
    std::fs::rename(&aside, &support).unwrap();
    let phases: Vec<&str> = loaded
        .unwrap()
        .phases
        .iter()
        .map(|(name, _)| *name)
        .collect();
    assert!(!phases.contains(&"support"), "{phases:?}");
    counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!((counter.version(), counter.total()), (4, total + 1));

    // Linked by GNU ld (a linker other than rustc's lld, as wild and mold
    // are), thin too, reading its own registrations.
    set_version(&source, "4", "5");
    let bfd = build.clone().linker("/usr/bin/ld.bfd").run().unwrap();
    assert!(bfd.direct);
    assert!(needed(&bfd.library).contains(&support_name));
    assert!(
        !comment(&bfd.library).contains("LLD"),
        "{}",
        comment(&bfd.library)
    );
    registry.load(&bfd.library).unwrap();
    counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!((counter.version(), counter.total()), (5, total + 1));
    drop(counter);

    // The thin libraries replaced are never unmapped (a thread-local
    // destructor their code registered would be counted against the
    // support library): only the first, linked in full, is.
    // SAFETY: nothing the replaced libraries made is held here.
    let unmapped = unsafe { registry.unload_retired() };
    assert_eq!(unmapped, 1, "the library linked in full only");
    assert_eq!(registry.get::<dyn Counter>().unwrap().version(), 5);
}

/// A thin module whose support library was removed (a `cargo clean`
/// while the host runs) is refused, naming the library, before any of
/// its code runs; what the program had bound stays.
#[test]
fn a_thin_module_whose_support_library_is_gone_is_refused_and_nothing_changes() {
    let (manifest, build) = thin_build("thin_gone", "counter-module-thin-gone");
    let first = build.run().unwrap();
    let support = build.support_library().expect("a support library is made");
    let registry = Registry::linked();
    registry.load(&first.library).unwrap();
    registry.get::<dyn Counter>().unwrap().add(3);

    let source = manifest.with_file_name("src/lib.rs");
    set_version(&source, FIXTURE_VERSION, "3");
    let thin = build.run().unwrap();
    assert!(thin.direct);
    let aside = support.with_extension("aside");
    std::fs::rename(&support, &aside).unwrap();
    let refused = registry.load(&thin.library);
    std::fs::rename(&aside, &support).unwrap();
    let message = refused.unwrap_err().to_string();
    assert!(
        message.contains(support.file_name().unwrap().to_str().unwrap())
            && message.contains("support library"),
        "{message}"
    );
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!((counter.version(), counter.total()), (1, 3), "untouched");
    // Back in place: the same library loads.
    registry.load(&thin.library).unwrap();
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!((counter.version(), counter.total()), (3, 3));
}
