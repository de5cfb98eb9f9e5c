//! The library store: a copy of each library a registry loaded, named by
//! its SHA-256, with a `sha256sum` sidecar, and a note of the last one that
//! loaded. Cargo overwrites a module's library on every build; the store
//! keeps the builds that loaded, so a history record names a file that
//! still holds what ran, and a program that starts again can start from
//! the last build that loaded ([`Registry::load_last_good`](crate::Registry::load_last_good)).

use crate::loading::bytes::sidecar_path;
use std::io;
use std::path::{Path, PathBuf};

/// The file in a store naming its last library that loaded.
pub const LAST_GOOD: &str = "last-good";

/// Keeps `bytes` (whose SHA-256 is `sha256`, loaded from `from`) in the
/// store at `dir` as `<sha256>.<so>` with its sidecar, notes it as the last
/// that loaded, and removes the oldest copies beyond `keep`. Returns the
/// stored copy's path. Every file is written to a temporary name first and
/// renamed: a reader never sees half of one.
pub(crate) fn keep_copy(
    dir: &Path,
    keep: usize,
    bytes: &[u8],
    sha256: &str,
    from: &Path,
) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let file_name = format!("{sha256}.{}", std::env::consts::DLL_EXTENSION);
    let stored = dir.join(&file_name);
    if !stored.is_file() {
        write_atomically(&stored, bytes)?;
    }
    write_atomically(
        &sidecar_path(&stored),
        format!("{sha256}  {file_name}\n").as_bytes(),
    )?;
    // Touched, so that the oldest by modification time are the ones
    // loaded longest ago.
    std::fs::File::options()
        .append(true)
        .open(&stored)?
        .set_modified(std::time::SystemTime::now())?;
    write_atomically(
        &dir.join(LAST_GOOD),
        format!("{file_name}\n{}\n", from.display()).as_bytes(),
    )?;
    prune(dir, keep.max(1))?;
    Ok(stored)
}

/// The stored copy the store at `dir` notes as the last that loaded.
pub(crate) fn last_good(dir: &Path) -> io::Result<PathBuf> {
    let note = std::fs::read_to_string(dir.join(LAST_GOOD))?;
    let name = note.lines().next().unwrap_or_default();
    let valid = !name.is_empty()
        && !name.contains(['/', '\\'])
        && name.ends_with(&format!(".{}", std::env::consts::DLL_EXTENSION));
    if !valid {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} does not name a stored library",
                dir.join(LAST_GOOD).display()
            ),
        ));
    }
    Ok(dir.join(name))
}

/// Removes the oldest stored libraries (and their sidecars) beyond `keep`.
fn prune(dir: &Path, keep: usize) -> io::Result<()> {
    let extension = std::env::consts::DLL_EXTENSION;
    let mut stored: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .filter_map(|path| Some((path.metadata().ok()?.modified().ok()?, path)))
        .collect();
    stored.sort();
    let excess = stored.len().saturating_sub(keep);
    for (_, path) in stored.into_iter().take(excess) {
        std::fs::remove_file(&path)?;
        let _ = std::fs::remove_file(sidecar_path(&path));
    }
    Ok(())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}
