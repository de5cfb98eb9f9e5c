//! Opening module libraries, and keeping them loaded while anything from
//! them can be reached.
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

use crate::module::{
    Fingerprint, HEADER_VERSION, MAGIC, MODULE_CRATE_SYMBOL, MODULE_SYMBOL, ModuleContents,
    ModuleHeader, RawStr,
};
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A loaded module library. Dropping it never unloads the code (see the
/// module docs); [`Library::unload`] does.
pub(crate) struct Library {
    /// The path the library was loaded from (not the private copy).
    pub path: PathBuf,
    library: ManuallyDrop<libloading::Library>,
}

/// Why a library could not be opened or is not a module of this program.
#[derive(Debug)]
pub(crate) enum OpenError {
    Copy(std::io::Error),
    Open(String),
    MissingSymbol(String),
    NotAModule(String),
    Fingerprint {
        what: &'static str,
        host: String,
        module: String,
    },
}

static NEXT_COPY: AtomicU64 = AtomicU64::new(0);

impl Library {
    /// Copies `path` to a fresh file (the dynamic loader caches by path, so
    /// a rebuilt library at the same path would not be read again), opens
    /// the copy, and checks the export and the fingerprint.
    pub fn open(path: &Path) -> Result<(Library, ModuleContents), OpenError> {
        let copy = private_copy(path)?;
        // SAFETY: opening a library runs its initialisers. A playground
        // module's are Rust's (no life-before-main in the runtime); any other
        // file is the user's choice of what to load, as with any plugin
        // system. The copy is ours alone, so nobody changes it while it is
        // mapped.
        let opened = unsafe { libloading::Library::new(&copy) };
        // The mapping keeps the file's contents; the name is not needed.
        let _ = std::fs::remove_file(&copy);
        let library = opened.map_err(|e| OpenError::Open(e.to_string()))?;

        type Export = extern "C" fn() -> &'static ModuleHeader;
        // SAFETY: `Export` is the signature of `playground_module_v1`
        // (module.rs); a library that exports the name with another meaning
        // is refused below by the magic number before anything else is read.
        let export = unsafe { library.get::<Export>(MODULE_SYMBOL.as_bytes()) }
            .map_err(|e| OpenError::MissingSymbol(e.to_string()))?;
        let header = export();
        if header.magic != MAGIC || header.header_version != HEADER_VERSION {
            return Err(OpenError::NotAModule(format!(
                "`{MODULE_SYMBOL}` has magic {:016x} and header version {}, expected {MAGIC:016x} and {HEADER_VERSION}",
                header.magic, header.header_version
            )));
        }
        // SAFETY: a checked header of the library we hold open.
        let fingerprint = unsafe { Fingerprint::of(header) };
        if let Some((what, host, module)) = Fingerprint::host().difference(&fingerprint) {
            return Err(OpenError::Fingerprint {
                what,
                host: host.to_owned(),
                module: module.to_owned(),
            });
        }
        // Same compiler, target and runtime build: Rust-layout data and
        // Rust-ABI functions of the library mean what they mean here.
        // (Until this point, a refused library is unloaded on return: only
        // its header was read, and nothing of it was kept.)
        (header.install_panic_bridge)(crate::viewmodel::raise);
        let mut contents = (header.describe)();
        type CrateName = extern "C" fn() -> RawStr;
        // SAFETY: `CrateName` is the signature `export_module!` defines the
        // symbol with; the symbol is optional.
        if let Ok(crate_name) = unsafe { library.get::<CrateName>(MODULE_CRATE_SYMBOL.as_bytes()) }
        {
            // SAFETY: made by `RawStr::new` in the library we hold open.
            let name = unsafe { crate_name().to_string_lossy() };
            let prefix = format!("{name}::");
            contents.viewmodels.retain(|e| {
                e.descriptor.module_path == name || e.descriptor.module_path.starts_with(&prefix)
            });
            contents.crate_name = Some(name);
        }
        let library = Library {
            path: path.to_owned(),
            library: ManuallyDrop::new(library),
        };
        Ok((library, contents))
    }

    /// Unloads the library.
    ///
    /// # Safety
    /// Nothing from the library may be used afterwards: no binding, handle,
    /// value, vtable or function pointer it produced may still be reachable.
    pub unsafe fn unload(mut self) {
        // SAFETY: the caller's contract; `self` is consumed, so this runs once.
        unsafe { ManuallyDrop::drop(&mut self.library) };
    }
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Checks that the library is a complete shared object, and copies it to
/// a path of its own (in the kernel, without reading it into memory).
fn private_copy(path: &Path) -> Result<PathBuf, OpenError> {
    let file = std::fs::File::open(path).map_err(OpenError::Copy)?;
    let len = file.metadata().map_err(OpenError::Copy)?.len();
    check_complete(&object::ReadCache::new(file), len).map_err(OpenError::Open)?;
    let dir = std::env::temp_dir().join("playground-modules");
    std::fs::create_dir_all(&dir).map_err(OpenError::Copy)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let copy = dir.join(format!(
        "{}-{}-{name}",
        std::process::id(),
        NEXT_COPY.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::copy(path, &copy).map_err(OpenError::Copy)?;
    Ok(copy)
}

/// The dynamic loader maps segments without checking that the file holds
/// them: a truncated library would crash the program (SIGBUS) on first
/// touch instead of failing to open. So the headers are checked first,
/// with the `object` crate (a maintained reader of every object format).
/// Only the headers are read.
fn check_complete<'data, R: object::ReadRef<'data>>(data: R, len: u64) -> Result<(), String> {
    use object::{Object, ObjectSegment};
    let file = object::File::parse(data).map_err(|e| format!("not an object file: {e}"))?;
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
    }
    Ok(())
}
