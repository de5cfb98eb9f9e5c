//! Building a module library with cargo: the one place the project runs
//! `cargo build` (the watcher, the examples and the tests all come here).
//!
//! ```no_run
//! use playground_runtime::{Build, Registry};
//!
//! let built = Build::new("physics/Cargo.toml")
//!     .on_progress(|p| eprintln!("{p}"))
//!     .run()?;
//! let registry = Registry::linked();
//! registry.load_bytes(built.bytes())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! cargo is asked for its machine-readable messages
//! (`--message-format=json-render-diagnostics`): each compiled crate is a
//! progress report, and the library's path is the one cargo names, whatever
//! the crate's library is called or wherever its target directory is. The
//! library is then read once and hashed, and its SHA-256 written beside it
//! (`<library>.sha256`), the mark of a finished build that the loader and
//! [`Watcher::library`](crate::Watcher::library) check; the bytes are kept
//! ([`Built::bytes`]) for [`Registry::load_bytes`](crate::Registry::load_bytes).
//!
//! The defaults are the fast ones, in any workspace and profile: the module
//! crate without debug info ([`Build::module_debuginfo`]), rebuilds by
//! rustc alone while only the module's sources change
//! ([`Build::fast_rebuilds`]), linked by the fastest linker on `PATH`
//! ([`Linker::Fastest`]).

use crate::tools::built::{BuildError, BuildProgress, Built};
use crate::tools::cargo_messages::{Artifact, Message, RustcMessage, finish};
use crate::tools::direct::{Direct, canonical, module_sources, stamp};
use crate::tools::linker::{Linker, fastest_linker, linker_dir};
use crate::tools::source_contents::SourceContents;
use crate::tools::thin::{Support, reads_its_own_sections};
use std::ffi::OsString;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How to build a module crate: `cargo build --manifest-path ...`, into a
/// target directory of its own if asked (the one of a running `cargo run`
/// is locked while it runs).
#[derive(Clone)]
#[non_exhaustive]
pub struct Build {
    /// The module's `Cargo.toml` (a package's, possibly inside a workspace:
    /// only that package is built).
    pub manifest_path: PathBuf,
    /// `--features`.
    pub features: Vec<String>,
    /// `CARGO_TARGET_DIR`, if not cargo's default.
    pub target_dir: Option<PathBuf>,
    /// Build with `--release`.
    pub release: bool,
    /// Extra environment variables for cargo (e.g. `CARGO_PROFILE_DEV_DEBUG`).
    pub env: Vec<(OsString, OsString)>,
    /// Directories whose changes call for a rebuild (for
    /// [`Watcher::build`](crate::Watcher::build)); `src/` beside the
    /// manifest by default.
    pub sources: Vec<PathBuf>,
    /// Whether the module crate itself is compiled with the profile's
    /// debug info (see [`Build::module_debuginfo`]). `false` by default.
    pub module_debuginfo: bool,
    /// Whether rebuilds may run rustc directly (see
    /// [`Build::fast_rebuilds`]). `true` by default.
    pub fast_rebuilds: bool,
    /// The linker of those direct rebuilds (see [`Build::linker`]): the
    /// fastest found by default.
    pub linker: Linker,
    /// Whether those direct rebuilds link the module's own code only,
    /// against a support library of its dependencies (see
    /// [`Build::thin_links`]). `true` by default.
    pub thin_links: bool,
    /// Whether [`BuildError::Failed`] keeps the compiler's ANSI colours (see
    /// [`Build::colored_diagnostics`]). `false` by default.
    pub colored_diagnostics: bool,
    /// What [`Linker::Fastest`] found, looked for once; shared by the
    /// clones of this build.
    fastest: Arc<std::sync::OnceLock<Option<PathBuf>>>,
    /// Set when [`Build::linker`] failed to link: rustc's own links from
    /// then on. Shared by the clones of this build.
    linker_failed: Arc<std::sync::atomic::AtomicBool>,
    /// The module crate's rustc command, from the last cargo build; shared
    /// by the clones of this build.
    direct: Arc<Mutex<Option<Direct>>>,
    /// The support library of that command, made in the background after
    /// the cargo build that captured it (`None` inside: it cannot be).
    support: Arc<Mutex<Option<SupportSlot>>>,
    /// Set when a thin link failed: full links from then on.
    thin_failed: Arc<std::sync::atomic::AtomicBool>,
    /// Held while rustc runs the module crate's command (a direct rebuild,
    /// or its warm-up: they write the same files); how many direct
    /// rebuilds ran.
    direct_runs: Arc<Mutex<u64>>,
    /// What the files under `sources` held when the last successful run
    /// read them; shared by the clones of this build.
    built_sources: Arc<Mutex<Option<SourceContents>>>,
    progress: Option<ProgressFn>,
}

/// A support library being made, or made, for one rustc command.
struct SupportSlot {
    args: Vec<OsString>,
    ready: Arc<std::sync::OnceLock<Option<Support>>>,
}

/// What [`Build::on_progress`] keeps.
pub(crate) type ProgressFn = Arc<dyn Fn(&BuildProgress) + Send + Sync>;

impl fmt::Debug for Build {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Build")
            .field("manifest_path", &self.manifest_path)
            .field("features", &self.features)
            .field("target_dir", &self.target_dir)
            .field("release", &self.release)
            .field("env", &self.env)
            .field("sources", &self.sources)
            .field("module_debuginfo", &self.module_debuginfo)
            .field("fast_rebuilds", &self.fast_rebuilds)
            .field("linker", &self.linker)
            .field("thin_links", &self.thin_links)
            .field("colored_diagnostics", &self.colored_diagnostics)
            .finish_non_exhaustive()
    }
}

impl Build {
    /// A debug build of the package at `manifest_path`, into cargo's
    /// default target directory, watching `src/` beside it.
    pub fn new(manifest_path: impl Into<PathBuf>) -> Build {
        let manifest_path = absolute(manifest_path.into());
        let sources = manifest_path
            .parent()
            .map(|dir| vec![dir.join("src")])
            .unwrap_or_default();
        Build {
            manifest_path,
            features: Vec::new(),
            target_dir: None,
            release: false,
            env: Vec::new(),
            sources,
            module_debuginfo: false,
            fast_rebuilds: true,
            linker: Linker::Fastest,
            thin_links: true,
            colored_diagnostics: false,
            fastest: Arc::default(),
            linker_failed: Arc::default(),
            direct: Arc::default(),
            support: Arc::default(),
            thin_failed: Arc::default(),
            direct_runs: Arc::default(),
            built_sources: Arc::default(),
            progress: None,
        }
    }

    /// Builds into `dir` (`CARGO_TARGET_DIR`).
    pub fn target_dir(mut self, dir: impl Into<PathBuf>) -> Build {
        self.target_dir = Some(absolute(dir.into()));
        self
    }

    /// Builds with `--release`.
    pub fn release(mut self, release: bool) -> Build {
        self.release = release;
        self
    }

    /// Enables cargo features of the package.
    pub fn features<S: Into<String>>(mut self, features: impl IntoIterator<Item = S>) -> Build {
        self.features.extend(features.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable for cargo.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Build {
        self.env.push((key.into(), value.into()));
        self
    }

    /// With `false`, the default, the module crate itself is compiled
    /// without debug info and its library is linked with the debug info
    /// stripped (`--config profile.<profile>.package.<module>.debug=false`
    /// and `strip = "debuginfo"`): its dependencies keep the profile's
    /// settings, so their artifacts stay shared with a host built in the
    /// same target directory. The library is then a tenth or a twentieth
    /// of the size, and a rebuild after an edit links faster (see
    /// BENCHMARKS.md, edit-to-swap). Panics in module code keep their file
    /// and line; backtraces through it lose theirs.
    ///
    /// With `true`, the module keeps the profile's debug info: what
    /// stepping through module code in a debugger needs.
    pub fn module_debuginfo(mut self, keep: bool) -> Build {
        self.module_debuginfo = keep;
        self
    }

    /// With `true`, the default, a rebuild runs rustc directly with the
    /// command line
    /// cargo used for the module crate the last time it compiled it,
    /// instead of running cargo (whose start-up and check of every
    /// dependency cost about 70 ms on this project's machine, against
    /// about 120 ms for rustc on a small module). Only while nothing but the
    /// module's sources changed: the module's manifest, the workspace's
    /// manifest and lockfile and every dependency's artifact must be the
    /// files cargo saw, the module must have no build script, and the
    /// first build always goes through cargo. Anything else, and any
    /// doubt, goes through cargo. The library is where cargo puts it.
    pub fn fast_rebuilds(mut self, on: bool) -> Build {
        self.fast_rebuilds = on;
        self
    }

    /// Links the rebuilds that run rustc directly ([`Build::fast_rebuilds`])
    /// with `linker`, a GNU-compatible linker such as
    /// [wild](https://github.com/davidlattimore/wild) or mold, instead of
    /// the fastest one found on `PATH` ([`Linker::Fastest`], the default).
    /// Linking is the largest part of a module's rebuild: on this
    /// project's machine wild links the hot_reload example's module in
    /// about half the time rustc's own lld takes (BENCHMARKS.md,
    /// edit-to-swap).
    ///
    /// Linux only (elsewhere it is ignored, with a warning): the C compiler
    /// rustc links through is pointed at a directory where `ld` is
    /// `linker` (`-C link-arg=-B...`, `-C linker-features=-lld`). Builds
    /// that go through cargo keep rustc's linker: flags given to cargo
    /// apply to every crate and would rebuild the dependencies the module
    /// shares with its host. A linker that is missing, or that fails to
    /// link, is given up with a warning, and the rebuild links with
    /// rustc's.
    pub fn linker(self, linker: impl Into<PathBuf>) -> Build {
        self.link_with(Linker::Path(absolute(linker.into())))
    }

    /// Chooses how direct rebuilds link: [`Linker::Fastest`] (the default),
    /// [`Linker::Rustc`] or [`Linker::Path`].
    pub fn link_with(mut self, linker: Linker) -> Build {
        self.linker = linker;
        self
    }

    /// With `true`, the default, rebuilds that run rustc directly
    /// ([`Build::fast_rebuilds`]) link the module's own code only, against
    /// a shared support library that holds everything else the module
    /// links (its dependencies, playground-runtime, std), instead of
    /// copying all of that into every rebuilt library. The support library
    /// is made once per set of dependencies, in the background after the
    /// build that goes through cargo (about a second, the program that
    /// links thin compiled meanwhile on another core), under
    /// `.playground-support/<crate>/` beside the library (the one for the
    /// crate's current dependencies); then the module's rustc command is
    /// run once, so that the first rebuild is incremental (the direct
    /// rebuilds' incremental directory is apart from cargo's). Until it
    /// is ready, and
    /// if it cannot be made or a thin link fails, rebuilds link in full.
    /// The loader reads a thin module's registrations from both files and
    /// checks both builds. Linux only, as [`Build::linker`].
    ///
    /// A module's code then uses the support library's std and
    /// dependencies: one panic runtime and one allocator (the system's)
    /// for both. Not with a program that exports Rust symbols of its own
    /// (linked with `-rdynamic`): rebuilds then link in full.
    pub fn thin_links(mut self, on: bool) -> Build {
        self.thin_links = on;
        self
    }

    /// With `true`, the compiler's errors in [`BuildError::Failed`] keep
    /// their ANSI colours, for a terminal; plain text by default, whether
    /// the build went through cargo or ran rustc directly.
    pub fn colored_diagnostics(mut self, on: bool) -> Build {
        self.colored_diagnostics = on;
        self
    }

    /// Watches these directories instead of `src/` (see
    /// [`Watcher::build`](crate::Watcher::build)).
    pub fn sources(mut self, sources: impl IntoIterator<Item = PathBuf>) -> Build {
        self.sources = sources.into_iter().map(absolute).collect();
        self
    }

    /// Calls `report` as cargo works (each crate it finishes). Progress is
    /// also logged with `tracing` (`info` for compiled crates), with or
    /// without this.
    pub fn on_progress(mut self, report: impl Fn(&BuildProgress) + Send + Sync + 'static) -> Build {
        self.progress = Some(Arc::new(report));
        self
    }

    /// Builds the module library, writes its `.sha256` beside it and
    /// returns where it is.
    pub fn run(&self) -> Result<Built, BuildError> {
        // The sources as the compiler is about to read them: an edit made
        // while it runs differs from them, and is built next time.
        let read = SourceContents::of_files_under(&self.sources);
        let built = self.build()?;
        *self.built_sources.lock().unwrap_or_else(|e| e.into_inner()) = Some(read);
        Ok(built)
    }

    /// Which of `paths` (files under [`Build::sources`]) hold something
    /// else than the last successful [`Build::run`] read: all of them if
    /// none ran.
    pub(crate) fn edited_since_built(&self, paths: &[PathBuf]) -> Vec<PathBuf> {
        match &*self.built_sources.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(read) => read.changed_among(paths),
            None => SourceContents::default().changed_among(paths),
        }
    }

    /// [`Build::run`]'s work: cargo, or rustc alone.
    fn build(&self) -> Result<Built, BuildError> {
        let start = Instant::now();
        let direct = self
            .direct
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        // The module's own sources as they are before this build reads them:
        // an edit made while it runs is built next time.
        let sources = if self.fast_rebuilds {
            module_sources(&self.manifest_path)
        } else {
            Vec::new()
        };
        if let Some(direct) = direct.filter(Direct::still_valid) {
            if direct.sources == sources && direct.library_stamp == stamp(&direct.library) {
                // Nothing changed since the last build: as cargo would, take
                // the library as it is.
                return finish(direct.library.clone(), start, 0, true);
            }
            let built = {
                let mut runs = self.direct_runs.lock().unwrap_or_else(|e| e.into_inner());
                *runs += 1;
                self.run_direct(&direct, start)?
            };
            if let Some(kept) = &mut *self.direct.lock().unwrap_or_else(|e| e.into_inner())
                && kept.library == built.library
            {
                kept.sources = sources;
                kept.library_stamp = stamp(&built.library);
            }
            return Ok(built);
        }
        let CargoRun {
            artifacts,
            dependencies,
            compiled,
            log,
        } = self.cargo()?;
        let (artifact, library) = artifacts
            .iter()
            .rev()
            .filter(|a| a.kind.iter().any(|k| k == "cdylib"))
            .find_map(|a| {
                let library = a.filenames.iter().find(|f| {
                    f.extension()
                        .is_some_and(|e| e == std::env::consts::DLL_EXTENSION)
                })?;
                Some((a, library.clone()))
            })
            .ok_or_else(|| BuildError::NoArtifact {
                manifest_path: self.manifest_path.clone(),
                kind: "cdylib".into(),
            })?;
        if self.fast_rebuilds && compiled > 0 {
            let captured =
                Direct::capture(&log, artifact, &library, &self.manifest_path, &dependencies).map(
                    |direct| Direct {
                        sources,
                        library_stamp: stamp(&library),
                        ..direct
                    },
                );
            match &captured {
                None => {
                    tracing::debug!("no rustc command to rebuild with directly; cargo it stays")
                }
                Some(direct) => self.prepare_support(direct),
            }
            *self.direct.lock().unwrap_or_else(|e| e.into_inner()) = captured;
        }
        let built = finish(library, start, compiled, false)?;
        tracing::info!(
            library = %built.library.display(),
            compiled = built.compiled,
            elapsed_ms = built.elapsed.as_millis() as u64,
            "module built"
        );
        Ok(built)
    }

    /// Builds the package and returns its executable `name` (a host program
    /// or a tool, e.g. for tests that run one).
    pub fn run_executable(&self, name: &str) -> Result<PathBuf, BuildError> {
        let artifacts = self.cargo()?.artifacts;
        artifacts
            .into_iter()
            .filter(|a| a.name == name && a.kind.iter().any(|k| k == "bin"))
            .find_map(|a| a.executable)
            .ok_or_else(|| BuildError::NoArtifact {
                manifest_path: self.manifest_path.clone(),
                kind: format!("binary {name}"),
            })
    }

    /// The plain `cargo build` this build runs (same manifest, features,
    /// profile settings and environment), without the flags it adds to
    /// read cargo's messages: what to run by hand, or to time as a floor.
    pub fn command(&self) -> Result<Command, BuildError> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .arg("build")
            .arg("--manifest-path")
            .arg(&self.manifest_path)
            .stdin(Stdio::null());
        if self.release {
            command.arg("--release");
        }
        if !self.features.is_empty() {
            command.arg("--features").arg(self.features.join(","));
        }
        let package = package_name(&self.manifest_path);
        if package.is_none() && !self.module_debuginfo {
            tracing::debug!(
                manifest = %self.manifest_path.display(),
                "no package name found; the module keeps the profile's debug info"
            );
        }
        if let Some(package) = package.filter(|_| !self.module_debuginfo) {
            let profile = if self.release { "release" } else { "dev" };
            // Both: without `strip`, the dependencies' debug info is still
            // linked in (a 21 MB library against 1 MB, measured).
            for setting in ["debug=false", "strip=\"debuginfo\""] {
                command
                    .arg("--config")
                    .arg(format!("profile.{profile}.package.\"{package}\".{setting}"));
            }
        }
        // What cargo set for the program that runs this build (a host
        // started by `cargo run`, a test): build scripts that declare
        // `rerun-if-env-changed` on these (ring's does, on its own
        // `CARGO_PKG_NAME`) would run again in this build, and again in
        // the next `cargo run` of the host, each time recompiling their
        // crate and everything above it.
        for (key, _) in std::env::vars_os() {
            if key.to_str().is_some_and(set_by_cargo_for_a_program) {
                command.env_remove(key);
            }
        }
        if let Some(dir) = &self.target_dir {
            command.env("CARGO_TARGET_DIR", dir);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        Ok(command)
    }

    /// Runs cargo: what it made (see [`CargoRun`]).
    fn cargo(&self) -> Result<CargoRun, BuildError> {
        let mut command = self.command()?;
        command
            .arg("--message-format=json-render-diagnostics")
            // Piped, cargo would colour nothing; a terminal may want colours.
            .arg(if self.colored_diagnostics {
                "--color=always"
            } else {
                "--color=never"
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.fast_rebuilds {
            // The commands cargo runs, with their environment: the module's
            // is kept for the next rebuild.
            command.arg("-vv");
        }
        let spawn_error = |source| BuildError::Spawn {
            manifest_path: self.manifest_path.clone(),
            source,
        };
        let mut child = command.spawn().map_err(spawn_error)?;
        self.report(&BuildProgress::Started {
            manifest_path: self.manifest_path.clone(),
        });
        // stderr (rendered diagnostics, cargo's status lines) is drained on
        // a thread of its own, so that neither pipe can fill and stall cargo.
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let diagnostics = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let stdout = child.stdout.take().expect("stdout is piped");
        let own_manifest = canonical(&self.manifest_path);
        let mut artifacts = Vec::new();
        let mut dependencies = Vec::new();
        let (mut done, mut compiled) = (0, 0);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // Lines that are not cargo's messages (a build script's output
            // can end up here) are skipped.
            let Ok(message) = serde_json::from_str::<Message>(&line) else {
                continue;
            };
            if message.reason != "compiler-artifact" {
                continue;
            }
            let Some(target) = message.target else {
                continue;
            };
            done += 1;
            if !message.fresh {
                compiled += 1;
                tracing::info!(krate = %target.name, done, "compiled");
            }
            self.report(&BuildProgress::Compiled {
                krate: target.name.clone(),
                fresh: message.fresh,
                done,
            });
            let own = message.manifest_path.as_deref().is_some_and(|path| {
                path == self.manifest_path
                    || path == own_manifest
                    || canonical(path) == own_manifest
            });
            if own {
                artifacts.push(Artifact {
                    name: target.name,
                    src_path: target.src_path,
                    kind: target.kind,
                    filenames: message.filenames,
                    executable: message.executable,
                });
            } else {
                dependencies.extend(message.filenames);
            }
        }
        let status = child.wait().map_err(spawn_error)?;
        let diagnostics = diagnostics.join().unwrap_or_default();
        if !status.success() {
            return Err(BuildError::Failed {
                manifest_path: self.manifest_path.clone(),
                diagnostics,
            });
        }
        Ok(CargoRun {
            artifacts,
            dependencies,
            compiled,
            log: diagnostics,
        })
    }

    /// A rebuild with rustc alone (see [`Build::fast_rebuilds`]).
    fn run_direct(&self, direct: &Direct, start: Instant) -> Result<Built, BuildError> {
        self.report(&BuildProgress::Started {
            manifest_path: self.manifest_path.clone(),
        });
        let linking = self.linker_args(&direct.library);
        let thin = self.ready_support(direct);
        let output = {
            // A cargo build of the same target directory (run by hand, or
            // by another `Build`) writes the same files: wait for it, as
            // cargo itself would. Released before any fallback to cargo.
            let _cargo = direct.library.parent().and_then(artifact_lock);
            Command::new(&direct.program)
                .args(direct.args.iter().map(|arg| self.diagnostics_colour(arg)))
                .args(&linking)
                .args(thin.iter().flat_map(Support::linker_args))
                .envs(direct.env.iter().map(|(k, v)| (k, v)))
                .current_dir(&direct.cwd)
                .stdin(Stdio::null())
                .output()
                .map_err(|source| BuildError::Spawn {
                    manifest_path: self.manifest_path.clone(),
                    source,
                })?
        };
        // rustc's messages, one JSON object a line (`--error-format=json`):
        // diagnostics with their rendered text, and the files it wrote.
        let mut rendered = String::new();
        let mut written = None;
        for line in String::from_utf8_lossy(&output.stderr).lines() {
            match serde_json::from_str::<RustcMessage>(line) {
                Ok(RustcMessage {
                    rendered: Some(text),
                    ..
                }) => rendered.push_str(&text),
                Ok(RustcMessage {
                    artifact: Some(path),
                    emit: Some(emit),
                    ..
                }) if emit == "link"
                    && path
                        .extension()
                        .is_some_and(|e| e == std::env::consts::DLL_EXTENSION) =>
                {
                    written = Some(path)
                }
                Ok(_) => {}
                Err(_) => {
                    rendered.push_str(line);
                    rendered.push('\n');
                }
            }
        }
        if !output.status.success() {
            // rustc's message when the link step fails ("linking with `cc`
            // failed"): not the user's code. A thin link is given up first,
            // then the linker: once more with rustc's.
            if let Some(support) = thin.filter(|_| rendered.contains("linking with")) {
                tracing::warn!(
                    support = %support.library.display(),
                    diagnostics = %rendered,
                    "a thin link failed; linking in full from now on"
                );
                self.thin_failed
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                return self.run_direct(direct, start);
            }
            if !linking.is_empty() && rendered.contains("linking with") {
                tracing::warn!(
                    linker = ?self.linker,
                    diagnostics = %rendered,
                    "the linker failed; linking with rustc's from now on"
                );
                self.linker_failed
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                return self.run_direct(direct, start);
            }
            // A dependency rustc cannot find (E0463) is not the user's code
            // either: the command is stale; cargo builds, and captures anew.
            if rendered.contains("error[E0463]") {
                tracing::debug!(diagnostics = %rendered, "a dependency went missing; building with cargo");
                *self.direct.lock().unwrap_or_else(|e| e.into_inner()) = None;
                return self.run();
            }
            return Err(BuildError::Failed {
                manifest_path: self.manifest_path.clone(),
                diagnostics: rendered,
            });
        }
        let Some(written) = written else {
            // Not what cargo's command did before: forget it, use cargo.
            *self.direct.lock().unwrap_or_else(|e| e.into_inner()) = None;
            return self.run();
        };
        if let Some(support) = thin.filter(|_| !reads_its_own_sections(&written)) {
            tracing::warn!(
                support = %support.library.display(),
                "a thin link left the module's registrations to another image; \
                 linking in full from now on"
            );
            self.thin_failed
                .store(true, std::sync::atomic::Ordering::Relaxed);
            return self.run_direct(direct, start);
        }
        // Where cargo puts the library (it links it out of `deps/`).
        let library = direct.library.clone();
        if written != library {
            let _ = std::fs::remove_file(&library);
            std::fs::hard_link(&written, &library)
                .or_else(|_| std::fs::copy(&written, &library).map(drop))
                .map_err(|source| BuildError::Hash {
                    library: library.clone(),
                    source,
                })?;
        }
        self.report(&BuildProgress::Compiled {
            krate: direct.krate.clone(),
            fresh: false,
            done: 1,
        });
        let built = finish(library, start, 1, true)?;
        tracing::info!(
            library = %built.library.display(),
            elapsed_ms = built.elapsed.as_millis() as u64,
            "module rebuilt with rustc directly"
        );
        Ok(built)
    }

    /// `arg` of a captured rustc command as this build wants it: cargo asks
    /// rustc for diagnostics rendered with ANSI colours
    /// (`--json=diagnostic-rendered-ansi,...`), plain text unless
    /// [`Build::colored_diagnostics`] was asked for.
    fn diagnostics_colour(&self, arg: &OsString) -> OsString {
        let Some(kinds) = arg.to_str().and_then(|a| a.strip_prefix("--json=")) else {
            return arg.clone();
        };
        let kinds: Vec<&str> = kinds
            .split(',')
            .filter(|kind| self.colored_diagnostics || *kind != "diagnostic-rendered-ansi")
            .collect();
        format!("--json={}", kinds.join(",")).into()
    }

    /// rustc's arguments that link with [`Build::linker`]: a directory
    /// beside the library where `ld` is the linker, searched first by the
    /// C compiler. None without a linker, off Linux, after the linker
    /// failed, or if the directory cannot be made (logged).
    fn linker_args(&self, library: &Path) -> Vec<OsString> {
        let linker = match &self.linker {
            Linker::Rustc => return Vec::new(),
            Linker::Path(linker) => linker,
            Linker::Fastest => {
                let found = self.fastest.get_or_init(|| {
                    let found = std::env::var_os("PATH").and_then(|path| fastest_linker(&path));
                    match &found {
                        Some(linker) => tracing::info!(linker = %linker.display(), "direct rebuilds link with it"),
                        None => tracing::info!("no wild or mold on PATH: direct rebuilds link with rustc's linker"),
                    }
                    found
                });
                let Some(linker) = found else {
                    return Vec::new();
                };
                linker
            }
        };
        if self
            .linker_failed
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            return Vec::new();
        }
        if !cfg!(target_os = "linux") {
            tracing::warn!(linker = %linker.display(), "Build::linker is Linux only; ignored");
            return Vec::new();
        }
        let dir = library
            .parent()
            .unwrap_or(Path::new("."))
            .join(".playground-linker");
        if let Err(error) = linker_dir(linker, &dir) {
            tracing::warn!(%error, linker = %linker.display(), "linking with rustc's linker");
            return Vec::new();
        }
        let mut search = OsString::from("link-arg=-B");
        search.push(&dir);
        let mut args: Vec<OsString> = vec!["-C".into(), search];
        if cfg!(target_arch = "x86_64") {
            // rustc links x86_64 Linux with its own lld unless told not to.
            args.extend(["-C".into(), "linker-features=-lld".into()]);
        }
        args
    }

    /// The support library that rebuilds link against (see
    /// [`Build::thin_links`]), waiting for it if it is being made: `None`
    /// before a cargo build captured a rustc command, with thin links off,
    /// or if it could not be made (logged).
    pub fn support_library(&self) -> Option<PathBuf> {
        let ready = {
            let slot = self.support.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(&slot.as_ref()?.ready)
        };
        ready.wait().as_ref().map(|support| support.library.clone())
    }

    /// Whether a support library is made or being made for the rebuilds
    /// (see [`Build::support_library`], which waits for it).
    pub(crate) fn makes_support_library(&self) -> bool {
        self.support
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Whether the support library is made (or failed to be): whether
    /// [`Build::support_library`] returns without waiting.
    pub(crate) fn support_library_is_ready(&self) -> bool {
        let slot = self.support.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().is_some_and(|slot| slot.ready.get().is_some())
    }

    /// Starts making the support library of `direct`'s command on a thread
    /// of its own (see [`Build::thin_links`]), unless thin links are off,
    /// failed before, or this command has one already.
    fn prepare_support(&self, direct: &Direct) {
        if !self.thin_links
            || !cfg!(target_os = "linux")
            || self.thin_failed.load(std::sync::atomic::Ordering::Relaxed)
        {
            return;
        }
        let mut slot = self.support.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|slot| slot.args == direct.args) {
            return;
        }
        let ready = Arc::new(std::sync::OnceLock::new());
        *slot = Some(SupportSlot {
            args: direct.args.clone(),
            ready: Arc::clone(&ready),
        });
        let direct = direct.clone();
        let direct_runs = Arc::clone(&self.direct_runs);
        let dir = direct
            .library
            .parent()
            .unwrap_or(Path::new("."))
            .join(".playground-support");
        let made = std::thread::Builder::new()
            .name("playground-support".into())
            .spawn(move || {
                let support = Support::prepare(&direct.program, &direct.args, &dir)
                    .inspect_err(|error| {
                        tracing::info!(%error, "no support library: rebuilds link in full");
                    })
                    .ok();
                if let Some(support) = &support {
                    // Not if a rebuild came first: it warmed up the same.
                    let runs = direct_runs.lock().unwrap_or_else(|e| e.into_inner());
                    if *runs == 0 {
                        warm_up(&direct, support);
                    }
                }
                let _ = ready.set(support);
            });
        if let Err(error) = made {
            tracing::debug!(%error, "no thread to make a support library on");
        }
    }

    /// The support library of `direct`'s command, if it is ready (and the
    /// command warmed up, see [`warm_up`]) and thin links are on.
    fn ready_support(&self, direct: &Direct) -> Option<Support> {
        if !self.thin_links || self.thin_failed.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        let slot = self.support.lock().unwrap_or_else(|e| e.into_inner());
        let slot = slot.as_ref().filter(|slot| slot.args == direct.args)?;
        slot.ready.get().cloned().flatten()
    }

    fn report(&self, progress: &BuildProgress) {
        if let Some(report) = &self.progress {
            report(progress);
        }
    }
}

/// Whether cargo sets `name` for the program it runs (`cargo run`,
/// `cargo test`), describing that program's package: not the environment
/// of the user's shell, which a build keeps.
pub(crate) fn set_by_cargo_for_a_program(name: &str) -> bool {
    const EXACT: [&str; 9] = [
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_MANIFEST_LINKS",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "OUT_DIR",
    ];
    EXACT.contains(&name) || name.starts_with("CARGO_PKG_") || name.starts_with("CARGO_BIN_EXE_")
}

/// The package name a manifest declares (the `name` of its `[package]`).
pub(crate) fn package_name(manifest: &Path) -> Option<String> {
    let text = std::fs::read_to_string(manifest).ok()?;
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package
            && let Some(value) = line.strip_prefix("name")
            && let Some(value) = value.trim_start().strip_prefix('=')
        {
            return Some(value.trim().trim_matches('"').to_owned());
        }
    }
    None
}

/// `path` made absolute against the current directory (as it is, if that
/// cannot be read).
pub(crate) fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

/// What one cargo run made.
struct CargoRun {
    /// The artifacts of the manifest's package.
    artifacts: Vec<Artifact>,
    /// Every file of the other artifacts the build made or found fresh:
    /// the package's dependencies.
    dependencies: Vec<PathBuf>,
    /// How many crates it compiled.
    compiled: usize,
    /// Its diagnostics and `-vv` log.
    log: String,
}

/// Runs `direct`'s command once, linked thin against `support`, so that
/// the direct rebuilds' incremental directory (apart from cargo's, see
/// [`Direct`]) holds a session: the first rebuild after a cargo build then
/// compiles what the edit changed, not the whole crate. Its output goes
/// where a rebuild's does (rustc's incremental state depends on it), in
/// the rebuilds' own directory beside `deps/`: the library cargo left,
/// which the program loaded, is another file. A failure (the sources mid-edit, say) only leaves the
/// first rebuild as slow as it was. The caller holds `direct_runs`, and
/// this holds cargo's lock on the directory: a cargo build of the crate
/// (another `Build`'s, or one run by hand) writes the same files, and
/// would otherwise take the warm-up's library for its own.
fn warm_up(direct: &Direct, support: &Support) {
    let Some(_cargo) = direct.library.parent().and_then(artifact_lock) else {
        return;
    };
    let status = Command::new(&direct.program)
        .args(&direct.args)
        .args(support.linker_args())
        .envs(direct.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&direct.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    tracing::debug!(?status, "direct rebuilds warmed up");
}

/// cargo's lock on its artifact directory `dir` (`dir/.cargo-lock`, which
/// every cargo build of that directory holds while it runs), taken and
/// held until the file returned is dropped; `None` if it cannot be taken.
fn artifact_lock(dir: &Path) -> Option<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join(".cargo-lock"))
        .ok()?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive).ok()?;
    Some(file)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_build_drops_what_cargo_set_for_the_running_program() {
        use super::set_by_cargo_for_a_program as dropped;
        for name in [
            "CARGO_PKG_NAME",
            "CARGO_PKG_VERSION_MAJOR",
            "CARGO_MANIFEST_DIR",
            "CARGO_CRATE_NAME",
            "CARGO_BIN_EXE_host",
            "OUT_DIR",
        ] {
            assert!(dropped(name), "{name}");
        }
        for name in [
            "CARGO",
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "CARGO_PROFILE_DEV_DEBUG",
            "RUSTFLAGS",
            "PATH",
            "CC",
        ] {
            assert!(!dropped(name), "{name}");
        }
    }
}
