//! What a module exports: one symbol that lists its registrations.
//!
//! A crate built with `crate-type = ["cdylib", "rlib"]` names itself as a
//! module with one line, [`export_module!`](crate::export_module), which
//! writes the module's exports into its own crate: the function
//! [`MODULE_SYMBOL`], the build record and what reads the module's
//! registrations. They are the module's own code, not the runtime's, so
//! they read the registrations of the image the module's crate is linked
//! into however it is linked: with the runtime and its dependencies inside
//! the library, or beside it in a shared support library (`Build`'s thin
//! links), whose registrations are then read as well.

use crate::contract::model::ModelDescriptor;
use crate::registry::entry::ViewModelEntry;
use crate::registry::registration::{MODELS, VIEWMODELS};
use std::fmt;

/// The name of the function every module exports.
pub const MODULE_SYMBOL: &str = "playground_module_v1";

/// The name of the function [`export_module!`](crate::export_module) adds:
/// it tells the loader which crate the module is.
pub const MODULE_CRATE_SYMBOL: &str = "playground_module_crate_v1";

/// Makes the crate being built a playground module, in one line at the
/// crate's root:
///
/// ```ignore
/// playground_runtime::export_module!();
/// ```
///
/// It exports what a loader reads: [`MODULE_SYMBOL`] (the module's header
/// and registrations), the build record (`playground_build_v1`) and the
/// crate's name. A library without it is not a module.
///
/// A module also carries the registrations of every crate it links: the
/// viewmodels of a framework crate (playground-ecs's `EcsModule`, say) are
/// in its image too. Loading the module binds only the viewmodels declared
/// in the module's own crate, and leaves the host's bindings of the others
/// (and their state) alone. A library that is to bind every viewmodel it
/// links (a framework crate's, rebuilt and swapped on its own) says so:
///
/// ```ignore
/// playground_runtime::export_module!(all);
/// ```
#[macro_export]
macro_rules! export_module {
    () => {
        const _: () = {
            #[unsafe(no_mangle)]
            extern "C" fn playground_module_crate_v1() -> $crate::__private::RawStr {
                $crate::__private::RawStr::new(::core::env!("CARGO_CRATE_NAME"))
            }

            const RECORD: [$crate::__private::ManifestRecord; 1] =
                [$crate::__private::ManifestRecord::module_crate(
                    ::core::env!("CARGO_CRATE_NAME"),
                )];
    $crate::__register!(MANIFEST ITEM[1] = RECORD);
        };

        $crate::export_module!(all);
    };
    (all) => {
        const _: () = {
            #[unsafe(no_mangle)]
            extern "C" fn playground_module_v1() -> &'static $crate::__private::ModuleHeader {
                static HEADER: $crate::__private::ModuleHeader =
                    $crate::__private::ModuleHeader::new(|| {
                        $crate::__private::ModuleContents::of(
                            $crate::__image_slice!(MODELS),
                            $crate::__image_slice!(VIEWMODELS),
                        )
                    });
                &HEADER
            }

            #[unsafe(no_mangle)]
            #[used]
            #[allow(non_upper_case_globals)]
            static playground_build_v1: $crate::__private::BuildRecord =
                $crate::__private::BUILD_RECORD;
        };
    };
    ($($other:tt)+) => {
        ::core::compile_error!(
            "`export_module!` takes no argument (the module binds the viewmodels of its own \
             crate), or `all` (it binds every viewmodel the library links)"
        );
    };
}

/// The registrations of one distributed slice (`MODELS` or `VIEWMODELS`)
/// in the image of the crate this is expanded in: its own reading of the
/// section linkme gathers the slice's elements into, bounded by the
/// symbols the linker defines for that image. (The runtime's slices read
/// the image the runtime's code is in, which is not the module's when the
/// runtime is in a support library.) On targets whose sections linkme
/// names otherwise, the runtime's slice, linked into the same image.
#[doc(hidden)]
#[macro_export]
macro_rules! __image_slice {
    (MODELS) => {
        $crate::__image_slice!(
            "linkme_MODELS",
            "__start_linkme_MODELS",
            "__stop_linkme_MODELS",
            $crate::__private::ModelDescriptor,
            $crate::__private::MODELS
        )
    };
    (VIEWMODELS) => {
        $crate::__image_slice!(
            "linkme_VIEWMODELS",
            "__start_linkme_VIEWMODELS",
            "__stop_linkme_VIEWMODELS",
            $crate::__private::ViewModelEntry,
            $crate::__private::VIEWMODELS
        )
    };
    ($section:literal, $start:literal, $stop:literal, $ty:ty, $linked:path) => {{
        #[cfg(any(
            target_os = "linux",
            target_os = "android",
            target_os = "fuchsia",
            target_os = "freebsd",
            target_os = "openbsd"
        ))]
        let slice: &'static [$ty] = {
            unsafe extern "Rust" {
                #[link_name = $start]
                static START: [$ty; 0];
                #[link_name = $stop]
                static STOP: [$ty; 0];
            }
            // The section exists, so the linker defines its bounds, even
            // in a module with nothing registered in it.
            #[used]
            #[unsafe(link_section = $section)]
            static KEEP: [$ty; 0] = [];
            // SAFETY: every static in the section is a `$ty`: the section
            // is linkme's for a slice of `$ty`, and what puts statics there
            // (`__register!`, linkme's own macro) fixes their type to it.
            // The linker defines START and STOP at the bounds of this
            // image's section (their names are linkme's), so the bytes
            // between are those statics, back to back.
            unsafe { $crate::__private::section_slice(&raw const START, &raw const STOP) }
        };
        #[cfg(not(any(
            target_os = "linux",
            target_os = "android",
            target_os = "fuchsia",
            target_os = "freebsd",
            target_os = "openbsd"
        )))]
        let slice: &'static [$ty] = &$linked;
        slice
    }};
}

/// The elements from `start` to `stop`: a section's contents.
///
/// # Safety
/// `start..stop` must be a run of initialised, `'static` values of `T`
/// (both pointers in or at the end of the same section).
#[doc(hidden)]
pub unsafe fn section_slice<T>(start: *const [T; 0], stop: *const [T; 0]) -> &'static [T] {
    let start = start.cast::<T>();
    let bytes = (stop as usize).saturating_sub(start as usize);
    let len = bytes / size_of::<T>().max(1);
    // SAFETY: the caller's contract: `len` values of `T` from `start`,
    // which lives as long as the image.
    unsafe { std::slice::from_raw_parts(start, len) }
}

/// `b"PLAYGRND"`: the first field of every [`ModuleHeader`].
pub(crate) const MAGIC: u64 = u64::from_le_bytes(*b"PLAYGRND");

/// Bumped when [`ModuleHeader`]'s layout changes.
pub(crate) const HEADER_VERSION: u32 = 3;

/// A string that crosses the library boundary: `#[repr(C)]`, so it can be
/// read before anything else about the library is known.
#[doc(hidden)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct RawStr {
    ptr: *const u8,
    len: usize,
}

impl RawStr {
    /// Wraps a `'static` string.
    pub const fn new(s: &'static str) -> Self {
        RawStr {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }

    /// # Safety
    /// `self` must come from [`RawStr::new`] in an image that is still loaded.
    pub(crate) unsafe fn to_string_lossy(self) -> String {
        // SAFETY: made by `new` from a `&'static str` of a loaded image
        // (the caller's contract), so `ptr..ptr+len` is readable UTF-8.
        let bytes = unsafe { std::slice::from_raw_parts(self.ptr, self.len) };
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// The `#[repr(C)]` part of the export: checked before any Rust-layout data
/// of the library is touched.
#[doc(hidden)]
#[repr(C)]
pub struct ModuleHeader {
    pub(crate) magic: u64,
    pub(crate) header_version: u32,
    pub(crate) rustc: RawStr,
    pub(crate) target: RawStr,
    pub(crate) runtime_version: RawStr,
    pub(crate) runtime_sources: RawStr,
    /// Rust ABI: only called once the fingerprint matches the host's.
    pub(crate) describe: fn() -> ModuleContents,
    /// Rust ABI, likewise: gives the library the host's way to raise a
    /// panic and to run a callback that may panic.
    pub(crate) install_panic_bridge: fn(fn(String) -> !, crate::contract::guard::CatchFn),
}

impl ModuleHeader {
    /// A module's header, listing what `describe` returns.
    pub const fn new(describe: fn() -> ModuleContents) -> ModuleHeader {
        ModuleHeader {
            magic: MAGIC,
            header_version: HEADER_VERSION,
            rustc: RawStr::new(env!("PLAYGROUND_RUSTC")),
            target: RawStr::new(env!("PLAYGROUND_TARGET")),
            runtime_version: RawStr::new(env!("CARGO_PKG_VERSION")),
            runtime_sources: RawStr::new(env!("PLAYGROUND_RUNTIME_SOURCES")),
            describe,
            install_panic_bridge: crate::contract::guard::install_panic_bridge,
        }
    }
}

// SAFETY: the header is immutable and its pointers are to `'static` strings.
unsafe impl Sync for ModuleHeader {}

/// Everything a module registered, read through [`ModuleHeader::describe`].
#[doc(hidden)]
pub struct ModuleContents {
    pub(crate) models: Vec<ModelDescriptor>,
    pub(crate) viewmodels: Vec<&'static ViewModelEntry>,
    /// The module's crate, if it named itself with `export_module!`.
    pub(crate) crate_name: Option<String>,
}

impl ModuleContents {
    /// The registrations of the module's image (`models`, `viewmodels`,
    /// read by the module's own code) and, when the runtime's code is in
    /// another image (a support library the module is linked against),
    /// those of that image too: the crates the module links are there.
    pub fn of(
        models: &'static [ModelDescriptor],
        viewmodels: &'static [ViewModelEntry],
    ) -> ModuleContents {
        let mut contents = ModuleContents {
            models: models.to_vec(),
            viewmodels: viewmodels.iter().collect(),
            crate_name: None,
        };
        let same_image = std::ptr::eq(models.as_ptr(), MODELS.as_ptr())
            || std::ptr::eq(viewmodels.as_ptr(), VIEWMODELS.as_ptr());
        if !same_image {
            contents.models.extend_from_slice(&MODELS);
            contents.viewmodels.extend(VIEWMODELS.iter());
        }
        contents
    }
}

/// What a library and the host must share for Rust values to cross between
/// them: Rust has no stable ABI, so the same compiler, target, runtime
/// build and panic strategy; and, since values allocated on one side are
/// freed on the other, both must use the system allocator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// `rustc -V` of the build.
    pub rustc: String,
    /// The target triple.
    pub target: String,
    /// playground-runtime's version.
    pub runtime_version: String,
    /// A hash of playground-runtime's sources.
    pub runtime_sources: String,
    /// `unwind` or `abort`.
    pub panic: String,
    /// The global allocator, read from the file's symbol table: `system`
    /// (Rust's default), `custom` (a `#[global_allocator]`), or `unknown`
    /// (no symbol table: a stripped file).
    pub allocator: String,
}

/// [`Fingerprint::allocator`] of an image using Rust's default allocator.
pub const SYSTEM_ALLOCATOR: &str = "system";
/// [`Fingerprint::allocator`] of an image with its own `#[global_allocator]`.
pub const CUSTOM_ALLOCATOR: &str = "custom";
/// [`Fingerprint::allocator`] of an image without a symbol table.
pub const UNKNOWN_ALLOCATOR: &str = "unknown";

impl Fingerprint {
    /// This program's fingerprint (its allocator read once from its own
    /// executable).
    pub fn host() -> Fingerprint {
        static ALLOCATOR: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
        let allocator = ALLOCATOR.get_or_init(|| {
            std::fs::File::open("/proc/self/exe")
                .ok()
                .and_then(|file| {
                    let cache = object::ReadCache::new(file);
                    let object = object::File::parse(&cache).ok()?;
                    Some(allocator_of(&object))
                })
                .unwrap_or(UNKNOWN_ALLOCATOR)
        });
        Fingerprint {
            allocator: (*allocator).to_owned(),
            ..Fingerprint::of_build_record()
        }
    }

    /// # Safety
    /// `header` must be a [`ModuleHeader`] of a loaded image whose magic and
    /// header version were checked.
    pub(crate) unsafe fn of(header: &ModuleHeader) -> Fingerprint {
        // SAFETY: the caller's contract: a checked header of a loaded image.
        unsafe {
            Fingerprint {
                rustc: header.rustc.to_string_lossy(),
                target: header.target.to_string_lossy(),
                runtime_version: header.runtime_version.to_string_lossy(),
                runtime_sources: header.runtime_sources.to_string_lossy(),
                panic: String::new(),
                allocator: String::new(),
            }
        }
    }

    /// The first field that differs in a way that forbids sharing values:
    /// its name, this value and the other's. Allocators must both be the
    /// system one; an `unknown` allocator (a stripped file) is trusted.
    pub fn difference<'a>(
        &'a self,
        other: &'a Fingerprint,
    ) -> Option<(BuildPart, &'a str, &'a str)> {
        let allocators = [&self.allocator, &other.allocator];
        [
            (BuildPart::Rustc, &self.rustc, &other.rustc),
            (BuildPart::Target, &self.target, &other.target),
            (
                BuildPart::RuntimeVersion,
                &self.runtime_version,
                &other.runtime_version,
            ),
            (
                BuildPart::RuntimeBuild,
                &self.runtime_sources,
                &other.runtime_sources,
            ),
            (BuildPart::Panic, &self.panic, &other.panic),
        ]
        .into_iter()
        .find(|(_, a, b)| a != b)
        .or_else(|| {
            allocators
                .contains(&&CUSTOM_ALLOCATOR.to_owned())
                .then_some((BuildPart::Allocator, &self.allocator, &other.allocator))
        })
        .map(|(what, a, b)| (what, a.as_str(), b.as_str()))
    }

    /// The fields a library's header repeats (all but the panic strategy
    /// and allocator, which only its file tells): the first that differs.
    pub(crate) fn header_difference(&self, header: &Fingerprint) -> Option<&'static str> {
        [
            ("rustc", &self.rustc, &header.rustc),
            ("target", &self.target, &header.target),
            (
                "playground-runtime version",
                &self.runtime_version,
                &header.runtime_version,
            ),
            (
                "playground-runtime build",
                &self.runtime_sources,
                &header.runtime_sources,
            ),
        ]
        .into_iter()
        .find(|(_, a, b)| a != b)
        .map(|(what, ..)| what)
    }
}

/// Which global allocator an image uses, from its symbol table: Rust's
/// allocator shim calls `__rdl_alloc` (the default, the system allocator)
/// unless a `#[global_allocator]` replaced it. The names are looked for in
/// the symbol table's strings (`.strtab`), a byte search (`memchr`, made for
/// it) rather than a walk over every symbol.
pub(crate) fn allocator_of<'d, R: object::ReadRef<'d>>(file: &object::File<'d, R>) -> &'static str {
    use object::{Object, ObjectSection};
    let Some(strings) = file
        .section_by_name(".strtab")
        .and_then(|section| section.data().ok())
    else {
        return UNKNOWN_ALLOCATOR;
    };
    if memchr::memmem::find(strings, b"__rdl_alloc").is_some() {
        SYSTEM_ALLOCATOR
    } else if memchr::memmem::find(strings, b"__rust_alloc").is_some() {
        CUSTOM_ALLOCATOR
    } else {
        UNKNOWN_ALLOCATOR
    }
}

/// What a library built by another toolchain or runtime differs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildPart {
    /// The compiler's version.
    Rustc,
    /// The target triple.
    Target,
    /// playground-runtime's version.
    RuntimeVersion,
    /// playground-runtime's build (the hash of its code).
    RuntimeBuild,
    /// The panic strategy.
    Panic,
    /// The global allocator (a custom one cannot be shared).
    Allocator,
}

impl fmt::Display for BuildPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BuildPart::Rustc => "rustc",
            BuildPart::Target => "target",
            BuildPart::RuntimeVersion => "playground-runtime version",
            BuildPart::RuntimeBuild => "playground-runtime build",
            BuildPart::Panic => "panic strategy",
            BuildPart::Allocator => "global allocator",
        })
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, {}, playground-runtime {} ({}), panic={}, allocator {}",
            self.rustc,
            self.target,
            self.runtime_version,
            self.runtime_sources,
            self.panic,
            self.allocator
        )
    }
}
