//! The public build helper (`playground_runtime::Build`) on real crates:
//! a module built and loaded, progress reported, compiler errors returned,
//! a crate that makes no library refused, a rebuild that compiles nothing.

use counter_api::Counter;
use playground_runtime::{Build, BuildError, BuildProgress, Registry};
use reload_tests::{FIXTURE_VERSION, comment, fixture_target, module_copy, set_version, workspace};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A crate of its own (its own workspace, no dependencies) under
/// `target/build-tests/name`, with `lib.rs` as its library.
fn scratch_crate(name: &str, crate_type: &str, lib: &str) -> PathBuf {
    let dir = workspace().join("target/build-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
             [lib]\ncrate-type = [\"{crate_type}\"]\n\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
    dir.join("Cargo.toml")
}

/// Makes the scratch crate at `manifest` depend on the one at `dep`, named
/// `name`, by path.
fn depend_on(manifest: &Path, name: &str, dep: &Path) {
    let text = std::fs::read_to_string(manifest).unwrap();
    let dependency = format!(
        "[dependencies]\n{name} = {{ path = {:?} }}\n\n[workspace]",
        dep.parent().unwrap()
    );
    std::fs::write(manifest, text.replace("[workspace]", &dependency)).unwrap();
}

#[test]
fn a_module_is_built_hashed_and_loaded_with_progress_reported() {
    let manifest = workspace().join("reload-tests/fixtures/counter-module/Cargo.toml");
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&heard);
    let built = Build::new(&manifest)
        .target_dir(fixture_target())
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .on_progress(move |p| sink.lock().unwrap().push(p.clone()))
        .run()
        .expect("the counter module builds");

    assert_eq!(
        built.library,
        fixture_target().join("debug/libcounter_module.so"),
        "the library cargo made"
    );
    let bytes = std::fs::read(&built.library).unwrap();
    let sidecar = std::fs::read_to_string(built.library.with_extension("so.sha256")).unwrap();
    assert_eq!(
        sidecar,
        format!("{}  libcounter_module.so\n", built.sha256),
        "sha256sum's format, beside the library"
    );
    assert_eq!(built.sha256.len(), 64);
    assert_ne!(bytes.len(), 0);

    let heard = heard.lock().unwrap();
    assert_eq!(
        heard.first(),
        Some(&BuildProgress::Started {
            manifest_path: manifest.clone()
        })
    );
    let crates: Vec<&str> = heard
        .iter()
        .filter_map(|p| match p {
            BuildProgress::Compiled { krate, .. } => Some(krate.as_str()),
            _ => None,
        })
        .collect();
    assert!(crates.contains(&"playground_runtime"), "{crates:?}");
    assert_eq!(
        crates.last(),
        Some(&"counter_module"),
        "the module comes last"
    );

    let registry = Registry::linked();
    let report = registry
        .load(&built.library)
        .expect("the built module loads");
    assert_eq!(report.sha256, built.sha256);
    let counter = registry.get::<dyn Counter>().unwrap();
    counter.add(5);
    assert_eq!(counter.total(), 5, "the built code answers");
}

#[test]
fn a_build_is_loaded_from_the_bytes_it_hashed_and_the_file_is_not_read_again() {
    let manifest = module_copy("bytes", "counter-module-bytes");
    let build = Build::new(&manifest)
        .target_dir(fixture_target().join("watched"))
        .env("CARGO_PROFILE_DEV_DEBUG", "0");
    let built = build.run().unwrap();
    assert_eq!(built.bytes().sha256(), built.sha256);
    assert_eq!(
        built.bytes().len() as u64,
        std::fs::metadata(&built.library).unwrap().len()
    );
    // The file is rewritten after the build (another build, a careless
    // copy): a load of the file sees its hash disagree and refuses; a load
    // of the build's bytes runs what was built and hashed.
    let original = std::fs::read(&built.library).unwrap();
    let mut rewritten = original.clone();
    let middle = rewritten.len() / 2;
    rewritten[middle] ^= 0xff;
    std::fs::write(&built.library, &rewritten).unwrap();

    let registry = Registry::linked();
    let refused = registry.load(&built.library).unwrap_err();
    assert!(
        matches!(refused.kind, playground_runtime::LoadErrorKind::Hash { .. }),
        "{refused}"
    );
    let report = registry.load_bytes(built.bytes()).unwrap();
    assert_eq!(report.sha256, built.sha256, "the hash of what was built");
    let phases: Vec<&str> = report.phases.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        phases,
        ["verify", "copy", "open", "save", "restore", "swap"],
        "neither read nor hashed again"
    );
    let counter = registry.get::<dyn Counter>().unwrap();
    counter.add(2);
    assert_eq!((counter.version(), counter.total()), (1, 2));
    let record = registry.history().last().cloned().unwrap();
    assert_eq!(record.sha256.as_deref(), Some(built.sha256.as_str()));
    std::fs::write(&built.library, &original).unwrap();
}

#[test]
fn a_rebuild_compiles_only_what_changed() {
    let manifest = scratch_crate(
        "build_fresh",
        "cdylib",
        "#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 { 1 }\n",
    );
    let build = Build::new(&manifest);
    let first = build.run().unwrap();
    assert_eq!(first.compiled, 1);
    let again = build.run().unwrap();
    assert_eq!(again.compiled, 0, "nothing changed");
    assert_eq!(again.sha256, first.sha256);
    std::fs::write(
        manifest.with_file_name("src/lib.rs"),
        "#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 { 2 }\n",
    )
    .unwrap();
    let edited = build.run().unwrap();
    assert_eq!(edited.compiled, 1);
    assert!(edited.direct, "rebuilt by rustc alone, by default");
    assert_ne!(edited.sha256, first.sha256, "a new library, a new hash");
    assert_eq!(
        edited.library,
        default_target(&manifest).join("debug/libbuild_fresh.so"),
        "cargo's default target directory when none is given"
    );
}

/// Cargo's target directory when none is given: the one the environment
/// names (`CARGO_TARGET_DIR`, relative to where cargo runs), else `target/`
/// beside the package.
fn default_target(manifest: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => std::path::absolute(PathBuf::from(dir)).unwrap(),
        None => manifest.with_file_name("target"),
    }
}

#[test]
fn a_direct_rebuild_of_a_crate_that_is_also_an_rlib_writes_only_the_library() {
    let lib =
        |n: u32| format!("#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 {{ {n} }}\n");
    let manifest = scratch_crate("build_both", "cdylib\", \"rlib", &lib(1));
    let build = Build::new(&manifest);
    let first = build.run().unwrap();
    // Where rustc writes it (cargo links a copy out of `deps/`).
    let deps = default_target(&manifest).join("debug/deps");
    let written = || {
        let rlibs = std::fs::read_dir(&deps)
            .unwrap()
            .map(|entry| entry.unwrap().path());
        let rlib = rlibs
            .filter(|path| path.extension().is_some_and(|e| e == "rlib"))
            .find(|path| {
                path.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("libbuild_both")
            })
            .expect("cargo built the rlib");
        reload_tests::modified(&rlib)
    };
    let before = written();
    std::fs::write(manifest.with_file_name("src/lib.rs"), lib(2)).unwrap();
    let edited = build.run().unwrap();
    assert!(edited.direct, "rebuilt by rustc alone");
    assert_ne!(edited.sha256, first.sha256, "a new library");
    assert_eq!(written(), before, "the rlib is left for cargo");
    // Its incremental state apart from cargo's, which rustc would discard
    // for the other crate types.
    let sessions = |dir: &str| {
        std::fs::read_dir(default_target(&manifest).join("debug").join(dir))
            .map(|entries| {
                entries
                    .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                    .filter(|name| name.starts_with("build_both"))
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(sessions("incremental"), 1, "cargo's");
    assert_eq!(sessions("incremental-cdylib"), 1, "the direct rebuild's");
    // Cargo sees sources newer than its last build and brings the rlib up
    // to date.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["build", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(written() > before, "cargo rebuilt the rlib");
}

#[test]
fn a_build_from_a_program_cargo_runs_and_a_build_from_a_shell_share_their_artifacts() {
    // A dependency whose build script reruns when `CARGO_PKG_NAME` changes
    // (ring's does): cargo set it for this test, to this test's package.
    let dep = scratch_crate("build_env_dep", "rlib", "pub fn base() -> u32 { 1 }\n");
    std::fs::write(
        dep.with_file_name("build.rs"),
        "fn main() { println!(\"cargo:rerun-if-env-changed=CARGO_PKG_NAME\"); }\n",
    )
    .unwrap();
    let manifest = scratch_crate(
        "build_env",
        "cdylib",
        "#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 { build_env_dep::base() }\n",
    );
    depend_on(&manifest, "build_env_dep", &dep);
    assert!(
        std::env::var_os("CARGO_PKG_NAME").is_some(),
        "set by cargo test"
    );
    let build = Build::new(&manifest);
    assert_eq!(
        build.run().unwrap().compiled,
        3,
        "script, dependency, module"
    );

    // The same cargo build from a shell, where cargo set nothing.
    let mut shell = build.command().unwrap();
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_MANIFEST")
            || key == "CARGO_CRATE_NAME"
        {
            shell.env_remove(key);
        }
    }
    let output = shell.output().unwrap();
    assert!(output.status.success());
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        !log.contains("Compiling"),
        "the shell's build reuses every artifact of the program's: {log}"
    );
}

#[test]
fn a_compile_error_comes_back_with_the_compilers_message() {
    let manifest = scratch_crate(
        "build_broken",
        "cdylib",
        "pub fn broken() -> u32 { \"not a number\" }\n",
    );
    let error = Build::new(&manifest).run().unwrap_err();
    let BuildError::Failed {
        manifest_path,
        diagnostics,
    } = &error
    else {
        panic!("expected Failed, got {error}");
    };
    assert_eq!(manifest_path, &manifest);
    assert!(
        diagnostics.contains("error[E0308]: mismatched types"),
        "{diagnostics}"
    );
    assert!(diagnostics.contains("src/lib.rs:1"), "{diagnostics}");
    assert!(!diagnostics.contains('\x1b'), "plain text: {diagnostics:?}");
    assert!(
        error
            .to_string()
            .starts_with(&format!("building {} failed:", manifest.display()))
    );
    let coloured = Build::new(&manifest)
        .colored_diagnostics(true)
        .run()
        .unwrap_err();
    let BuildError::Failed { diagnostics, .. } = &coloured else {
        panic!("expected Failed, got {coloured}");
    };
    assert!(diagnostics.contains("\x1b["), "in colour: {diagnostics:?}");
}

#[test]
fn a_crate_that_makes_no_library_is_refused_by_name() {
    let manifest = scratch_crate("build_rlib", "rlib", "pub fn f() {}\n");
    let error = Build::new(&manifest).run().unwrap_err();
    assert!(
        matches!(&error, BuildError::NoArtifact { kind, .. } if kind == "cdylib"),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "building {} made no cdylib: is it a module crate (`crate-type = [\"cdylib\"]`)?",
            manifest.display()
        )
    );
    let missing = Build::new(Path::new("/nonexistent/Cargo.toml"))
        .run()
        .unwrap_err();
    assert!(matches!(missing, BuildError::Failed { .. }), "{missing}");
}

/// A copy of the counter module under `target/build-tests/watched`, in a
/// workspace of its own whose dependencies are the real crates by path (so
/// that, built into the fixtures' target directory, only the copy compiles).
fn watched_copy() -> PathBuf {
    module_copy("watched", "counter-module")
}

#[test]
fn the_watcher_rebuilds_with_the_build_helper_and_swaps_on_save() {
    use playground_runtime::{WatchEvent, Watcher};
    use std::time::Duration;

    let manifest = watched_copy();
    let build = Build::new(&manifest)
        .target_dir(fixture_target().join("watched"))
        .env("CARGO_PROFILE_DEV_DEBUG", "0");
    let registry = Arc::new(Registry::linked());
    registry.load(build.run().unwrap().library).unwrap();
    registry.get::<dyn Counter>().unwrap().add(7);
    assert_eq!(registry.get::<dyn Counter>().unwrap().version(), 1);

    let watcher = Watcher::build(Arc::clone(&registry), build, Default::default()).unwrap();
    let source = manifest.with_file_name("src/lib.rs");
    set_version(&source, FIXTURE_VERSION, "3");

    let mut seen = Vec::new();
    loop {
        let event = watcher
            .events()
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("no swap after the save; events: {seen:?}"));
        match event {
            WatchEvent::Loaded { report, .. } => {
                assert_eq!(report.sha256.len(), 64);
                break;
            }
            WatchEvent::BuildFailed { message } => panic!("build failed: {message}"),
            WatchEvent::Refused(error) => panic!("refused: {error}"),
            other => seen.push(format!("{other:?}")),
        }
    }
    assert!(seen.iter().any(|e| e.starts_with("Building")), "{seen:?}");
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!(counter.version(), 3, "the edited code answers");
    assert_eq!(counter.total(), 7, "with the state carried");
    drop(counter);

    // A save while cargo builds the previous one is built right after:
    // the last save is the one that ends up running.
    let set_version = |from: u32, to: u32| set_version(&source, &from.to_string(), &to.to_string());
    set_version(3, 4);
    loop {
        match watcher.events().recv_timeout(Duration::from_secs(120)) {
            Ok(WatchEvent::Building { .. }) => break,
            Ok(_) => {}
            Err(_) => panic!("no rebuild after the second save"),
        }
    }
    set_version(4, 5);
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while registry.get::<dyn Counter>().unwrap().version() != 5 {
        assert!(
            std::time::Instant::now() < deadline,
            "the last save never ran"
        );
        if let Ok(WatchEvent::BuildFailed { message }) = watcher.events().try_recv() {
            panic!("build failed: {message}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(registry.get::<dyn Counter>().unwrap().total(), 7);
}

/// A copy of the counter module named `package` in `dir`, built into the
/// watched target directory (thin links, rustc's own linker) and loaded.
fn built_and_loaded(dir: &str, package: &str) -> (PathBuf, Build, Arc<Registry>) {
    let manifest = module_copy(dir, package);
    let build = Build::new(&manifest)
        .target_dir(fixture_target().join("watched"))
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .link_with(playground_runtime::Linker::Rustc);
    let registry = Arc::new(Registry::linked());
    registry.load(build.run().unwrap().library).unwrap();
    (manifest, build, registry)
}

/// With thin links, the watcher reads the support library ahead once it
/// is made: the first rebuild linked against it loads without reading it
/// (no `support` phase), and answers.
#[test]
fn the_watcher_reads_the_support_library_ahead_of_the_first_thin_load() {
    use playground_runtime::{WatchEvent, Watcher};
    use std::time::Duration;

    let (manifest, build, registry) = built_and_loaded("read_ahead", "counter-module-read-ahead");
    let watcher = Watcher::build(Arc::clone(&registry), build.clone(), Default::default()).unwrap();
    let support = build.support_library().expect("a support library is made");
    let support_name = support.file_name().unwrap().to_str().unwrap().to_owned();

    let source = manifest.with_file_name("src/lib.rs");
    set_version(&source, FIXTURE_VERSION, "3");
    let report = loop {
        match watcher.events().recv_timeout(Duration::from_secs(120)) {
            Ok(WatchEvent::Loaded { report, .. }) => break report,
            Ok(WatchEvent::BuildFailed { message }) => panic!("build failed: {message}"),
            Ok(WatchEvent::Refused(error)) => panic!("refused: {error}"),
            Ok(_) => {}
            Err(_) => panic!("no swap after the save"),
        }
    };
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!(counter.version(), 3, "the edited code answers");
    let library = registry.history().last().unwrap().path.clone().unwrap();
    assert!(
        reload_tests::needed(&library).contains(&support_name),
        "linked thin: {:?}",
        reload_tests::needed(&library)
    );
    let phases: Vec<&str> = report.phases.iter().map(|(name, _)| *name).collect();
    assert!(!phases.contains(&"support"), "read on the way: {phases:?}");
}

#[test]
fn a_module_built_without_its_debug_info_is_a_fraction_of_the_size() {
    let manifest = scratch_crate(
        "build_lean",
        "cdylib",
        "#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 { 1 }\n",
    );
    let full = Build::new(&manifest).module_debuginfo(true).run().unwrap();
    let full_size = std::fs::metadata(&full.library).unwrap().len();
    // Without debug info is the default.
    let lean = Build::new(&manifest).run().unwrap();
    let lean_size = std::fs::metadata(&lean.library).unwrap().len();
    assert_eq!(lean.library, full.library);
    assert_eq!(lean.compiled, 1, "only the module is rebuilt");
    assert!(
        lean_size * 2 < full_size,
        "{lean_size} bytes stripped against {full_size} with debug info"
    );
}

#[test]
fn fast_rebuilds_run_rustc_alone_until_something_but_the_sources_changes() {
    let manifest = scratch_crate(
        "build_direct",
        "cdylib",
        "#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 { 1 }\n",
    );
    let source = manifest.with_file_name("src/lib.rs");
    let write = |text: &str| std::fs::write(&source, text).unwrap();
    let build = Build::new(&manifest).fast_rebuilds(true);
    let first = build.run().unwrap();
    assert!(!first.direct, "the first build is cargo's");

    write("#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 { 2 }\n");
    let second = build.clone().run().unwrap();
    assert!(second.direct, "a source edit is rebuilt by rustc alone");
    assert_eq!(second.library, first.library, "where cargo puts it");
    assert_ne!(second.sha256, first.sha256);
    let sidecar = std::fs::read_to_string(second.library.with_extension("so.sha256")).unwrap();
    assert!(sidecar.starts_with(&second.sha256));

    // A compiler error comes back rendered, as from cargo.
    write("pub fn broken() -> u32 { \"not a number\" }\n");
    let error = build.run().unwrap_err();
    let BuildError::Failed { diagnostics, .. } = &error else {
        panic!("expected Failed, got {error}");
    };
    assert!(diagnostics.contains("E0308"), "{diagnostics}");
    assert!(
        !diagnostics.contains('\x1b'),
        "plain text, as through cargo: {diagnostics:?}"
    );
    // In colour when asked.
    let coloured = build.clone().colored_diagnostics(true).run().unwrap_err();
    let BuildError::Failed { diagnostics, .. } = &coloured else {
        panic!("expected Failed, got {coloured}");
    };
    assert!(diagnostics.contains("\x1b["), "{diagnostics:?}");

    // The manifest changed: cargo again (it may mean new dependencies).
    write("#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 { 3 }\n");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("{text}\n# edited\n")).unwrap();
    let third = build.run().unwrap();
    assert!(!third.direct, "a changed manifest goes through cargo");
    write("#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 { 4 }\n");
    assert!(build.run().unwrap().direct, "and then rustc alone again");
}

/// A direct rebuild finds the crates its dependencies use in a directory of
/// links to this build's files; removed under it (a clean-up of the
/// target directory while the host runs), the rebuild goes through cargo
/// again instead of failing with "can't find crate".
#[test]
fn a_direct_rebuild_whose_dependency_links_are_gone_builds_with_cargo_again() {
    let base = scratch_crate("build_gone_base", "rlib", "pub fn base() -> u32 { 10 }\n");
    let mid = scratch_crate(
        "build_gone_mid",
        "rlib",
        "pub fn mid() -> u32 { build_gone_base::base() + 1 }\n",
    );
    depend_on(&mid, "build_gone_base", &base);
    let manifest = scratch_crate(
        "build_gone",
        "cdylib",
        "#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 { build_gone_mid::mid() }\n",
    );
    depend_on(&manifest, "build_gone_mid", &mid);
    let source = manifest.with_file_name("src/lib.rs");
    let build = Build::new(&manifest).fast_rebuilds(true);
    let first = build.run().unwrap();
    assert!(!first.direct);
    let links = first.library.with_file_name("playground-direct-deps");
    let sets: Vec<_> = std::fs::read_dir(&links).unwrap().flatten().collect();
    assert_eq!(sets.len(), 1, "one set of links: {sets:?}");
    let linked: Vec<_> = std::fs::read_dir(sets[0].path())
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().into_string().unwrap())
        .collect();
    assert!(
        linked
            .iter()
            .any(|name| name.starts_with("libbuild_gone_base-")),
        "the dependency of a dependency is linked: {linked:?}"
    );

    std::fs::write(
        &source,
        "#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 { build_gone_mid::mid() + 1 }\n",
    )
    .unwrap();
    assert!(
        build.run().unwrap().direct,
        "rustc alone, through the links"
    );

    std::fs::remove_dir_all(&links).unwrap();
    std::fs::write(
        &source,
        "#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 { build_gone_mid::mid() + 2 }\n",
    )
    .unwrap();
    let again = build.run().expect("cargo builds when the links are gone");
    assert!(!again.direct, "through cargo");
    assert!(links.is_dir(), "and the links are made anew");
    std::fs::write(
        &source,
        "#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 { build_gone_mid::mid() + 3 }\n",
    )
    .unwrap();
    assert!(build.run().unwrap().direct, "then rustc alone again");
}

#[test]
fn fast_rebuilds_go_through_cargo_when_a_path_dependency_changed() {
    let dep = scratch_crate("build_dep", "rlib", "pub fn base() -> u32 { 10 }\n");
    let manifest = scratch_crate(
        "build_direct_dep",
        "cdylib",
        "#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 { build_dep::base() }\n",
    );
    depend_on(&manifest, "build_dep", &dep);
    let build = Build::new(&manifest).fast_rebuilds(true);
    assert!(!build.run().unwrap().direct);
    std::fs::write(
        manifest.with_file_name("src/lib.rs"),
        "#[unsafe(no_mangle)]\npub extern \"C\" fn answer() -> u32 { build_dep::base() + 1 }\n",
    )
    .unwrap();
    assert!(build.run().unwrap().direct, "only the module changed");
    std::fs::write(
        dep.with_file_name("src/lib.rs"),
        "pub fn base() -> u32 { 20 }\n",
    )
    .unwrap();
    let rebuilt = build.run().unwrap();
    assert!(
        !rebuilt.direct,
        "the dependency's artifact is stale: cargo rebuilds it"
    );
    assert_eq!(rebuilt.compiled, 2, "the dependency and the module");
}

/// A rebuild by rustc alone writes the files a cargo build of the crate
/// writes: it waits while cargo holds its lock on the target directory (a
/// `cargo build` run by hand, or another `Build`'s), as cargo would, so
/// that neither takes the other's library for its own.
#[test]
fn a_direct_rebuild_waits_for_a_cargo_build_of_the_same_target_directory() {
    let manifest = module_copy("direct_lock", "counter-module-direct-lock");
    let build = Build::new(&manifest)
        .target_dir(fixture_target().join("watched"))
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .thin_links(false);
    let first = build.run().unwrap();
    let written = reload_tests::modified(&first.library);
    set_version(&manifest.with_file_name("src/lib.rs"), FIXTURE_VERSION, "3");
    // What a cargo build of this directory holds while it runs.
    let lock = reload_tests::hold_cargo_lock(&first.library);
    let waiting = {
        let build = build.clone();
        std::thread::spawn(move || build.run())
    };
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert!(!waiting.is_finished(), "rebuilt under cargo's lock");
    assert_eq!(reload_tests::modified(&first.library), written);
    drop(lock);
    let built = waiting.join().unwrap().unwrap();
    assert!(
        built.direct,
        "rebuilt by rustc alone, once the lock was free"
    );
    let registry = Registry::linked();
    registry.load_bytes(built.bytes()).unwrap();
    assert_eq!(registry.get::<dyn Counter>().unwrap().version(), 3);
}

#[test]
fn a_direct_rebuild_links_with_the_linker_given_and_loads() {
    // GNU ld stands in for a fast linker (wild, mold): a linker that is not
    // rustc's lld, which CI has.
    let bfd = Path::new("/usr/bin/ld.bfd");
    assert!(bfd.exists(), "binutils' ld.bfd is needed by this test");
    let manifest = module_copy("linked", "counter-module-linked");
    let build = Build::new(&manifest)
        .target_dir(fixture_target().join("watched"))
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .fast_rebuilds(true)
        .linker(bfd);
    let first = build.run().unwrap();
    assert!(!first.direct);
    assert!(
        comment(&first.library).contains("Linker: LLD"),
        "cargo's build keeps rustc's lld: {}",
        comment(&first.library)
    );

    let source = manifest.with_file_name("src/lib.rs");
    set_version(&source, FIXTURE_VERSION, "3");
    let second = build.run().unwrap();
    assert!(second.direct, "rebuilt by rustc alone");
    assert!(
        !comment(&second.library).contains("LLD"),
        "linked by ld.bfd, not lld: {}",
        comment(&second.library)
    );
    // And it passes every check a library goes through, and runs.
    let registry = Registry::linked();
    registry.load(&second.library).unwrap();
    assert_eq!(registry.get::<dyn Counter>().unwrap().version(), 3);

    let mut version = 3;
    let mut rebuild_with = |build: Build| {
        set_version(&source, &version.to_string(), &(version + 1).to_string());
        version += 1;
        let built = build.run().unwrap();
        assert!(built.direct);
        registry.load(&built.library).unwrap();
        assert_eq!(registry.get::<dyn Counter>().unwrap().version(), version);
        comment(&built.library)
    };
    // A linker that is not there: rustc's links, the build succeeds.
    let linked = rebuild_with(build.clone().linker("/nonexistent/wild"));
    assert!(linked.contains("Linker: LLD"), "{linked}");
    // A linker that fails to link: given up, the rebuild links with lld.
    let linked = rebuild_with(build.clone().linker("/bin/false"));
    assert!(linked.contains("Linker: LLD"), "{linked}");
}

#[test]
fn a_save_that_leaves_the_sources_as_they_were_starts_no_build() {
    use playground_runtime::{WatchEvent, Watcher};
    use std::sync::mpsc::RecvTimeoutError;
    use std::time::Duration;

    let (manifest, build, registry) =
        built_and_loaded("unchanged_save", "counter-module-unchanged-save");
    let watcher = Watcher::build(Arc::clone(&registry), build, Default::default()).unwrap();

    // An editor writing the file back as it is, in two saves.
    let source = manifest.with_file_name("src/lib.rs");
    let text = std::fs::read(&source).unwrap();
    std::fs::write(&source, &text).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(&source, &text).unwrap();
    match watcher.events().recv_timeout(Duration::from_secs(2)) {
        Err(RecvTimeoutError::Timeout) => {}
        other => panic!("an unchanged save did something: {other:?}"),
    }
    assert_eq!(registry.history().len(), 1, "nothing loaded again");

    // A real edit still builds and swaps.
    set_version(&source, FIXTURE_VERSION, "5");
    loop {
        match watcher.events().recv_timeout(Duration::from_secs(120)) {
            Ok(WatchEvent::Loaded { .. }) => break,
            Ok(WatchEvent::BuildFailed { message }) => panic!("build failed: {message}"),
            Ok(WatchEvent::Refused(error)) => panic!("refused: {error}"),
            Ok(_) => {}
            Err(_) => panic!("no swap after the edit"),
        }
    }
    assert_eq!(registry.get::<dyn Counter>().unwrap().version(), 5);

    // A build that failed is not what was built: saving the same text
    // again builds again.
    let broken = format!("{}\nfn broken( {{\n", String::from_utf8(text).unwrap());
    for save in ["the broken edit", "the same text again"] {
        std::fs::write(&source, &broken).unwrap();
        loop {
            match watcher.events().recv_timeout(Duration::from_secs(120)) {
                Ok(WatchEvent::BuildFailed { .. }) => break,
                Ok(WatchEvent::Loaded { .. }) => panic!("{save} loaded"),
                Ok(_) => {}
                Err(_) => panic!("no build after {save}"),
            }
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(registry.get::<dyn Counter>().unwrap().version(), 5);
}
