//! Real module libraries for the hot-reload tests and benchmarks, built by
//! cargo during the run (nothing binary is committed).
//!
//! Every library is built into `target/fixtures`, a target directory of its
//! own: the cargo running the tests holds the lock on the outer one. The
//! first test that needs a library builds it; the others wait for it. Each
//! variant is copied out of cargo's output to a file of its own, since the
//! next variant's build overwrites it.

use playground_runtime::Build;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// A build of a fixture library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fixture {
    /// counter-module as it is.
    V1,
    /// A behaviour change: `version()` answers 2.
    V2,
    /// The state model gained a field; no migration.
    StateV2,
    /// The state model gained a field, with a migration from the old one.
    StateV2Migrate,
    /// The same, but the migration panics.
    StateV2Panic,
    /// Compiled against a changed view (one more method).
    ApiV2,
    /// With `export_module!(all)`: every viewmodel it links is bound.
    Unnamed,
    /// A valid library that is not a playground module.
    Plain,
    /// A module built against another build of playground-runtime: its
    /// code differs.
    ForeignRuntime,
    /// A module built against a copy of playground-runtime whose doc
    /// comments, comments and tools differ, not its code.
    RetoldRuntime,
    /// Compiled against the API's plain struct `Stats` with fields swapped.
    PlainV2,
    /// Compiled against the API's plain enum `Shape` with one more variant.
    EnumV2,
    /// Compiled against an edited `Clock` view (methods reordered), which
    /// the host implements.
    ClockV2,
    /// The state's never-saved scratch field holds wider elements.
    ScratchV2,
    /// ecs-module as it is: ECS logic with its own component types.
    Ecs,
    /// ecs-module with its plain component `Heat` edited in place.
    EcsHeatWide,
    /// ecs-module with its model component `Spin` restructured.
    EcsSpinV2,
    /// The counter whose viewmodel panics when dropped.
    DropPanic,
    /// The counter with its own `#[global_allocator]`.
    OwnAllocator,
    /// The counter needing a symbol no library defines.
    MissingSymbol,
    /// The counter with a static initialiser that leaves a file (see the
    /// fixture's `INIT_MARKER`).
    InitMarker,
    /// The same, compiled against the changed API: refused.
    ApiV2InitMarker,
    /// The counter whose `each_record` calls back with its state locked.
    LockedCallback,
    /// The counter whose viewmodel's constructor panics.
    ConstructorPanic,
    /// The counter built with `panic = "abort"` (in a target directory of
    /// its own: every crate is built again).
    PanicAbort,
    /// The counter built by a rustc that reports another version (in a
    /// target directory of its own).
    OtherRustc,
    /// plain-cdylib exporting `playground_module_v1` as a static.
    StaticExport,
    /// plain-cdylib exporting `playground_module_v1` returning null.
    NullExport,
    /// Compiled against a view whose method `fill` takes a `u32`.
    MethodV2,
    /// Compiled against the API's model `Limits` (inside `Settings`) with
    /// a field narrowed.
    NestedV2,
    /// pool-module as it is: a ledger kept in a model pool.
    Pool,
    /// pool-module with a behaviour change (`build()` answers 2).
    PoolV2,
    /// pool-module with the pooled model changed, no migration.
    PoolModelV2,
    /// pool-module with the pooled model changed, no migration, and its
    /// pool field declared (`#[viewmodel(pools(entries))]`).
    PoolModelV2Declared,
    /// pool-module with the pooled model changed, migrated.
    PoolModelV2Migrate,
    /// The same, but the viewmodel's constructor panics after the pool was
    /// migrated.
    PoolModelV2MigratePanic,
    /// twin-module as it is: one module binding two views, `Left` and
    /// `Right`.
    Twin,
    /// twin-module with a behaviour change: both views answer build 2.
    TwinV2,
    /// twin-module whose `Right` keeps state in a `Shared` whose encoding
    /// panics.
    TwinFragile,
    /// twin-module build 2 with that state in a plain field (it cannot
    /// adopt a `TwinFragile`'s storage: restoring encodes it).
    TwinFragilePlainV2,
    /// playground-ecs's `EcsModule` alone, as a module library, built from
    /// a copy of playground-ecs's sources.
    EcsLibrary,
    /// The same with a function body edited: `describe` says it is the
    /// rebuilt ECS. Declarations unchanged.
    EcsLibraryEdited,
    /// The same with a declaration edited: the world's clock gained a
    /// field.
    EcsLibraryRetyped,
}

impl Fixture {
    fn name(self) -> &'static str {
        match self {
            Fixture::V1 => "v1",
            Fixture::V2 => "v2",
            Fixture::StateV2 => "state-v2",
            Fixture::StateV2Migrate => "state-v2-migrate",
            Fixture::StateV2Panic => "state-v2-panic",
            Fixture::ApiV2 => "api-v2",
            Fixture::Unnamed => "unnamed",
            Fixture::Plain => "plain",
            Fixture::ForeignRuntime => "foreign-runtime",
            Fixture::RetoldRuntime => "retold-runtime",
            Fixture::PlainV2 => "plain-v2",
            Fixture::EnumV2 => "enum-v2",
            Fixture::ClockV2 => "clock-v2",
            Fixture::ScratchV2 => "scratch-v2",
            Fixture::Ecs => "ecs",
            Fixture::EcsHeatWide => "ecs-heat-wide",
            Fixture::EcsSpinV2 => "ecs-spin-v2",
            Fixture::DropPanic => "drop-panic",
            Fixture::OwnAllocator => "own-allocator",
            Fixture::MissingSymbol => "missing-symbol",
            Fixture::InitMarker => "init-marker",
            Fixture::ApiV2InitMarker => "api-v2-init-marker",
            Fixture::LockedCallback => "locked-callback",
            Fixture::PanicAbort => "panic-abort",
            Fixture::OtherRustc => "other-rustc",
            Fixture::ConstructorPanic => "constructor-panic",
            Fixture::StaticExport => "static-export",
            Fixture::NullExport => "null-export",
            Fixture::MethodV2 => "method-v2",
            Fixture::NestedV2 => "nested-v2",
            Fixture::Pool => "pool",
            Fixture::PoolV2 => "pool-v2",
            Fixture::PoolModelV2 => "pool-model-v2",
            Fixture::PoolModelV2Declared => "pool-model-v2-declared",
            Fixture::PoolModelV2Migrate => "pool-model-v2-migrate",
            Fixture::PoolModelV2MigratePanic => "pool-model-v2-migrate-panic",
            Fixture::Twin => "twin",
            Fixture::TwinV2 => "twin-v2",
            Fixture::TwinFragile => "twin-fragile",
            Fixture::TwinFragilePlainV2 => "twin-fragile-plain-v2",
            Fixture::EcsLibrary => "ecs-library",
            Fixture::EcsLibraryEdited => "ecs-library-edited",
            Fixture::EcsLibraryRetyped => "ecs-library-retyped",
        }
    }
}

/// The workspace's root directory.
pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("reload-tests sits in the workspace")
}

/// Where fixture builds go.
pub fn fixture_target() -> PathBuf {
    workspace().join("target").join("fixtures")
}

/// The library of `fixture`, built on first use.
pub fn library(fixture: Fixture) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<Fixture, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    // One build at a time: they share a target directory.
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = built.get(&fixture) {
        return path.clone();
    }
    let _lock = FixtureLock::take();
    let path = match fixture {
        Fixture::Plain => build(&fixture_manifest("plain-cdylib"), &[], fixture),
        Fixture::StaticExport => build(
            &fixture_manifest("plain-cdylib"),
            &["static-export"],
            fixture,
        ),
        Fixture::NullExport => build(&fixture_manifest("plain-cdylib"), &["null-export"], fixture),
        Fixture::ForeignRuntime | Fixture::RetoldRuntime => build_foreign(fixture),
        Fixture::PanicAbort => {
            let built = fixture_build(&fixture_manifest("counter-module"), &[], "")
                .target_dir(fixture_target().join("panic-abort"))
                .env("CARGO_PROFILE_DEV_PANIC", "abort")
                .run()
                .unwrap_or_else(|e| panic!("fixture {}: {e}", fixture.name()));
            copy_out(&built.library, fixture)
        }
        Fixture::OtherRustc => {
            let dir = fixture_target().join("other-rustc");
            let built = fixture_build(&fixture_manifest("counter-module"), &[], "")
                .target_dir(&dir)
                .env("RUSTC", other_rustc(&dir))
                .run()
                .unwrap_or_else(|e| panic!("fixture {}: {e}", fixture.name()));
            copy_out(&built.library, fixture)
        }
        Fixture::Pool => build(&fixture_manifest("pool-module"), &[], fixture),
        Fixture::PoolV2 => build(&fixture_manifest("pool-module"), &["v2"], fixture),
        Fixture::PoolModelV2 => build(&fixture_manifest("pool-module"), &["model-v2"], fixture),
        Fixture::PoolModelV2Declared => build(
            &fixture_manifest("pool-module"),
            &["model-v2", "declared-pools"],
            fixture,
        ),
        Fixture::PoolModelV2Migrate => build(
            &fixture_manifest("pool-module"),
            &["model-v2-migrate"],
            fixture,
        ),
        Fixture::PoolModelV2MigratePanic => build(
            &fixture_manifest("pool-module"),
            &["model-v2-migrate", "constructor-panic"],
            fixture,
        ),
        Fixture::Twin => build(&fixture_manifest("twin-module"), &[], fixture),
        Fixture::TwinV2 => build(&fixture_manifest("twin-module"), &["v2"], fixture),
        Fixture::TwinFragile => build(&fixture_manifest("twin-module"), &["fragile"], fixture),
        Fixture::TwinFragilePlainV2 => build(
            &fixture_manifest("twin-module"),
            &["fragile-plain", "v2"],
            fixture,
        ),
        Fixture::EcsLibrary => build_ecs_library(&[], fixture),
        Fixture::EcsLibraryEdited => build_ecs_library(&[ECS_BODY_EDIT], fixture),
        Fixture::EcsLibraryRetyped => build_ecs_library(&ECS_DECLARATION_EDIT, fixture),
        Fixture::Ecs => build_edited(&fixture_manifest("ecs-module"), "", fixture),
        Fixture::EcsHeatWide => build_edited(&fixture_manifest("ecs-module"), "heat-wide", fixture),
        Fixture::EcsSpinV2 => build_edited(&fixture_manifest("ecs-module"), "spin-v2", fixture),
        _ => {
            let features: &[&str] = match fixture {
                Fixture::V2 => &["v2"],
                Fixture::StateV2 => &["state-v2"],
                Fixture::StateV2Migrate => &["state-v2-migrate"],
                Fixture::StateV2Panic => &["state-v2-panic"],
                Fixture::ApiV2 => &["api-v2"],
                Fixture::Unnamed => &["unnamed"],
                Fixture::PlainV2 => &["plain-v2"],
                Fixture::EnumV2 => &["enum-v2"],
                Fixture::ClockV2 => &["clock-v2"],
                Fixture::ScratchV2 => &["scratch-v2"],
                Fixture::DropPanic => &["drop-panic"],
                Fixture::OwnAllocator => &["own-allocator"],
                Fixture::MissingSymbol => &["missing-symbol"],
                Fixture::InitMarker => &["init-marker"],
                Fixture::ApiV2InitMarker => &["api-v2", "init-marker"],
                Fixture::LockedCallback => &["locked-callback"],
                Fixture::ConstructorPanic => &["constructor-panic"],
                Fixture::MethodV2 => &["method-v2"],
                Fixture::NestedV2 => &["nested-v2"],
                _ => &[],
            };
            build(&fixture_manifest("counter-module"), features, fixture)
        }
    };
    built.insert(fixture, path.clone());
    path
}

/// The manifest of the fixture crate `package`.
fn fixture_manifest(package: &str) -> PathBuf {
    workspace()
        .join("reload-tests/fixtures")
        .join(package)
        .join("Cargo.toml")
}

/// Builds the module at `manifest` with `features`; returns a copy of the
/// library named after `fixture` (tests may load several builds of one
/// crate side by side).
fn build(manifest: &Path, features: &[&str], fixture: Fixture) -> PathBuf {
    build_with(manifest, features, "", fixture)
}

/// [`build`] with `PLAYGROUND_FIXTURE_EDIT=edit`: an edited variant that
/// keeps the crate's metadata (and so its `TypeId`s), unlike a feature.
fn build_edited(manifest: &Path, edit: &str, fixture: Fixture) -> PathBuf {
    build_with(manifest, &[], edit, fixture)
}

fn build_with(manifest: &Path, features: &[&str], edit: &str, fixture: Fixture) -> PathBuf {
    let built = fixture_build(manifest, features, edit)
        .run()
        .unwrap_or_else(|e| panic!("fixture {}: {e}", fixture.name()));
    copy_out(&built.library, fixture)
}

/// A copy of `library` named after `fixture`, in `fixtures/out`.
fn copy_out(library: &Path, fixture: Fixture) -> PathBuf {
    let out = fixture_target().join("out");
    std::fs::create_dir_all(&out).expect("create fixtures/out");
    let copy = out.join(format!(
        "{}{}",
        fixture.name(),
        std::env::consts::DLL_SUFFIX
    ));
    replace_with_copy(library, &copy);
    copy
}

/// Puts a copy of `from` at `to` in one step (a copy beside it, renamed
/// over it), so that another test process that opens `to` meanwhile finds
/// the old file or the new one, never a half-written one.
fn replace_with_copy(from: &Path, to: &Path) {
    let partial = to.with_extension(format!("partial-{}", std::process::id()));
    std::fs::copy(from, &partial).expect("copy the built file");
    std::fs::rename(&partial, to).expect("move the copy in place");
}

/// An exclusive lock on the fixtures' target directory, across processes,
/// held from a build to the copy of what it built: test binaries that run
/// at once (CI's valgrind step runs two; test runners may run more) would
/// otherwise build a crate with other features between another's build
/// and its copy. The process's own mutexes order its threads.
struct FixtureLock {
    _file: std::fs::File,
}

impl FixtureLock {
    fn take() -> FixtureLock {
        let dir = fixture_target();
        std::fs::create_dir_all(&dir).expect("create the fixtures' target directory");
        let file = std::fs::File::create(dir.join(".build-lock")).expect("open the build lock");
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
            .expect("lock the fixtures' target directory");
        FixtureLock { _file: file }
    }
}

/// How fixtures are built: the public build helper, into the fixtures'
/// target directory, with `PLAYGROUND_FIXTURE_EDIT=edit`.
/// A build of the crate at `manifest` as the fixtures are built (their
/// target directory and settings, so it shares their artifacts).
pub fn fixture_builder(manifest: &Path) -> Build {
    fixture_build(manifest, &[], "")
}

/// The version the `rustc` wrapper the `OtherRustc` fixture is built with
/// reports to `rustc -V`.
pub const OTHER_RUSTC_VERSION: &str = "rustc 1.94.1 (0000000 2026-03-01)";

/// A rustc that reports [`OTHER_RUSTC_VERSION`] to `rustc -V` (what
/// playground-runtime's build script records as the module's toolchain)
/// and is the machine's rustc for everything else: a module built by it
/// says it was built by another toolchain. The machine has one toolchain,
/// so this is how a test gets a library from "another" one.
fn other_rustc(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).expect("create the fixture's target directory");
    let script = dir.join("rustc-other-version");
    let text = format!(
        "#!/bin/sh\nif [ \"$1\" = \"-V\" ] && [ $# -eq 1 ]; then echo '{OTHER_RUSTC_VERSION}'; exit 0; fi\nexec rustc \"$@\"\n"
    );
    std::fs::write(&script, text).expect("write the rustc wrapper");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
        .expect("make the rustc wrapper executable");
    script
}

fn fixture_build(manifest: &Path, features: &[&str], edit: &str) -> Build {
    Build::new(manifest)
        .target_dir(fixture_target())
        .features(features.iter().copied())
        .env("PLAYGROUND_FIXTURE_EDIT", edit)
        // Smaller libraries copy and map faster; the tests need no debuginfo.
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
}

/// A module crate of its own, against a copy of playground-runtime whose
/// sources differ by one comment: another build of the runtime.
fn build_foreign(fixture: Fixture) -> PathBuf {
    let (name, edits): (&str, &[SourceEdit]) = match fixture {
        Fixture::ForeignRuntime => ("foreign", &RUNTIME_CODE_EDIT),
        _ => ("retold", &RUNTIME_DOCS_AND_TOOLS_EDITS),
    };
    let root = fixture_target().join(name);
    let _ = std::fs::remove_dir_all(&root);
    for krate in [
        "playground-runtime",
        "playground-macros",
        "playground-build",
    ] {
        playground_build::copy_sources(&workspace().join(krate), &root.join(krate))
            .expect("copy a crate");
    }
    for (file, from, to) in edits {
        let path = root.join("playground-runtime").join(file);
        let source = std::fs::read_to_string(&path).expect("read a runtime source");
        let edited = source.replacen(from, to, 1);
        assert_ne!(source, edited, "the edit of {file} applies");
        std::fs::write(&path, edited).expect("write a runtime source");
    }
    // The copies inherit their versions from a workspace: pin them. And
    // rename the packages (keeping the library names the macros refer to):
    // cargo leaves a path package's location out of its artifact hashes, so
    // under their own names the copies would share, and overwrite, the real
    // runtime's artifacts in the shared target directory.
    for krate in [
        "playground-runtime",
        "playground-macros",
        "playground-build",
    ] {
        let path = root.join(krate).join("Cargo.toml");
        let text = std::fs::read_to_string(&path).expect("read manifest");
        let lib = krate.replace('-', "_");
        let text = text
            // Lints are the workspace's, which the copies are not in.
            .replace("[lints]\nworkspace = true\n", "")
            .replace("rust-version.workspace = true", "")
            .replace("version.workspace = true", "version = \"0.1.0\"")
            .replace("edition.workspace = true", "edition = \"2024\"")
            .replace("license.workspace = true", "")
            .replace(&format!("name = \"{krate}\""), &format!("name = \"{krate}-{name}\""))
            .replace(
                "playground-macros = { version = \"0.1.0\", path = \"../playground-macros\" }",
                &format!("playground-macros = {{ package = \"playground-macros-{name}\", path = \"../playground-macros\" }}"),
            )
            .replace(
                "playground-build = { version = \"0.1.0\", path = \"../playground-build\" }",
                &format!("playground-build = {{ package = \"playground-build-{name}\", path = \"../playground-build\" }}"),
            );
        let text = if text.contains("[lib]\n") {
            text.replace("[lib]\n", &format!("[lib]\nname = \"{lib}\"\n"))
        } else {
            format!("{text}\n[lib]\nname = \"{lib}\"\n")
        };
        std::fs::write(&path, text).expect("write manifest");
    }
    std::fs::create_dir_all(root.join("module/src")).expect("create module");
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"module\", \"playground-runtime\", \"playground-macros\", \"playground-build\"]\nresolver = \"3\"\n",
    )
    .expect("write workspace");
    std::fs::write(
        root.join("module/Cargo.toml"),
        format!("[package]\nname = \"{name}-module\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n[dependencies]\nplayground-runtime = {{ package = \"playground-runtime-{name}\", path = \"../playground-runtime\" }}\n"),
    )
    .expect("write module manifest");
    std::fs::write(
        root.join("module/src/lib.rs"),
        "use playground_runtime::{view, viewmodel};\n\nplayground_runtime::export_module!();\n\n#[view]\npub trait Foreign: Send + Sync {\n    fn hello(&self) -> u32;\n}\n\n#[derive(Default)]\npub struct Here;\n\n#[viewmodel]\nimpl Foreign for Here {\n    fn hello(&self) -> u32 {\n        1\n    }\n}\n",
    )
    .expect("write module source");
    std::fs::copy(workspace().join("Cargo.lock"), root.join("Cargo.lock"))
        .expect("copy Cargo.lock");
    build(&root.join("module/Cargo.toml"), &[], fixture)
}

/// Code of the runtime, in a file every module links: another build.
const RUNTIME_CODE_EDIT: [SourceEdit; 1] = [(
    "src/lib.rs",
    "mod contract;\n",
    "mod contract;\n\n#[doc(hidden)]\npub const ANOTHER_BUILD: u8 = 1;\n",
)];

/// What cannot make two builds incompatible: a doc comment, a comment, and
/// code of the developer's tools (the watcher, the build helper).
const RUNTIME_DOCS_AND_TOOLS_EDITS: [SourceEdit; 4] = [
    (
        "src/lib.rs",
        "//! playground: programs built from hot-swappable modules.",
        "//! playground: programs made of modules that can be swapped.\n// A comment.",
    ),
    ("src/registry/registry.rs", "\n/// ", "\n/// Reworded. "),
    (
        "src/tools/watcher.rs",
        "debounce: Duration::from_millis(50),",
        "debounce: Duration::from_millis(60),",
    ),
    (
        "src/tools/linker.rs",
        "[\"wild\", \"mold\"]",
        "[\"wild\", \"mold\", \"ld.mold\"]",
    ),
];

/// An edit of a playground-ecs source file: `(file, from, to)`.
type SourceEdit = (&'static str, &'static str, &'static str);

/// A function body: what `describe` says.
pub const ECS_BODY_EDIT: SourceEdit = (
    "src/module.rs",
    "if stats.paused { \" (paused)\" } else { \"\" }\n        )",
    "if stats.paused { \" (paused)\" } else { \"\" }\n        ) + \" [rebuilt ECS]\"",
);

/// A declaration: the clock and resources gain a field.
const ECS_DECLARATION_EDIT: [SourceEdit; 2] = [
    (
        "src/module.rs",
        "    time_scale: f32,\n    resources: BTreeMap<u64, ModelValue>,\n}",
        "    time_scale: f32,\n    resources: BTreeMap<u64, ModelValue>,\n    ticks_skipped: u64,\n}",
    ),
    (
        "src/module.rs",
        "            resources: BTreeMap::new(),\n        }",
        "            resources: BTreeMap::new(),\n            ticks_skipped: 0,\n        }",
    ),
];

/// playground-ecs's `EcsModule` alone as a module library (a crate whose
/// whole source is `pub use playground_ecs::EcsModule;` and
/// `export_module!(all)`, so loading it binds the viewmodels it links), built
/// from a copy of playground-ecs's sources with `edits` applied: the ECS
/// as its author would rebuild it after editing it.
fn build_ecs_library(edits: &[SourceEdit], fixture: Fixture) -> PathBuf {
    let root = fixture_target().join("ecs-library");
    let ecs = root.join("playground-ecs");
    let _ = std::fs::remove_dir_all(&ecs);
    playground_build::copy_sources(&workspace().join("playground-ecs/src"), &ecs.join("src"))
        .expect("copy the ECS");
    std::fs::copy(
        workspace().join("playground-ecs/build.rs"),
        ecs.join("build.rs"),
    )
    .expect("copy build.rs");
    for (file, from, to) in edits {
        let path = ecs.join(file);
        let text = std::fs::read_to_string(&path).expect("read the copy");
        assert!(text.contains(from), "{file} no longer contains {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("edit the copy");
    }
    // Under another package name (the library name stays `playground_ecs`,
    // which model ids hash): its artifacts must not overwrite those of the
    // real playground-ecs that other fixtures link in the same directory.
    let manifest = std::fs::read_to_string(workspace().join("playground-ecs/Cargo.toml"))
        .expect("read playground-ecs's manifest")
        .replace(
            "name = \"playground-ecs\"",
            "name = \"playground-ecs-copy\"",
        )
        // Lints are the workspace's, which the copy is not in.
        .replace("[lints]\nworkspace = true\n", "")
        .replace(
            "path = \"../playground-build\"",
            &format!("path = {:?}", workspace().join("playground-build")),
        );
    std::fs::write(
        ecs.join("Cargo.toml"),
        format!("{manifest}\n[lib]\nname = \"playground_ecs\"\n"),
    )
    .expect("write the copy's manifest");
    let library = root.join("library");
    std::fs::create_dir_all(library.join("src")).expect("create the library crate");
    std::fs::write(
        library.join("Cargo.toml"),
        "[package]\nname = \"ecs-library\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n[dependencies]\nplayground-ecs = { package = \"playground-ecs-copy\", path = \"../playground-ecs\" }\nplayground-runtime.workspace = true\n",
    )
    .expect("write the library's manifest");
    std::fs::write(
        library.join("src/lib.rs"),
        "//! playground-ecs's viewmodel, alone in a module library.\npub use playground_ecs::EcsModule;\n\nplayground_runtime::export_module!(all);\n",
    )
    .expect("write the library's source");
    let workspace_manifest = std::fs::read_to_string(workspace().join("Cargo.toml"))
        .expect("read the workspace manifest");
    let profiles = &workspace_manifest[workspace_manifest
        .find("[profile")
        .expect("the workspace sets profiles")..];
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[workspace]\nmembers = [\"playground-ecs\", \"library\"]\nresolver = \"3\"\n\n[workspace.package]\nversion = \"0.1.0\"\nedition = \"2024\"\nrust-version = \"1.88\"\nlicense = \"MIT OR Apache-2.0\"\n\n[workspace.dependencies]\nplayground-runtime = {{ path = {:?} }}\n\n{profiles}",
            workspace().join("playground-runtime")
        ),
    )
    .expect("write the workspace manifest");
    std::fs::copy(workspace().join("Cargo.lock"), root.join("Cargo.lock"))
        .expect("copy Cargo.lock");
    build(&library.join("Cargo.toml"), &[], fixture)
}

/// The host program `alloc-host` (a fixture binary), built on first use,
/// with `features`.
pub fn alloc_host(features: &[&str]) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<Vec<String>, PathBuf>>> = OnceLock::new();
    let key: Vec<String> = features.iter().map(|f| f.to_string()).collect();
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(path) = built.get(&key) {
        return path.clone();
    }
    let _lock = FixtureLock::take();
    let host = fixture_build(&fixture_manifest("alloc-host"), features, "")
        .run_executable("alloc-host")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = fixture_target().join("out");
    std::fs::create_dir_all(&out).expect("create fixtures/out");
    let copy = out.join(format!("alloc-host-{}", features.join("-")));
    replace_with_copy(&host, &copy);
    built.insert(key, copy.clone());
    copy
}

/// The `playground-inspect` binary, built on first use.
pub fn inspector() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let _lock = FixtureLock::take();
            fixture_build(&workspace().join("playground-runtime/Cargo.toml"), &[], "")
                .run_executable("playground-inspect")
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .clone()
}

/// Makes a FIFO (named pipe) at `path`, which no one writes: opening it
/// for reading would block.
pub fn fifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        0,
    )
    .expect("make a FIFO");
}

/// The counter module's version as its source states it.
pub const FIXTURE_VERSION: &str = "if cfg!(feature = \"v2\") { 2 } else { 1 }";

/// Edits the copy's `const VERSION: u32 = from;` to `to`.
pub fn set_version(source: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(source).unwrap();
    let edited = text.replace(
        &format!("const VERSION: u32 = {from};"),
        &format!("const VERSION: u32 = {to};"),
    );
    assert_ne!(text, edited, "the edit applies");
    std::fs::write(source, edited).unwrap();
}

/// A copy of the counter module under `target/build-tests/<dir>`, as
/// the build tests' watched copy, as package `package` (copies built into one target
/// directory need names of their own).
pub fn module_copy(dir: &str, package: &str) -> PathBuf {
    let fixture = workspace().join("reload-tests/fixtures/counter-module");
    let dir = workspace().join("target/build-tests").join(dir);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::copy(fixture.join("src/lib.rs"), dir.join("src/lib.rs")).unwrap();
    let manifest = std::fs::read_to_string(fixture.join("Cargo.toml"))
        .unwrap()
        .replace("edition.workspace = true", "edition = \"2024\"")
        .replace("name = \"counter-module\"", &format!("name = {package:?}"))
        .replace(
            "counter-api = { path = \"../counter-api\" }",
            &format!(
                "counter-api = {{ path = {:?} }}",
                workspace().join("reload-tests/fixtures/counter-api")
            ),
        )
        .replace(
            "playground-runtime.workspace = true",
            &format!(
                "playground-runtime = {{ path = {:?} }}",
                workspace().join("playground-runtime")
            ),
        );
    std::fs::write(dir.join("Cargo.toml"), format!("{manifest}\n[workspace]\n")).unwrap();
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir.join("Cargo.toml")
}

/// The `.comment` lines the linker left in a library ("Linker: LLD ...").
pub fn comment(library: &Path) -> String {
    use object::{Object, ObjectSection};
    let bytes = std::fs::read(library).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    file.section_by_name(".comment")
        .and_then(|section| section.data().ok())
        .map(|data| String::from_utf8_lossy(data).replace('\0', "\n"))
        .unwrap_or_default()
}

/// When the file at `path` was last written.
pub fn modified(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

/// Takes and holds cargo's lock on the artifact directory of `library`
/// (`.cargo-lock` beside it), as a cargo build of that directory does
/// while it runs; released when the file returned is dropped.
pub fn hold_cargo_lock(library: &Path) -> std::fs::File {
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(library.with_file_name(".cargo-lock"))
        .unwrap();
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).unwrap();
    lock
}

/// The shared libraries `library` names in its dynamic section
/// (`DT_NEEDED`).
pub fn needed(library: &Path) -> Vec<String> {
    use object::read::elf::ElfFile64;
    let bytes = std::fs::read(library).unwrap();
    let elf = ElfFile64::<object::Endianness>::parse(&*bytes).unwrap();
    let table = elf
        .elf_section_table()
        .dynamic_table(elf.endian(), elf.data())
        .unwrap();
    table
        .iter()
        .filter(|entry| entry.tag == object::elf::DT_NEEDED)
        .map(|entry| String::from_utf8_lossy(table.string(entry).unwrap()).into_owned())
        .collect()
}
