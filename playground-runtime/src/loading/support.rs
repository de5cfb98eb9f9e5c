//! A thin module's support library: the shared library of its
//! dependencies that it is linked against (`Build::thin_links`), named in
//! the module's dynamic section. The loader reads it with the module,
//! before any code of either runs: its build must be the module's, and its
//! registrations (the views, models and viewmodels of the crates the
//! module links) are part of the module's manifest.

use crate::loading::file::{OpenError, read_regular_file};
use std::path::{Path, PathBuf};

/// How a support library's file name starts: `lib` and the crate name
/// `Build` gives it.
pub(crate) const SUPPORT_PREFIX: &str = "libplayground_support_";

/// The support library `object` (a module's file) is linked against: the
/// `DT_NEEDED` entry named [`SUPPORT_PREFIX`]`*.so`, found in the
/// directories of its `DT_RUNPATH` (or `DT_RPATH`), as the dynamic linker
/// will find it. `None` for a module linked in full.
pub(crate) fn support_library(object: &object::File<'_>) -> Result<Option<PathBuf>, OpenError> {
    let object::File::Elf64(elf) = object else {
        return Ok(None);
    };
    let malformed = |e: object::Error| OpenError::Open(format!("its dynamic section: {e}"));
    let endian = elf.endian();
    let table = elf
        .elf_section_table()
        .dynamic_table(endian, elf.data())
        .map_err(malformed)?;
    let mut needed = None;
    let mut dirs = Vec::new();
    for entry in table.iter() {
        let is_path = entry.tag == object::elf::DT_RUNPATH || entry.tag == object::elf::DT_RPATH;
        if entry.tag != object::elf::DT_NEEDED && !is_path {
            continue;
        }
        let text = String::from_utf8_lossy(table.string(entry).map_err(malformed)?).into_owned();
        if is_path {
            dirs.extend(text.split(':').map(PathBuf::from));
        } else if text.starts_with(SUPPORT_PREFIX) && text.ends_with(".so") {
            needed = Some(text);
        }
    }
    let Some(needed) = needed else {
        return Ok(None);
    };
    dirs.iter()
        .map(|dir| dir.join(&needed))
        .find(|path| path.is_absolute() && path.is_file())
        .map(Some)
        .ok_or_else(|| {
            OpenError::Open(format!(
                "it is linked against the support library {needed}, which is in none of \
                 its run-time paths ({}): removed with the target directory? Rebuild the \
                 module",
                dirs.iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// The bytes of the support library at `path`, read as a module's are (a
/// regular file, opened without blocking).
pub(crate) fn read_support(path: &Path) -> Result<Vec<u8>, OpenError> {
    read_regular_file(path).map_err(|error| match error {
        OpenError::Io(source) => {
            OpenError::Open(format!("its support library {}: {source}", path.display()))
        }
        other => other,
    })
}
