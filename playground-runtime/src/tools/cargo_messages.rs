//! cargo's machine-readable messages, as a build reads them.

use crate::loading::bytes::LibraryBytes;
use crate::tools::built::{BuildError, Built};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Instant;

/// Reads and hashes the library once, and writes its `.sha256` beside it:
/// the build is finished.
pub(crate) fn finish(
    library: PathBuf,
    start: Instant,
    compiled: usize,
    direct: bool,
) -> Result<Built, BuildError> {
    let hash_error = |source| BuildError::Hash {
        library: library.clone(),
        source,
    };
    let bytes = LibraryBytes::read(&library).map_err(hash_error)?;
    bytes.record().map_err(hash_error)?;
    Ok(Built {
        sha256: bytes.sha256().to_owned(),
        bytes,
        library,
        elapsed: start.elapsed(),
        compiled,
        direct,
    })
}

/// One artifact of the manifest's package.
pub(crate) struct Artifact {
    pub(crate) name: String,
    pub(crate) src_path: Option<PathBuf>,
    pub(crate) kind: Vec<String>,
    pub(crate) filenames: Vec<PathBuf>,
    pub(crate) executable: Option<PathBuf>,
}

/// The fields of cargo's JSON messages that a build reads.
#[derive(Deserialize)]
pub(crate) struct Message {
    pub(crate) reason: String,
    #[serde(default)]
    pub(crate) manifest_path: Option<PathBuf>,
    #[serde(default)]
    pub(crate) target: Option<Target>,
    #[serde(default)]
    pub(crate) filenames: Vec<PathBuf>,
    #[serde(default)]
    pub(crate) executable: Option<PathBuf>,
    #[serde(default)]
    pub(crate) fresh: bool,
}

#[derive(Deserialize)]
pub(crate) struct Target {
    pub(crate) name: String,
    pub(crate) kind: Vec<String>,
    #[serde(default)]
    pub(crate) src_path: Option<PathBuf>,
}

/// The fields of rustc's JSON messages that a direct rebuild reads.
#[derive(Deserialize)]
pub(crate) struct RustcMessage {
    #[serde(default)]
    pub(crate) rendered: Option<String>,
    #[serde(default)]
    pub(crate) artifact: Option<PathBuf>,
    #[serde(default)]
    pub(crate) emit: Option<String>,
}
