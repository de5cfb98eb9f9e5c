//! A library's bytes, read once, parsed and checked before `dlopen` (the
//! headers complete, the export a function, the manifest), and the sealed
//! anonymous file (`memfd`) they are written to for `dlopen` to map.

use crate::loading::bytes::{check_sidecar, sha256_hex, sidecar_hash};
use crate::loading::error::{LoadError, open_error};
use crate::loading::file::{OpenError, read_regular_file};
use crate::loading::manifest::Manifest;
use crate::loading::module::{MODULE_SYMBOL, allocator_of};
use crate::loading::support::{read_support, support_library};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A library's bytes, read once, with what they were checked to hold.
pub(crate) struct Image {
    /// The file they were read from.
    pub path: PathBuf,
    bytes: Arc<Vec<u8>>,
    /// What the module holds, from its file.
    pub manifest: Manifest,
}

impl Image {
    /// Reads `path` once and checks what can be checked without running it:
    /// a regular file, the hash beside it if any, a complete shared
    /// library, `playground_module_v1` a function, and the manifest.
    pub fn read(path: &Path) -> Result<Image, OpenError> {
        let bytes = read_regular_file(path)?;
        check_sidecar(path, &bytes)?;
        Image::parse(path, Arc::new(bytes))
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
    /// (a thin module's read with its support library's).
    pub fn parse(path: &Path, bytes: Arc<Vec<u8>>) -> Result<Image, OpenError> {
        let object = object::File::parse(bytes.as_slice())
            .map_err(|e| OpenError::Open(format!("not an object file: {e}")))?;
        check_complete(&object, bytes.len() as u64).map_err(OpenError::Open)?;
        check_export(&object)?;
        let mut manifest = match support_library(&object)? {
            None => Manifest::read(&bytes).map_err(|e| OpenError::NotAModule(e.to_string()))?,
            Some(support) => {
                let linked = read_support(&support)?;
                Manifest::read_thin(&bytes, &linked).map_err(|e| {
                    OpenError::NotAModule(format!(
                        "{e} (read with its support library {})",
                        support.display()
                    ))
                })?
            }
        };
        manifest.build.allocator = allocator_of(&object).to_owned();
        Ok(Image {
            path: path.to_owned(),
            bytes,
            manifest,
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

/// An anonymous file whose pages are already allocated, kept for the next
/// load: allocating a file's pages is most of what writing a fresh one
/// costs (about 0.3 ms for a 1 MB library here), so it is done after a
/// load, on a thread of its own, rather than on the next load's path.
static SPARE: std::sync::Mutex<Option<(OwnedFd, u64)>> = std::sync::Mutex::new(None);

fn new_memfd() -> std::io::Result<OwnedFd> {
    use rustix::fs::MemfdFlags;
    Ok(rustix::fs::memfd_create(
        "playground-module",
        MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
    )?)
}

/// Prepares a spare anonymous file of `len` bytes, in the background.
fn prepare_spare(len: u64) {
    let _ = std::thread::Builder::new()
        .name("playground-spare".into())
        .spawn(move || {
            let Ok(fd) = new_memfd() else { return };
            if rustix::fs::fallocate(&fd, rustix::fs::FallocateFlags::empty(), 0, len).is_ok() {
                *SPARE
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((fd, len));
            }
        });
}

impl Image {
    /// The checked bytes in an anonymous file no one can change, for
    /// [`Library::open`].
    pub fn sealed_copy(&self) -> Result<OwnedFd, OpenError> {
        sealed_copy(&self.bytes).map_err(OpenError::Io)
    }
}

/// `bytes` in an anonymous file no one can change: sealed against writes,
/// growing and shrinking. Only this process ever had it.
fn sealed_copy(bytes: &[u8]) -> std::io::Result<OwnedFd> {
    use rustix::fs::SealFlags;
    let len = bytes.len() as u64;
    let spare = SPARE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
        .filter(|(_, size)| *size >= len);
    let fd = match spare {
        Some((fd, _)) => fd,
        None => new_memfd()?,
    };
    let mut file = std::fs::File::from(fd);
    std::io::Write::write_all(&mut file, bytes)?;
    file.set_len(len)?;
    rustix::fs::fcntl_add_seals(
        file.as_fd(),
        SealFlags::WRITE | SealFlags::GROW | SealFlags::SHRINK | SealFlags::SEAL,
    )?;
    // The next build of a module is about this size.
    prepare_spare(len + len / 8);
    Ok(OwnedFd::from(file))
}

/// The dynamic loader maps segments without checking that the file holds
/// them: a truncated library would crash the program (SIGBUS) on first
/// touch instead of failing to open. So the headers are checked first.
fn check_complete(file: &object::File<'_>, len: u64) -> Result<(), String> {
    use object::{Object, ObjectSegment};
    if file.kind() != object::ObjectKind::Dynamic {
        return Err(format!(
            "a {:?} object file, not a shared library",
            file.kind()
        ));
    }
    for segment in file.segments() {
        let (offset, size) = segment.file_range();
        if offset.checked_add(size).is_none_or(|end| end > len) {
            return Err(format!(
                "truncated: a segment needs bytes {offset}..{} but the file has {len}",
                offset.saturating_add(size)
            ));
        }
        let (address, memory) = (segment.address(), segment.size());
        if memory < size || address.checked_add(memory).is_none() {
            return Err(format!(
                "a segment at {address:#x} maps {memory} bytes from {size} in the file"
            ));
        }
    }
    Ok(())
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
