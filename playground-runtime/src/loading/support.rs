//! A thin module's support library: the shared library of its
//! dependencies that it is linked against (`Build::thin_links`), named in
//! the module's dynamic section.
//!
//! It is read and checked with the first module that names it, before any
//! code of either runs: a whole shared library, built as the module was,
//! whose registrations (the views, models and viewmodels of the crates the
//! module links) are part of the module's manifest. Then, once a module
//! naming it passed every check, it is loaded from a sealed copy of the
//! bytes checked, as a module is; the dynamic linker, opening the module,
//! finds a library of the name the module needs (its `soname`) already
//! loaded and uses it, whatever the file on disk holds by then. It stays
//! loaded for as long as the program runs, and the next modules naming it
//! are checked against what was read: it is not read again.

use crate::loading::file::{OpenError, read_regular_file};
use crate::loading::mapping::{check_complete, sealed_copy};
use crate::loading::module::Fingerprint;
use crate::loading::reading::support_records;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

/// How a support library's file name (and `soname`) starts: `lib` and the
/// crate name `Build` gives it.
pub(crate) const SUPPORT_PREFIX: &str = "libplayground_support_";

/// A support library as the loader read it.
pub(crate) struct SupportImage {
    /// Its `soname`: the name modules need it by.
    pub soname: String,
    /// The file it was read from.
    pub path: PathBuf,
    /// Its build.
    pub build: Fingerprint,
    /// Its manifest records, back to back.
    pub records: Vec<u8>,
    /// The bytes checked, until they are loaded.
    bytes: Mutex<Option<Vec<u8>>>,
    /// Whether loading them succeeded (the loader's message if not).
    opened: OnceLock<Result<(), String>>,
}

/// Every support library read so far, by `soname`.
static KNOWN: Mutex<Vec<Arc<SupportImage>>> = Mutex::new(Vec::new());

/// The support library `object` (a module's file) is linked against: the
/// `DT_NEEDED` entry named [`SUPPORT_PREFIX`]`*.so`. One read before (or
/// loaded) is that one; otherwise it is looked for in the directories of
/// the module's `DT_RUNPATH` (or `DT_RPATH`), as the dynamic linker would,
/// read and checked (the phase `support` of `phases`). `None` for a
/// module linked in full.
pub(crate) fn support_of(
    object: &object::File<'_>,
    phases: &mut Vec<(&'static str, Duration)>,
) -> Result<Option<Arc<SupportImage>>, OpenError> {
    let Some((soname, dirs)) = needed_support(object)? else {
        return Ok(None);
    };
    if let Some(support) = known(&soname) {
        return Ok(Some(support));
    }
    let path = dirs
        .iter()
        .map(|dir| dir.join(&soname))
        .find(|path| path.is_absolute() && path.is_file())
        .ok_or_else(|| {
            OpenError::Open(format!(
                "it is linked against the support library {soname}, which is in none of its \
                 run-time paths ({}): removed with the target directory? Rebuild the module",
                dirs.iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    phase!(phases, "support", read(soname, path)).map(Some)
}

/// Reads ahead the support library at `path` (a file `Build` made), as
/// the first module naming it would: that module's load then finds it
/// read and checked, not a file of megabytes to read on the way to its
/// swap. Read once per `soname`; an error is only logged (that module's
/// load reads it again and reports it).
pub(crate) fn read_ahead(path: &std::path::Path) {
    let Some(soname) = path.file_name().and_then(|name| name.to_str()) else {
        return;
    };
    if known(soname).is_some() || !soname.starts_with(SUPPORT_PREFIX) || !path.is_absolute() {
        return;
    }
    match read(soname.to_owned(), path.to_owned()) {
        Ok(support) => {
            tracing::debug!(support = %support.path.display(), "support library read ahead")
        }
        Err(error) => tracing::debug!(?error, "support library not read ahead"),
    }
}

/// The support library `soname`, if one was read before.
fn known(soname: &str) -> Option<Arc<SupportImage>> {
    KNOWN
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|support| support.soname == soname)
        .cloned()
}

/// Reads and checks the support library `soname` at `path` and keeps it
/// among the known ones (the one read first, if another thread read it
/// meanwhile).
fn read(soname: String, path: PathBuf) -> Result<Arc<SupportImage>, OpenError> {
    let unreadable = |why: String| {
        OpenError::NotAModule(format!("its support library {}: {why}", path.display()))
    };
    let bytes = read_regular_file(&path).map_err(|error| unreadable(format!("{error:?}")))?;
    let file = object::File::parse(bytes.as_slice())
        .map_err(|e| unreadable(format!("not an object file: {e}")))?;
    check_complete(&file, bytes.len() as u64).map_err(unreadable)?;
    let (build, records) = support_records(&bytes).map_err(|e| unreadable(e.to_string()))?;
    let support = Arc::new(SupportImage {
        soname,
        path: path.clone(),
        build,
        records,
        bytes: Mutex::new(Some(bytes)),
        opened: OnceLock::new(),
    });
    let mut all = KNOWN.lock().unwrap_or_else(PoisonError::into_inner);
    // Read by another load meanwhile: theirs, so that one copy is loaded.
    if let Some(first) = all.iter().find(|s| s.soname == support.soname) {
        return Ok(Arc::clone(first));
    }
    all.push(Arc::clone(&support));
    Ok(support)
}

/// The support library's name and the module's run-time paths, from its
/// dynamic section.
fn needed_support(object: &object::File<'_>) -> Result<Option<(String, Vec<PathBuf>)>, OpenError> {
    let object::File::Elf64(elf) = object else {
        return Ok(None);
    };
    let malformed = |e: object::Error| OpenError::Open(format!("its dynamic section: {e}"));
    let table = elf
        .elf_section_table()
        .dynamic_table(elf.endian(), elf.data())
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
        } else if text.starts_with(SUPPORT_PREFIX) && text.ends_with(".so") && !text.contains('/') {
            needed = Some(text);
        }
    }
    Ok(needed.map(|needed| (needed, dirs)))
}

impl SupportImage {
    /// Loads the bytes checked, from a sealed anonymous file, once: the
    /// module about to be opened then links against them.
    pub(crate) fn open(&self) -> Result<(), OpenError> {
        let opened = self.opened.get_or_init(|| {
            let bytes = self
                .bytes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
                .ok_or("its bytes are gone")?;
            let copy = sealed_copy(&bytes).map_err(|e| e.to_string())?;
            let name = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&copy));
            // SAFETY: opening a library runs its initialisers. These bytes
            // are a whole shared library built by this program's compiler
            // and runtime (checked when they were read), holding the crates
            // a module that passed every check links: the code that module
            // runs, loaded before it. The copy is sealed, so nothing
            // changes it while it is mapped.
            let library = unsafe { libloading::Library::new(&name) }.map_err(|e| e.to_string())?;
            // Loaded for as long as the program runs: modules linked
            // against it may be loaded at any time, and the dynamic linker
            // finds it by its `soname` only while it is loaded (and only
            // while its name, `/proc/self/fd/N`, names this file).
            std::mem::forget(library);
            std::mem::forget(copy);
            tracing::debug!(support = %self.path.display(), "support library loaded");
            Ok(())
        });
        opened.clone().map_err(|why| {
            OpenError::Open(format!(
                "its support library {} could not be loaded: {why}",
                self.path.display()
            ))
        })
    }
}
