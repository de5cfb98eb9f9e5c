//! Loading a module library into a registry: open, verify, carry state
//! over, swap.

use crate::bindings::{Bindings, Slot};
use crate::error::{LoadError, RegistryError, StateError};
use crate::library::{Image, Library, OpenError};
use crate::manifest::Manifest;
use crate::module::{MODULE_SYMBOL, ModuleContents};
use crate::registry::{Registry, bind, save};
use crate::view::ViewDescriptor;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to do when a module's state format differs from the saved state's
/// and the model has no migration for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatePolicy {
    /// Refuse the module; the old binding keeps running with its state.
    #[default]
    Refuse,
    /// Bind the new viewmodel with fresh state; the old state is dropped.
    StartFresh,
}

/// Options of [`Registry::load_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// See [`StatePolicy`].
    pub on_state_mismatch: StatePolicy,
}

/// What a successful load did.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// The library's path.
    pub path: PathBuf,
    /// Each view (re)bound, with its viewmodel and how its state came over.
    pub bound: Vec<Rebound>,
    /// The module's crate, if it named itself with `export_module!` (then
    /// only that crate's viewmodels were bound).
    pub crate_name: Option<String>,
    /// The library's SHA-256 (lowercase hex), when a `<library>.sha256`
    /// file beside it recorded one and the bytes matched it.
    pub sha256: Option<String>,
    /// Time from the call to the swap: read, verify, open, save, restore.
    pub elapsed: Duration,
    /// How long each phase took, in order: `read` (the file, its hash and
    /// manifest), `verify` (against this program), `copy` (the sealed copy
    /// that is opened), `open` (`dlopen`, the module's header and
    /// registrations), `bind` (save, construct, restore or migrate) and
    /// `swap`.
    pub phases: Vec<(&'static str, Duration)>,
}

/// Times the phases of a load; each is also a `tracing` event.
struct Phases {
    last: Instant,
    done: Vec<(&'static str, Duration)>,
}

impl Phases {
    fn new(start: Instant) -> Self {
        Phases {
            last: start,
            done: Vec::with_capacity(6),
        }
    }

    fn end(&mut self, phase: &'static str) {
        let now = Instant::now();
        let took = now - self.last;
        self.last = now;
        tracing::debug!(phase, micros = took.as_micros() as u64, "load phase");
        self.done.push((phase, took));
    }
}

/// One view bound by a load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebound {
    /// The view's name.
    pub view: String,
    /// The new viewmodel's name.
    pub viewmodel: String,
    /// How its state was set.
    pub state: Carried,
}

/// How a new viewmodel's state was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carried {
    /// The view was not bound before: fresh state.
    New,
    /// The old viewmodel's state, same format (adopted or decoded), or
    /// migrated by the model.
    Restored,
    /// Fresh state, because the format changed and the options allowed it.
    StartedFresh,
}

impl Registry {
    /// Loads the module library at `path` and binds its viewmodels,
    /// carrying each old viewmodel's state into its successor.
    ///
    /// Refuses, with the registry unchanged: a file that is not a module, a
    /// module built by another toolchain or runtime, a viewmodel compiled
    /// against another `API_VERSION` of its view, a model whose version,
    /// size or align differs from the program's, and state the new
    /// viewmodel cannot read (see [`StatePolicy`]). A panic in the new
    /// viewmodel's constructor, restore or migration is caught and refused
    /// the same way. All views of the module are swapped in with one store.
    pub fn load(&self, path: impl AsRef<Path>) -> Result<LoadReport, LoadError> {
        self.load_with(path, LoadOptions::default())
    }

    /// [`Registry::load`] with options.
    pub fn load_with(
        &self,
        path: impl AsRef<Path>,
        options: LoadOptions,
    ) -> Result<LoadReport, LoadError> {
        let path = path.as_ref();
        let start = Instant::now();
        let result = self.load_inner(path, options, start);
        match &result {
            Ok(report) => tracing::info!(
                path = %path.display(),
                elapsed_us = report.elapsed.as_micros() as u64,
                views = ?report.bound.iter().map(|b| &b.view).collect::<Vec<_>>(),
                "module loaded"
            ),
            Err(error) => tracing::warn!(path = %path.display(), %error, "module refused"),
        }
        result
    }

    fn load_inner(
        &self,
        path: &Path,
        options: LoadOptions,
        start: Instant,
    ) -> Result<LoadReport, LoadError> {
        let mut phases = Phases::new(start);
        // Everything the file can tell, before any of its code runs.
        let image = Image::read(path).map_err(|e| open_error(path, e))?;
        phases.end("read");
        self.verify_manifest(path, &image.manifest)?;
        phases.end("verify");
        let copy = image.sealed_copy().map_err(|e| open_error(path, e))?;
        phases.end("copy");
        let (library, contents) = Library::open(&image, copy).map_err(|e| open_error(path, e))?;
        phases.end("open");
        // Checked again against what the library registers (the manifest
        // said the same, `Library::open` made sure).
        let checked = self.verify(path, &contents);
        let targets = match checked {
            Ok(targets) => targets,
            Err(error) => {
                drop(contents);
                // SAFETY: none of the module author's code ran (only the
                // runtime's header and `describe`), and nothing it made was
                // kept: its registrations were just dropped.
                unsafe { library.unload() };
                return Err(error);
            }
        };
        let library = Arc::new(library);
        // Kept from here on, even if binding fails below: the module's own
        // code (constructors, restore) runs from here (see `library`).
        self.libraries.lock().push(Arc::clone(&library));

        let _writer = self.write.lock();
        let current = self.bindings.load_full();
        let mut slots = current.slots.clone();
        let mut bound = Vec::new();
        for (entry, view) in targets {
            let bind_error = |source: RegistryError| LoadError::Bind {
                path: path.to_owned(),
                source: Box::new(source),
            };
            let saved = match current.slots.get(&view.view_id) {
                Some(Slot::Bound(old)) => Some(save(old).map_err(bind_error)?),
                _ => None,
            };
            let (binding, state) =
                match bind(&self.bindings, entry, view, saved.as_ref(), Some(&library)) {
                    Ok(binding) => (
                        binding,
                        if saved.is_some() {
                            Carried::Restored
                        } else {
                            Carried::New
                        },
                    ),
                    Err(RegistryError::State {
                        source: StateError::VersionMismatch { .. },
                        ..
                    }) if options.on_state_mismatch == StatePolicy::StartFresh => {
                        let binding = bind(&self.bindings, entry, view, None, Some(&library))
                            .map_err(bind_error)?;
                        (binding, Carried::StartedFresh)
                    }
                    Err(error) => return Err(bind_error(error)),
                };
            bound.push(Rebound {
                view: view.name.to_owned(),
                viewmodel: entry.descriptor.name.to_owned(),
                state,
            });
            slots.insert(view.view_id, Slot::Bound(binding));
        }
        phases.end("bind");
        // One store: callers see every old binding or every new one.
        self.bindings.store(Bindings { slots });
        phases.end("swap");
        Ok(LoadReport {
            path: path.to_owned(),
            bound,
            crate_name: contents.crate_name.clone(),
            sha256: image.sha256.clone(),
            elapsed: start.elapsed(),
            phases: phases.done,
        })
    }

    /// Checks the module library at `path` against this program from its
    /// file alone, without opening it (none of its code runs, nothing is
    /// mapped): what [`Registry::load`] checks first. Returns what the
    /// module holds.
    ///
    /// ```no_run
    /// # let registry = playground_runtime::Registry::linked();
    /// match registry.check("target/debug/libphysics.so") {
    ///     Ok(manifest) => println!("would load: {} viewmodels", manifest.viewmodels.len()),
    ///     Err(error) => println!("would be refused: {error}"),
    /// }
    /// ```
    pub fn check(&self, path: impl AsRef<Path>) -> Result<Manifest, LoadError> {
        let path = path.as_ref();
        let image = Image::read(path).map_err(|e| open_error(path, e))?;
        self.verify_manifest(path, &image.manifest)?;
        Ok(image.manifest)
    }

    /// The build, models and own viewmodels a manifest lists, against this
    /// program's manifest ([`Manifest::check_module`]).
    fn verify_manifest(&self, path: &Path, manifest: &Manifest) -> Result<(), LoadError> {
        Manifest::linked().check_module(path, manifest)
    }

    /// Each viewmodel the opened library registers, with the view of this
    /// program it binds. Its manifest was checked ([`Self::verify_manifest`])
    /// and the library registers what the manifest listed (`Library::open`),
    /// so each finds its view in its version.
    fn verify<'m>(
        &'m self,
        path: &Path,
        contents: &'m ModuleContents,
    ) -> Result<Vec<(&'m crate::viewmodel::ViewModelEntry, &'m ViewDescriptor)>, LoadError> {
        contents
            .viewmodels
            .iter()
            .map(|&entry| {
                let vm = &entry.descriptor;
                self.catalog
                    .views()
                    .find(|v| v.view_id == vm.view_id && v.api_version == vm.api_version)
                    .map(|view| (entry, view))
                    .ok_or_else(|| LoadError::Disagrees {
                        path: path.to_owned(),
                        message: format!(
                            "viewmodel `{}` does not implement a view of this program \
                             in its version, unlike its manifest's",
                            vm.name
                        ),
                    })
            })
            .collect()
    }

    /// Unloads every library that no binding, handle or thread-local
    /// lookup cache holds any more, and returns how many were unloaded.
    ///
    /// # Safety
    /// No value produced by those libraries may be reachable: no
    /// `&'static` borrow of their data, no function pointer, closure or
    /// trait object whose code lives in them (for example one returned by a
    /// view method). Bindings and [`ViewHandle`](crate::ViewHandle)s are
    /// counted; such values are not.
    pub unsafe fn unload_retired(&self) -> usize {
        let retired: Vec<Arc<Library>> = {
            let mut libraries = self.libraries.lock();
            let (retired, kept) = libraries.drain(..).partition(|l| Arc::strong_count(l) == 1);
            *libraries = kept;
            retired
        };
        let mut unloaded = 0;
        for library in retired {
            if let Ok(library) = Arc::try_unwrap(library) {
                tracing::info!(path = %library.path.display(), "module unloaded");
                // SAFETY: nothing in the program holds it (count was one and
                // we held that one), and the caller vouches for values.
                unsafe { library.unload() };
                unloaded += 1;
            }
        }
        unloaded
    }

    /// The paths of the libraries loaded and still mapped, oldest first.
    pub fn loaded_libraries(&self) -> Vec<PathBuf> {
        self.libraries
            .lock()
            .iter()
            .map(|l| l.path.clone())
            .collect()
    }
}

pub(crate) fn open_error(path: &Path, error: OpenError) -> LoadError {
    let path = path.to_owned();
    match error {
        OpenError::Io(source) => LoadError::Io { path, source },
        OpenError::NotAFile(kind) => LoadError::NotAFile { path, kind },
        OpenError::Hash { expected, actual } => LoadError::Hash {
            path,
            expected,
            actual,
        },
        OpenError::Sidecar(message) => LoadError::Sidecar { path, message },
        OpenError::Open(message) => LoadError::Open { path, message },
        OpenError::MissingSymbol(message) => LoadError::MissingSymbol {
            path,
            symbol: MODULE_SYMBOL,
            message,
        },
        OpenError::NotAModule(message) => LoadError::NotAModule { path, message },
        OpenError::Disagrees(message) => LoadError::Disagrees { path, message },
    }
}
