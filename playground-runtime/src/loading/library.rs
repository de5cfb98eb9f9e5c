//! Opening module libraries, and keeping them loaded while anything from
//! them can be reached.
//!
//! # One copy, checked as used
//!
//! A library is read once, into memory ([`Image::read`]): only a regular
//! file, opened without blocking (a FIFO would hang a plain `open`). That
//! copy is what is hashed (once: by every load, for its history, checked
//! against `<file>.sha256` when that exists; or by the build that made it,
//! which hands the loader the bytes it hashed, see [`LibraryBytes`]), parsed
//! (headers complete, the export a function, the manifest), verified, and
//! then written to a sealed anonymous file (`memfd`) that `dlopen` maps. So
//! a library rewritten while it is checked, or afterwards, cannot change
//! what runs, and a refused one is never mapped: none of its code, static
//! initialisers included, runs.
//!
//! # Unload policy
//!
//! A library is never unloaded behind the program's back. Every binding
//! and every [`ViewHandle`](crate::ViewHandle) from a library holds an
//! `Arc` to it, and so do the thread-local lookup caches; dropping the
//! last of them does *not* unload it, because values the library made may
//! still be reachable from safe code where no count can see them: a
//! `&'static str` into its data, a boxed closure or trait object whose code
//! or vtable lives in it. Unloading happens only through
//! [`Registry::unload_retired`](crate::Registry::unload_retired), an
//! `unsafe fn` whose caller promises that no such value survives, and even
//! then only for libraries that no binding, handle or cache still holds.
//! Until then a replaced library stays mapped: each reload costs its size
//! in memory, never a use-after-unload.

use crate::loading::manifest::Manifest;
use crate::loading::module::{
    Fingerprint, HEADER_VERSION, MAGIC, MODULE_SYMBOL, ModuleContents, ModuleHeader, allocator_of,
};
use crate::registry::mapped::Mapped;
use std::io::Read;
use std::mem::ManuallyDrop;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A loaded module library. Dropping it never unloads the code (see the
/// module docs); [`Library::unload`] does.
pub(crate) struct Library {
    /// The path the library was loaded from (not the private copy).
    pub path: PathBuf,
    library: ManuallyDrop<libloading::Library>,
    /// The sealed copy `dlopen` mapped, kept open while the library is
    /// loaded, even after this value is dropped: the dynamic loader returns
    /// an already loaded library for a name it knows, so the library's name,
    /// `/proc/self/fd/N`, must not name another file while it is mapped.
    copy: ManuallyDrop<OwnedFd>,
}

/// Why a library could not be opened or is not a module of this program.
#[derive(Debug)]
pub(crate) enum OpenError {
    Io(std::io::Error),
    NotAFile(&'static str),
    TooLarge { size: u64, limit: u64 },
    Hash { expected: String, actual: String },
    Sidecar(String),
    Open(String),
    MissingSymbol(String),
    NotAModule(String),
    Disagrees(String),
}

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
    /// shared library, `playground_module_v1` a function, and the manifest.
    pub fn parse(path: &Path, bytes: Arc<Vec<u8>>) -> Result<Image, OpenError> {
        let object = object::File::parse(bytes.as_slice())
            .map_err(|e| OpenError::Open(format!("not an object file: {e}")))?;
        check_complete(&object, bytes.len() as u64).map_err(OpenError::Open)?;
        check_export(&object)?;
        let mut manifest =
            Manifest::read(&bytes).map_err(|e| OpenError::NotAModule(e.to_string()))?;
        manifest.build.allocator = allocator_of(&object).to_owned();
        Ok(Image {
            path: path.to_owned(),
            bytes,
            manifest,
        })
    }
}

/// Opens only a regular file, without blocking, and reads it whole.
pub(crate) fn read_regular_file(path: &Path) -> Result<Vec<u8>, OpenError> {
    read_regular_file_up_to(path, u64::MAX)
}

/// [`read_regular_file`] of a file of at most `limit` bytes: a larger one
/// is not read at all ([`OpenError::TooLarge`]).
fn read_regular_file_up_to(path: &Path, limit: u64) -> Result<Vec<u8>, OpenError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        // A FIFO or a device would block `open` itself; a regular file
        // never does.
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(OpenError::Io)?;
    let metadata = file.metadata().map_err(OpenError::Io)?;
    let kind = metadata.file_type();
    if !kind.is_file() {
        use std::os::unix::fs::FileTypeExt;
        return Err(OpenError::NotAFile(if kind.is_dir() {
            "a directory"
        } else if kind.is_fifo() {
            "a FIFO (named pipe)"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else {
            "not a regular file"
        }));
    }
    if metadata.len() > limit {
        return Err(OpenError::TooLarge {
            size: metadata.len(),
            limit,
        });
    }
    // One allocation of the size the file has now (`take` hides it from
    // `read_to_end`); a file that grows while it is read stops at the
    // limit too.
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(OpenError::Io)?;
    Ok(bytes)
}

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
fn check_sidecar(path: &Path, bytes: &[u8]) -> Result<(), OpenError> {
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
fn sidecar_hash(path: &Path) -> Result<Option<String>, OpenError> {
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

impl Library {
    /// Opens a checked image: writes it to a sealed anonymous file, maps it
    /// with `dlopen`, and checks that the module's header and registrations
    /// agree with its manifest.
    ///
    /// Up to the end of this function only the runtime's own code in the
    /// library has run (its header, `describe`), never the module author's:
    /// a library refused here is unloaded on return.
    pub fn open(image: &Image, copy: OwnedFd) -> Result<(Library, ModuleContents), OpenError> {
        let name = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&copy));
        // SAFETY: opening a library runs its initialisers. The image passed
        // every check that can be made from its file: a complete shared
        // library, a playground module built by this program's compiler and
        // runtime, whose manifest this program accepted. Its initialisers
        // are Rust's (std's, linkme's none); the copy is sealed, so nothing
        // changes it while it is mapped.
        let library =
            unsafe { libloading::Library::new(&name) }.map_err(|e| OpenError::Open(chain(&e)))?;

        type Export = extern "C" fn() -> *const ModuleHeader;
        // SAFETY: the file's dynamic symbol table lists `playground_module_v1`
        // as a function in executable code (`check_export`), and the
        // manifest says the runtime that defines it with this signature
        // (module.rs) is this program's.
        let export = unsafe { library.get::<Export>(MODULE_SYMBOL.as_bytes()) }
            .map_err(|e| OpenError::MissingSymbol(chain(&e)))?;
        let header = export();
        if header.is_null() || !header.is_aligned() {
            return Err(OpenError::NotAModule(format!(
                "`{MODULE_SYMBOL}` returned {header:p}, not a module header"
            )));
        }
        // SAFETY: non-null, aligned, returned by the runtime's export in the
        // library we hold open, which points it at a `static ModuleHeader`.
        let header = unsafe { &*header };
        if header.magic != MAGIC || header.header_version != HEADER_VERSION {
            return Err(OpenError::NotAModule(format!(
                "`{MODULE_SYMBOL}` has magic {:016x} and header version {}, expected {MAGIC:016x} and {HEADER_VERSION}",
                header.magic, header.header_version
            )));
        }
        // SAFETY: a checked header of the library we hold open.
        let fingerprint = unsafe { Fingerprint::of(header) };
        if let Some(what) = image.manifest.build.header_difference(&fingerprint) {
            return Err(OpenError::Disagrees(format!(
                "its header's {what} is not its manifest's"
            )));
        }
        // Same compiler, target and runtime build: Rust-layout data and
        // Rust-ABI functions of the library mean what they mean here.
        (header.install_panic_bridge)(crate::contract::guard::raise, crate::contract::guard::catch);
        let mut contents = (header.describe)();
        let descriptors: Vec<_> = contents.viewmodels.iter().map(|e| &e.descriptor).collect();
        if let Some(why) = image.manifest.disagreement(&contents.models, &descriptors) {
            return Err(OpenError::Disagrees(why));
        }
        if let Some(name) = &image.manifest.crate_name {
            contents
                .viewmodels
                .retain(|e| crate::loading::manifest::in_crate(e.descriptor.module_path, name));
            contents.crate_name = Some(name.clone());
        }
        let library = Library {
            path: image.path.clone(),
            library: ManuallyDrop::new(library),
            copy: ManuallyDrop::new(copy),
        };
        Ok((library, contents))
    }

    /// Unloads the library; `false` when `dlclose` kept it mapped (see the
    /// warning it logs).
    ///
    /// # Safety
    /// Nothing from the library may be used afterwards: no binding, handle,
    /// value, vtable or function pointer it produced may still be reachable.
    pub unsafe fn unload(mut self) -> bool {
        // SAFETY: the caller's contract; `self` is consumed, so this runs once.
        unsafe { ManuallyDrop::drop(&mut self.library) };
        // `dlclose` may keep the library mapped (thread-local destructors
        // it registered are still pending): then its name must stay its
        // own. Ask the loader without loading (`RTLD_NOLOAD`).
        let name = format!(
            "/proc/self/fd/{}",
            std::os::fd::AsRawFd::as_raw_fd(&*self.copy)
        );
        let flags = libc::RTLD_NOLOAD | libc::RTLD_LAZY;
        // SAFETY: with `RTLD_NOLOAD` nothing is loaded and no initialiser
        // runs: an already loaded library's count is taken, or nothing.
        match unsafe { libloading::os::unix::Library::open(Some(&name), flags) } {
            // Still mapped: give back the count just taken, keep the name.
            Ok(still_loaded) => {
                drop(still_loaded);
                tracing::warn!(
                    path = %self.path.display(),
                    "dlclose kept the library mapped (a thread-local destructor it \
                     registered is pending until its thread exits)"
                );
                false
            }
            Err(_) => {
                // SAFETY: unmapped, so its name may be reused; dropped once.
                unsafe { ManuallyDrop::drop(&mut self.copy) };
                true
            }
        }
    }
}

impl Mapped for Library {
    fn path(&self) -> &Path {
        &self.path
    }

    unsafe fn unload(self: Arc<Self>) -> bool {
        match Arc::try_unwrap(self) {
            // SAFETY: the last holder, and the caller's contract covers the
            // rest.
            Ok(library) => unsafe { library.unload() },
            Err(_) => false,
        }
    }
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// An error with its sources, so that the dynamic loader's own message is
/// kept (libloading puts it in the source).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    text
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
