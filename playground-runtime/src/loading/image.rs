//! A library's bytes, read once, parsed and checked before `dlopen` (the
//! headers complete, the export a function, the manifest), and the sealed
//! anonymous file (`memfd`) they are written to for `dlopen` to map.

use crate::loading::bytes::{check_sidecar, sha256_hex, sidecar_hash};
use crate::loading::error::{LoadError, open_error};
use crate::loading::file::{OpenError, read_regular_file};
use crate::loading::manifest::Manifest;
use crate::loading::mapping::{check_complete, sealed_copy};
use crate::loading::module::{MODULE_SYMBOL, allocator_of};
use crate::loading::support::{SupportImage, support_of};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A library's bytes, read once, with what they were checked to hold.
pub(crate) struct Image {
    /// The file they were read from.
    pub path: PathBuf,
    bytes: Arc<Vec<u8>>,
    /// What the module holds, from its file (and its support library's).
    pub manifest: Manifest,
    /// The support library a thin module is linked against.
    pub support: Option<Arc<SupportImage>>,
}

impl Image {
    /// Reads `path` once and checks what can be checked without running it:
    /// a regular file, the hash beside it if any, a complete shared
    /// library, `playground_module_v1` a function, and the manifest.
    pub fn read(path: &Path) -> Result<Image, OpenError> {
        let bytes = read_regular_file(path)?;
        check_sidecar(path, &bytes)?;
        Image::parse(path, Arc::new(bytes), &mut Vec::new())
    }

    /// The bytes of the regular file at `path`: the first step of
    /// [`Image::read`], for a caller that times each step.
    pub fn read_bytes(path: &Path) -> Result<Vec<u8>, OpenError> {
        read_regular_file(path)
    }

    /// The SHA-256 of `bytes` (lowercase hex), checked against
    /// `<path>.sha256` when that file exists. Unlike [`Image::read`], which
    /// hashes only when the file exists, this always hashes.
    pub fn hash(path: &Path, bytes: &[u8]) -> Result<String, OpenError> {
        let actual = sha256_hex(bytes);
        if let Some(expected) = sidecar_hash(path)?
            && expected != actual
        {
            return Err(OpenError::Hash { expected, actual });
        }
        Ok(actual)
    }

    /// Checks `bytes`, read from `path`, without running them: a complete
    /// shared library, `playground_module_v1` a function, and the manifest
    /// (a thin module's read with its support library's, which is read
    /// the first time a module needs it: the phase `support` of `phases`).
    pub fn parse(
        path: &Path,
        bytes: Arc<Vec<u8>>,
        phases: &mut Vec<(&'static str, std::time::Duration)>,
    ) -> Result<Image, OpenError> {
        let object = object::File::parse(bytes.as_slice())
            .map_err(|e| OpenError::Open(format!("not an object file: {e}")))?;
        check_complete(&object, bytes.len() as u64).map_err(OpenError::Open)?;
        check_export(&object)?;
        let support = support_of(&object, phases)?;
        let mut manifest = match &support {
            None => Manifest::read(&bytes).map_err(|e| OpenError::NotAModule(e.to_string()))?,
            Some(support) => Manifest::read_thin(&bytes, &support.build, &support.records)
                .map_err(|e| {
                    OpenError::NotAModule(format!(
                        "{e} (read with its support library {})",
                        support.path.display()
                    ))
                })?,
        };
        manifest.build.allocator = allocator_of(&object).to_owned();
        Ok(Image {
            path: path.to_owned(),
            bytes,
            manifest,
            support,
        })
    }
}

/// `playground_module_v1` must be a function defined in executable code:
/// a library exporting the name as data would be called into otherwise.
fn check_export(object: &object::File<'_>) -> Result<(), OpenError> {
    use object::{Object, ObjectSection, ObjectSymbol, SectionKind, SymbolKind};
    let symbol = object
        .dynamic_symbols()
        .find(|s| s.name() == Ok(MODULE_SYMBOL) && !s.is_undefined())
        .ok_or_else(|| {
            OpenError::MissingSymbol(format!("the library does not export `{MODULE_SYMBOL}`"))
        })?;
    let in_code = symbol
        .section_index()
        .and_then(|index| object.section_by_index(index).ok())
        .is_some_and(|section| section.kind() == SectionKind::Text);
    if symbol.kind() != SymbolKind::Text || !in_code {
        return Err(OpenError::NotAModule(format!(
            "`{MODULE_SYMBOL}` is exported as {:?}, not as a function in executable code",
            symbol.kind()
        )));
    }
    Ok(())
}

impl Image {
    /// The checked bytes in an anonymous file no one can change, for
    /// [`Library::open`].
    pub fn sealed_copy(&self) -> Result<OwnedFd, OpenError> {
        sealed_copy(&self.bytes).map_err(OpenError::Io)
    }
}

/// Reading a library's manifest as the loader does (the rest of `impl
/// Manifest` is in the `manifest`, `reading` and `compat` modules).
impl Manifest {
    /// The manifest of the module library at `path`, after the checks
    /// [`Registry::load`](crate::Registry::load) makes of its file before
    /// anything else (a regular file, a complete library, its hash if a
    /// `.sha256` file is beside it, a module's export). Runs none of its
    /// code.
    pub fn read_library(path: impl AsRef<Path>) -> Result<Manifest, LoadError> {
        let path = path.as_ref();
        let image = Image::read(path).map_err(|e| open_error(path, e))?;
        Ok(image.manifest)
    }
}
