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

use crate::loading::file::OpenError;
use crate::loading::image::Image;
use crate::loading::manifest::Manifest;
use crate::loading::module::{
    Fingerprint, HEADER_VERSION, MAGIC, MODULE_SYMBOL, ModuleContents, ModuleHeader,
};
use crate::registry::mapped::Mapped;
use std::mem::ManuallyDrop;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A loaded module library. Dropping it never unloads the code (see the
/// module docs); [`Library::unload`] does.
pub(crate) struct Library {
    /// The path the library was loaded from (not the private copy).
    pub path: PathBuf,
    library: ManuallyDrop<libloading::Library>,
    /// Its manifest, as checked before it was opened: what a later
    /// refusal compares the next build with.
    pub manifest: Manifest,
    /// The sealed copy `dlopen` mapped, kept open while the library is
    /// loaded, even after this value is dropped: the dynamic loader returns
    /// an already loaded library for a name it knows, so the library's name,
    /// `/proc/self/fd/N`, must not name another file while it is mapped.
    copy: ManuallyDrop<OwnedFd>,
    /// Linked against a support library (see [`Library::unload`]).
    thin: bool,
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
        // A thin module's dependencies first, from the bytes checked: the
        // dynamic linker then takes them for the library the module needs.
        if let Some(support) = &image.support {
            support.open()?;
        }
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
        // manifest says the runtime whose `export_module!` writes it with
        // this signature (module.rs) is this program's.
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
            manifest: image.manifest.clone(),
            library: ManuallyDrop::new(library),
            copy: ManuallyDrop::new(copy),
            thin: image.support.is_some(),
        };
        Ok((library, contents))
    }

    /// Unloads the library; `false` when `dlclose` kept it mapped (see the
    /// warning it logs).
    ///
    /// # Safety
    /// Nothing from the library may be used afterwards: no binding, handle,
    /// value, vtable or function pointer it produced may still be reachable.
    ///
    /// A thin module (linked against a support library) is never unmapped:
    /// its std is the support library's, so a thread-local destructor its
    /// code registered is counted against the support library, and
    /// `dlclose` would unmap the module under it. It stays mapped, as its
    /// support library does (a few hundred KB).
    pub unsafe fn unload(mut self) -> bool {
        if self.thin {
            tracing::debug!(path = %self.path.display(), "a thin module stays mapped");
            return false;
        }
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

    fn as_any(&self) -> &dyn std::any::Any {
        self
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
