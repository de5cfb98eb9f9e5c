//! What a build reports: its progress, the library it built, or why it failed.

use crate::loading::bytes::LibraryBytes;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;

/// What cargo is doing, as [`Build::on_progress`](crate::Build::on_progress) hears it.
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
///
/// It keeps the library's bytes as the build read and hashed them once
/// cargo was done ([`Built::bytes`]), so that
/// [`Registry::load_bytes`](crate::Registry::load_bytes) loads exactly
/// those without reading or hashing the file again.
#[derive(Clone)]
#[non_exhaustive]
pub struct Built {
    /// The module's library, as cargo named it.
    pub library: PathBuf,
    /// Its SHA-256 (lowercase hex), also written to `<library>.sha256`.
    pub sha256: String,
    /// Wall time of the build, hash included.
    pub elapsed: Duration,
    /// Crates compiled (not up to date already).
    pub compiled: usize,
    /// Built by running rustc directly ([`Build::fast_rebuilds`](crate::Build::fast_rebuilds)).
    pub direct: bool,
    pub(crate) bytes: LibraryBytes,
}

impl Built {
    /// The library's bytes as this build read and hashed them, for
    /// [`Registry::load_bytes`](crate::Registry::load_bytes).
    pub fn bytes(&self) -> &LibraryBytes {
        &self.bytes
    }
}

impl fmt::Debug for Built {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Built")
            .field("library", &self.library)
            .field("sha256", &self.sha256)
            .field("bytes", &self.bytes.len())
            .field("elapsed", &self.elapsed)
            .field("compiled", &self.compiled)
            .field("direct", &self.direct)
            .finish()
    }
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
