//! Building a module library with cargo: the one place the project runs
//! `cargo build` (the watcher, the examples and the tests all come here).
//!
//! ```no_run
//! use playground_runtime::{Build, Registry};
//!
//! let built = Build::new("physics/Cargo.toml")
//!     .target_dir("target/modules")
//!     .on_progress(|p| eprintln!("{p}"))
//!     .run()?;
//! let registry = Registry::linked();
//! registry.load(&built.library)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! cargo is asked for its machine-readable messages
//! (`--message-format=json-render-diagnostics`): each compiled crate is a
//! progress report, and the library's path is the one cargo names, whatever
//! the crate's library is called or wherever its target directory is. The
//! library's SHA-256 is then written beside it (`<library>.sha256`), the
//! mark of a finished build that the loader and the watcher check.

use serde::Deserialize;
use std::ffi::OsString;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use thiserror::Error;

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
    /// Directories whose changes call for a rebuild (for [`Watcher::build`]
    /// (crate::Watcher::build)); `src/` beside the manifest by default.
    pub sources: Vec<PathBuf>,
    /// Whether the module crate itself is compiled with the profile's
    /// debug info (see [`Build::module_debuginfo`]). `true` by default.
    pub module_debuginfo: bool,
    progress: Option<ProgressFn>,
}

/// What [`Build::on_progress`] keeps.
type ProgressFn = Arc<dyn Fn(&BuildProgress) + Send + Sync>;

impl fmt::Debug for Build {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Build")
            .field("manifest_path", &self.manifest_path)
            .field("features", &self.features)
            .field("target_dir", &self.target_dir)
            .field("release", &self.release)
            .field("env", &self.env)
            .field("sources", &self.sources)
            .finish_non_exhaustive()
    }
}

/// What cargo is doing, as [`Build::on_progress`] hears it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildProgress {
    /// cargo started.
    Started {
        /// The manifest being built.
        manifest_path: PathBuf,
    },
    /// One crate (a library, a build script, the module) is ready.
    Compiled {
        /// The crate's name.
        krate: String,
        /// Up to date already: nothing was compiled.
        fresh: bool,
        /// Crates ready so far, this one included.
        done: usize,
    },
}

impl fmt::Display for BuildProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildProgress::Started { manifest_path } => {
                write!(f, "building {}", manifest_path.display())
            }
            BuildProgress::Compiled {
                krate,
                fresh: false,
                done,
            } => write!(f, "compiled {krate} ({done} crates ready)"),
            BuildProgress::Compiled {
                krate,
                fresh: true,
                done,
            } => write!(f, "{krate} up to date ({done} crates ready)"),
        }
    }
}

/// A finished build of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The module's library, as cargo named it.
    pub library: PathBuf,
    /// Its SHA-256 (lowercase hex), also written to `<library>.sha256`.
    pub sha256: String,
    /// Wall time of the build, hash included.
    pub elapsed: Duration,
    /// Crates compiled (not up to date already).
    pub compiled: usize,
}

/// Why a build gave no library.
#[derive(Debug, Error)]
pub enum BuildError {
    /// cargo could not be started.
    #[error("cannot run cargo for {}: {source}", manifest_path.display())]
    Spawn {
        /// The manifest.
        manifest_path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// cargo failed: the compiler's errors.
    #[error("building {} failed:\n{diagnostics}", manifest_path.display())]
    Failed {
        /// The manifest.
        manifest_path: PathBuf,
        /// What cargo and the compiler printed (rendered diagnostics).
        diagnostics: String,
    },
    /// The build succeeded but made no artifact of the asked kind.
    #[error(
        "building {} made no {kind}: is it a module crate (`crate-type = [\"cdylib\"]`)?",
        manifest_path.display()
    )]
    NoArtifact {
        /// The manifest.
        manifest_path: PathBuf,
        /// What was looked for (`cdylib`, or `binary NAME`).
        kind: String,
    },
    /// The library could not be read back to hash it.
    #[error("hashing {}: {source}", library.display())]
    Hash {
        /// The library.
        library: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
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
            module_debuginfo: true,
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

    /// With `false`, the module crate itself is compiled without debug info
    /// and its library is linked with the debug info stripped (`--config
    /// profile.<profile>.package.<module>.debug=false` and `strip =
    /// "debuginfo"`): its dependencies
    /// keep the profile's settings, so their artifacts stay shared with a
    /// host built in the same target directory. The library is then a
    /// tenth of the size, and a rebuild after an edit links faster (see
    /// BENCHMARKS.md, edit-to-swap). Backtraces through module code lose
    /// their file and line.
    pub fn module_debuginfo(mut self, keep: bool) -> Build {
        self.module_debuginfo = keep;
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
        let start = Instant::now();
        let (artifacts, compiled) = self.cargo()?;
        let library = artifacts
            .iter()
            .rev()
            .filter(|a| a.kind.iter().any(|k| k == "cdylib"))
            .flat_map(|a| &a.filenames)
            .find(|f| {
                f.extension()
                    .is_some_and(|e| e == std::env::consts::DLL_EXTENSION)
            })
            .cloned()
            .ok_or_else(|| BuildError::NoArtifact {
                manifest_path: self.manifest_path.clone(),
                kind: "cdylib".into(),
            })?;
        let sha256 = crate::watcher::write_sha256(&library).map_err(|source| BuildError::Hash {
            library: library.clone(),
            source,
        })?;
        let built = Built {
            library,
            sha256,
            elapsed: start.elapsed(),
            compiled,
        };
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
        let (artifacts, _) = self.cargo()?;
        artifacts
            .into_iter()
            .filter(|a| a.name == name && a.kind.iter().any(|k| k == "bin"))
            .find_map(|a| a.executable)
            .ok_or_else(|| BuildError::NoArtifact {
                manifest_path: self.manifest_path.clone(),
                kind: format!("binary {name}"),
            })
    }

    /// Runs cargo; the artifacts of the manifest's own package, and how many
    /// crates were compiled.
    fn cargo(&self) -> Result<(Vec<Artifact>, usize), BuildError> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .args(["build", "--message-format=json-render-diagnostics"])
            .arg("--manifest-path")
            .arg(&self.manifest_path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.release {
            command.arg("--release");
        }
        if !self.features.is_empty() {
            command.arg("--features").arg(self.features.join(","));
        }
        if !self.module_debuginfo {
            let profile = if self.release { "release" } else { "dev" };
            let package = package_name(&self.manifest_path).ok_or_else(|| BuildError::Failed {
                manifest_path: self.manifest_path.clone(),
                diagnostics: "no `name = \"...\"` in its [package] section".into(),
            })?;
            // Both: without `strip`, the dependencies' debug info is still
            // linked in (a 21 MB library against 1 MB, measured).
            for setting in ["debug=false", "strip=\"debuginfo\""] {
                command
                    .arg("--config")
                    .arg(format!("profile.{profile}.package.\"{package}\".{setting}"));
            }
        }
        if let Some(dir) = &self.target_dir {
            command.env("CARGO_TARGET_DIR", dir);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
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
                    kind: target.kind,
                    filenames: message.filenames,
                    executable: message.executable,
                });
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
        Ok((artifacts, compiled))
    }

    fn report(&self, progress: &BuildProgress) {
        if let Some(report) = &self.progress {
            report(progress);
        }
    }
}

/// One artifact of the manifest's package.
struct Artifact {
    name: String,
    kind: Vec<String>,
    filenames: Vec<PathBuf>,
    executable: Option<PathBuf>,
}

/// The fields of cargo's JSON messages that a build reads.
#[derive(Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    manifest_path: Option<PathBuf>,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    filenames: Vec<PathBuf>,
    #[serde(default)]
    executable: Option<PathBuf>,
    #[serde(default)]
    fresh: bool,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

/// The package name a manifest declares (the `name` of its `[package]`).
fn package_name(manifest: &Path) -> Option<String> {
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

fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

/// `path` with symlinks resolved, to compare the manifest cargo reports
/// with the one asked for.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}
