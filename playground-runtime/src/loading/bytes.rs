//! A library's bytes as read once, with their SHA-256, and the
//! `<library>.sha256` file beside it.

use crate::loading::file::{OpenError, read_regular_file, read_regular_file_up_to};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A library's bytes as read once from its file, with their SHA-256: what
/// a [`Build`](crate::Build) hands the loader
/// ([`Built::bytes`](crate::Built::bytes),
/// [`Registry::load_bytes`](crate::Registry::load_bytes)), so that a
/// library is read and hashed once, and what was hashed is what is checked
/// and mapped. Cloning it shares the bytes.
#[derive(Clone)]
pub struct LibraryBytes {
    path: PathBuf,
    bytes: Arc<Vec<u8>>,
    sha256: String,
}

impl LibraryBytes {
    /// Reads the regular file `library` and hashes it.
    pub(crate) fn read(library: &Path) -> std::io::Result<LibraryBytes> {
        let bytes = read_regular_file(library).map_err(|error| match error {
            OpenError::Io(error) => error,
            OpenError::NotAFile(kind) => std::io::Error::other(format!("{kind}, not a library")),
            other => std::io::Error::other(format!("{other:?}")),
        })?;
        let sha256 = sha256_hex(&bytes);
        Ok(LibraryBytes {
            path: library.to_owned(),
            bytes: Arc::new(bytes),
            sha256,
        })
    }

    /// Writes `<library>.sha256` with this hash (see [`write_sha256`]).
    pub(crate) fn record(&self) -> std::io::Result<()> {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sidecar = sidecar_path(&self.path);
        let mut temporary = sidecar.clone().into_os_string();
        temporary.push(format!(".{}.tmp", std::process::id()));
        std::fs::write(&temporary, format!("{}  {name}\n", self.sha256))?;
        std::fs::rename(&temporary, &sidecar)
    }

    /// The file they were read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Their SHA-256, lowercase hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// How many bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether there are none (then no loader will take them).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The bytes, shared.
    pub(crate) fn shared(&self) -> Arc<Vec<u8>> {
        Arc::clone(&self.bytes)
    }
}

impl std::fmt::Debug for LibraryBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibraryBytes")
            .field("path", &self.path)
            .field("len", &self.bytes.len())
            .field("sha256", &self.sha256)
            .finish()
    }
}

/// Records the SHA-256 of `library` beside it, as `<library>.sha256` in
/// `sha256sum`'s format, and returns it: what a module build does last, so
/// that the loader (and the watcher, which waits for it) reads only the
/// build it finished. Written to a temporary file and renamed, so a reader
/// sees the old hash or the new one.
///
/// A build of your own can do the same with `sha256sum`:
///
/// ```sh
/// cargo build -p physics && (cd target/debug && sha256sum libphysics.so > libphysics.so.sha256)
/// ```
pub fn write_sha256(library: &Path) -> std::io::Result<String> {
    let read = LibraryBytes::read(library)?;
    read.record()?;
    Ok(read.sha256)
}

/// `<library>.sha256`, beside the library, in `sha256sum`'s format.
pub fn sidecar_path(library: &Path) -> PathBuf {
    let mut name = library.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

/// The SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::loading::sha256::sha256(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// When `<library>.sha256` exists, the copy must have that hash.
pub(crate) fn check_sidecar(path: &Path, bytes: &[u8]) -> Result<(), OpenError> {
    if let Some(expected) = sidecar_hash(path)? {
        let actual = sha256_hex(bytes);
        if actual != expected {
            return Err(OpenError::Hash { expected, actual });
        }
    }
    Ok(())
}

/// The most bytes a `<library>.sha256` is read for: one `sha256sum` line
/// (64 hex digits, two spaces, a file name of at most `PATH_MAX`).
const SIDECAR_LIMIT: u64 = 8192;

/// The hash `<library>.sha256` records (lowercase), if the file exists.
pub(crate) fn sidecar_hash(path: &Path) -> Result<Option<String>, OpenError> {
    let sidecar = sidecar_path(path);
    let text = match read_regular_file_up_to(&sidecar, SIDECAR_LIMIT) {
        Ok(text) => text,
        Err(OpenError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(OpenError::Io(e)) => {
            return Err(OpenError::Sidecar(format!("{}: {e}", sidecar.display())));
        }
        Err(OpenError::NotAFile(kind)) => {
            return Err(OpenError::Sidecar(format!("{}: {kind}", sidecar.display())));
        }
        Err(OpenError::TooLarge { size, limit }) => {
            return Err(OpenError::Sidecar(format!(
                "{}: {size} bytes, more than the {limit} a sha256sum line takes",
                sidecar.display()
            )));
        }
        Err(other) => return Err(other),
    };
    let text = String::from_utf8_lossy(&text);
    let expected = text
        .split_whitespace()
        .next()
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| {
            OpenError::Sidecar(format!(
                "{}: not in sha256sum format (64 hex digits, then the file name)",
                sidecar.display()
            ))
        })?
        .to_ascii_lowercase();
    Ok(Some(expected))
}
