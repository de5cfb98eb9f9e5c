//! Loading a module library into a registry: open, verify, carry state
//! over, swap.

use crate::contract::guard::in_callback;
use crate::contract::view::ViewDescriptor;
use crate::loading::bytes::LibraryBytes;
use crate::loading::error::{LoadError, LoadErrorKind, open_error};
use crate::loading::image::Image;
use crate::loading::library::Library;
use crate::loading::manifest::{Manifest, ManifestHeld};
use crate::loading::module::ModuleContents;
use crate::loading::store;
use crate::loading::verdict::{self, Held};
use crate::registry::bindings::{Bindings, Slot};
use crate::registry::carry::{LoadOptions, Rebound, bind_carrying, save};
use crate::registry::entry::ViewModelEntry;
use crate::registry::error::RegistryError;
use crate::registry::history::{
    Action, LineageEntry, LoadRecord, ModelVersion, Outcome, RecordedView, state_versions,
};
use crate::registry::mapped::MappedLibrary;
use crate::registry::registry::Registry;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// A view of a loaded module that the load left as it was, because the
/// program bound it itself ([`Registry::bind`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftAlone {
    /// The view.
    pub view: String,
    /// The module's viewmodel for it, not bound
    /// (`registry.bind::<dyn View>(viewmodel)` binds it).
    pub viewmodel: String,
    /// The viewmodel the program bound, which stays.
    pub bound: String,
}

/// What a successful load did.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// Its number in the registry's [`history`](Registry::history)
    /// ([`LoadRecord::id`](crate::LoadRecord::id)).
    pub id: u64,
    /// The library's path.
    pub path: PathBuf,
    /// Each view (re)bound, with its viewmodel and how its state came over.
    pub bound: Vec<Rebound>,
    /// Each view the module implements that the load left as it was: the
    /// program bound it itself ([`Registry::bind`]). The module's
    /// viewmodel can still be bound to it by name.
    pub left_alone: Vec<LeftAlone>,
    /// The module's crate, if it named itself with `export_module!` (then
    /// only that crate's viewmodels were bound).
    pub crate_name: Option<String>,
    /// The library's SHA-256 (lowercase hex) of the bytes that were
    /// checked and mapped; when a `<library>.sha256` file is beside it,
    /// they matched it.
    pub sha256: String,
    /// The copy of those bytes kept in the registry's store, when one is
    /// set ([`Registry::keep_libraries`]) and the copy could be written.
    pub stored: Option<PathBuf>,
    /// Time from the call to the swap: read, hash, verify, copy, open,
    /// save, restore, swap.
    pub elapsed: Duration,
    /// How long each phase took, in order: `read` (the file, into memory:
    /// the one copy that is checked), `hash` (its SHA-256, checked against
    /// `<library>.sha256` if there is one), `verify` (its headers and
    /// manifest, against this program; before it, as a part of it,
    /// `support` when the module is linked against a support library that
    /// no load read yet: that library read and checked), `copy` (the
    /// sealed copy that is opened), `open` (`dlopen`, the module's header and registrations),
    /// `save` (the old viewmodels' state), `restore` (the new viewmodels
    /// built, their state restored or migrated), `swap`, and `store` (the
    /// copy kept, when [`Registry::keep_libraries`] set a store). Each phase is
    /// also a `tracing` span of that name (level `DEBUG`, its time in the
    /// field `micros`), inside a span `load`.
    pub phases: Vec<(&'static str, Duration)>,
}

/// What a load attempt found out, kept for its record even when refused.
#[derive(Default)]
pub(crate) struct Attempt {
    phases: Vec<(&'static str, Duration)>,
    sha256: Option<String>,
    stored: Option<PathBuf>,
    crate_name: Option<String>,
    views: Vec<RecordedView>,
    models: Arc<[ModelVersion]>,
}

impl Attempt {
    /// What the module's manifest says it would bind, and its models.
    fn note(&mut self, manifest: &Manifest) {
        self.crate_name = manifest.crate_name.clone();
        self.views = manifest
            .viewmodels
            .iter()
            .filter(|vm| {
                manifest
                    .crate_name
                    .as_ref()
                    .is_none_or(|name| crate::loading::manifest::in_crate(&vm.module_path, name))
            })
            .map(|vm| RecordedView {
                view: manifest
                    .views
                    .iter()
                    .find(|v| v.view_id == vm.view_id)
                    .map_or_else(|| vm.view_id.to_string(), |v| v.name.clone()),
                viewmodel: vm.name.clone(),
                api_version: vm.api_version,
                state: None,
                saved_state: Vec::new(),
            })
            .collect();
        self.models = manifest
            .models
            .iter()
            .map(|m| ModelVersion {
                name: m.name.clone(),
                state_version: m.state_version,
            })
            .collect();
    }
}

impl Registry {
    /// Loads the module library at `path` and binds its viewmodels,
    /// carrying each old viewmodel's state into its successor.
    ///
    /// Refuses, with the registry unchanged: a file that is not a module, a
    /// module built by another toolchain or runtime, a viewmodel compiled
    /// against another `API_VERSION` of its view, a model whose version,
    /// size or align differs from the program's, and state the new
    /// viewmodel cannot read (see [`StatePolicy`](crate::StatePolicy)). A panic in the new
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
        self.load_from(path.as_ref(), None, options)
    }

    /// Loads a library from its bytes as read once and hashed, as
    /// [`Registry::load`] loads its file: a [`Build`](crate::Build)'s
    /// ([`Built::bytes`](crate::Built::bytes)), read and hashed once cargo
    /// was done, and recorded in `<library>.sha256`. The file is not read or
    /// hashed again, so the load costs the same for a 20 MB library as for
    /// a 1 MB one, and what is checked and mapped is what was hashed. The
    /// report's phases start at `verify`. This is what
    /// [`Watcher::build`](crate::Watcher::build) loads.
    ///
    /// ```no_run
    /// # use playground_runtime::{Build, Registry};
    /// let registry = Registry::linked();
    /// let built = Build::new("physics/Cargo.toml").run()?;
    /// registry.load_bytes(built.bytes())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_bytes(&self, bytes: &LibraryBytes) -> Result<LoadReport, LoadError> {
        self.load_bytes_with(bytes, LoadOptions::default())
    }

    /// [`Registry::load_bytes`] with options.
    pub fn load_bytes_with(
        &self,
        bytes: &LibraryBytes,
        options: LoadOptions,
    ) -> Result<LoadReport, LoadError> {
        self.load_from(bytes.path(), Some(bytes), options)
    }

    /// A load of `path`, or of `read`, the bytes read from it already.
    fn load_from(
        &self,
        path: &Path,
        read: Option<&LibraryBytes>,
        options: LoadOptions,
    ) -> Result<LoadReport, LoadError> {
        let id = self.history.next_id();
        let time = SystemTime::now();
        let start = Instant::now();
        let span = tracing::info_span!("load", path = %path.display(), id);
        let _entered = span.enter();
        let mut attempt = Attempt::default();
        let result = self.load_inner(path, read, options, start, id, &mut attempt);
        let outcome = match &result {
            Ok(report) => {
                tracing::info!(
                    path = %path.display(),
                    elapsed_us = report.elapsed.as_micros() as u64,
                    views = ?report.bound.iter().map(|b| &b.view).collect::<Vec<_>>(),
                    "module loaded"
                );
                Outcome::Loaded
            }
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "module refused");
                Outcome::Refused(error.to_string())
            }
        };
        self.history.push(LoadRecord {
            id,
            action: Action::Load,
            time,
            path: Some(path.to_owned()),
            sha256: attempt.sha256,
            stored: attempt.stored,
            crate_name: attempt.crate_name,
            views: attempt.views,
            models: attempt.models.to_vec(),
            outcome,
            elapsed: start.elapsed(),
            phases: attempt.phases,
        });
        result
    }

    fn load_inner(
        &self,
        path: &Path,
        read: Option<&LibraryBytes>,
        options: LoadOptions,
        start: Instant,
        id: u64,
        attempt: &mut Attempt,
    ) -> Result<LoadReport, LoadError> {
        if in_callback() {
            return Err(LoadError::new(path, LoadErrorKind::InCallback));
        }
        // Everything the file can tell, before any of its code runs.
        let (bytes, sha256) = match read {
            Some(read) => (read.shared(), read.sha256().to_owned()),
            None => {
                let bytes = phase!(attempt.phases, "read", Image::read_bytes(path))
                    .map_err(|e| open_error(path, e))?;
                let sha256 = phase!(attempt.phases, "hash", Image::hash(path, &bytes))
                    .map_err(|e| open_error(path, e))?;
                (Arc::new(bytes), sha256)
            }
        };
        attempt.sha256 = Some(sha256.clone());
        let checked = Arc::clone(&bytes);
        let mut support = Vec::new();
        let image = phase!(attempt.phases, "verify", {
            let image = Image::parse(path, bytes, &mut support).map_err(|e| open_error(path, e))?;
            attempt.note(&image.manifest);
            self.verify_manifest(path, &image.manifest)?;
            self.judge_state(path, &image.manifest, options)?;
            Ok::<_, LoadError>(image)
        })?;
        // Read within `verify`, listed before it.
        let verify = attempt.phases.len() - 1;
        attempt.phases.splice(verify..verify, support);
        let copy =
            phase!(attempt.phases, "copy", image.sealed_copy()).map_err(|e| open_error(path, e))?;
        let (library, contents, targets) = phase!(attempt.phases, "open", {
            let (library, contents) =
                Library::open(&image, copy).map_err(|e| open_error(path, e))?;
            // Checked again against what the library registers (the
            // manifest said the same, `Library::open` made sure).
            match self.verify(path, &contents) {
                Ok(targets) => Ok((library, contents, targets)),
                Err(error) => {
                    drop(contents);
                    // SAFETY: none of the module author's code ran (only the
                    // runtime's header and `describe`), and nothing it made
                    // was kept: its registrations were just dropped.
                    unsafe { library.unload() };
                    Err(error)
                }
            }
        })?;
        let library: MappedLibrary = Arc::new(library);
        // Kept from here on, even if binding fails below: the module's own
        // code (constructors, restore) runs from here (see `library`).
        self.libraries.lock().push(Arc::clone(&library));

        let _writer = self.write.lock();
        let current = self.bindings.load_full();
        // The views the program bound itself stay as they are.
        let pinned = self.pinned.lock().clone();
        let (left, targets): (Vec<_>, Vec<_>) = targets
            .into_iter()
            .partition(|(_, view)| pinned.contains(&view.view_id));
        let left_alone: Vec<LeftAlone> = left
            .iter()
            .map(|(entry, view)| LeftAlone {
                view: view.name.to_owned(),
                viewmodel: entry.descriptor.name.to_owned(),
                bound: match current.slots.get(&view.view_id) {
                    Some(Slot::Bound(binding)) => binding.viewmodel.name.to_owned(),
                    _ => String::new(),
                },
            })
            .collect();
        for alone in &left_alone {
            tracing::info!(
                view = %alone.view,
                viewmodel = %alone.viewmodel,
                bound = %alone.bound,
                "left as the program bound it"
            );
        }
        let bind_error = |source: RegistryError| self.refusal(path, source, &image.manifest);
        let saved = phase!(attempt.phases, "save", {
            targets
                .iter()
                .map(|(_, view)| match current.slots.get(&view.view_id) {
                    Some(Slot::Bound(old)) => save(old).map(Some),
                    _ => Ok(None),
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(bind_error)?;
        let built = phase!(attempt.phases, "restore", {
            targets
                .iter()
                .zip(&saved)
                .map(|((entry, view), saved)| {
                    bind_carrying(
                        &self.bindings,
                        entry,
                        view,
                        saved.as_ref(),
                        Some(&library),
                        options,
                    )
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(bind_error)?;
        let bound = phase!(attempt.phases, "swap", {
            let mut slots = current.slots.clone();
            let mut bound = Vec::new();
            let mut views = Vec::new();
            let mut generations = Vec::new();
            let lineage_entry = |entry, view| LineageEntry {
                entry,
                view,
                library: Some(Arc::clone(&library)),
                origin: id,
                path: Some(path.to_owned()),
                sha256: Some(sha256.clone()),
                crate_name: contents.crate_name.clone(),
                models: Arc::clone(&attempt.models),
            };
            for (((entry, view), saved), (binding, state)) in targets.iter().zip(&saved).zip(built)
            {
                slots.insert(view.view_id, Slot::Bound(binding));
                bound.push(Rebound {
                    view: view.name.to_owned(),
                    viewmodel: entry.descriptor.name.to_owned(),
                    state,
                });
                views.push(RecordedView {
                    view: view.name.to_owned(),
                    viewmodel: entry.descriptor.name.to_owned(),
                    api_version: entry.descriptor.api_version,
                    state: Some(state),
                    saved_state: saved.as_ref().map(state_versions).unwrap_or_default(),
                });
                generations.push((entry, view));
            }
            // One store: callers see every old binding or every new one.
            self.bindings.store(Bindings::new(slots));
            let generations: Vec<LineageEntry> = generations
                .into_iter()
                .map(|(entry, view)| lineage_entry(entry, view))
                .collect();
            let left = left.iter().map(|&(entry, view)| lineage_entry(entry, view));
            self.remember_loaded(generations.iter().cloned().chain(left));
            self.history.bound(generations);
            attempt.views = views;
            bound
        });
        // The swap is done: the time a load takes ends here, before the
        // copy kept in the store, if any.
        let elapsed = start.elapsed();
        Ok(LoadReport {
            id,
            path: path.to_owned(),
            bound,
            left_alone,
            crate_name: contents.crate_name.clone(),
            stored: self.keep_copy(&checked, &sha256, path, attempt),
            sha256,
            elapsed,
            phases: attempt.phases.clone(),
        })
    }

    /// Keeps a copy of a library that loaded in the registry's store, if
    /// one is set; a copy that cannot be written is a warning, not a
    /// failed load.
    fn keep_copy(
        &self,
        bytes: &[u8],
        sha256: &str,
        path: &Path,
        attempt: &mut Attempt,
    ) -> Option<PathBuf> {
        let (dir, keep) = self.store.lock().clone()?;
        match phase!(
            attempt.phases,
            "store",
            store::keep_copy(&dir, keep, bytes, sha256, path)
        ) {
            Ok(stored) => {
                attempt.stored = Some(stored.clone());
                Some(stored)
            }
            Err(error) => {
                tracing::warn!(store = %dir.display(), %error, "the library's copy was not kept");
                None
            }
        }
    }

    /// Keeps a copy of every library this registry loads from now on in
    /// `dir`, named by its SHA-256 (with a `sha256sum` sidecar beside
    /// it), the newest `keep` of them (at least one), and notes there the
    /// last one that loaded: cargo overwrites a module's library on every
    /// build, the store keeps the ones that loaded. Each
    /// [`LoadRecord`](crate::LoadRecord) and [`LoadReport`] names its copy
    /// (`stored`); [`Registry::load_last_good`] loads the last one, in this
    /// process or a later one.
    pub fn keep_libraries(&self, dir: impl Into<PathBuf>, keep: usize) {
        *self.store.lock() = Some((dir.into(), keep.max(1)));
    }

    /// Loads the library the store at `dir` notes as the last that loaded
    /// ([`Registry::keep_libraries`]): where a program that starts again
    /// can pick up the last build that worked, whatever cargo has written
    /// since. The copy is checked as any library is (its sidecar too).
    pub fn load_last_good(&self, dir: impl AsRef<Path>) -> Result<LoadReport, LoadError> {
        let dir = dir.as_ref();
        let last = store::last_good(dir).map_err(|source| {
            LoadError::new(dir.join(store::LAST_GOOD), LoadErrorKind::Io { source })
        })?;
        self.load(last)
    }

    /// The error of the library at `path` (manifest `newer`) refused
    /// binding for `source`: when a model's format was refused (a state
    /// field's or a pool's), with what changed in the model since the
    /// build whose manifest lists the refused version (a library loaded
    /// before, newest first, or this program).
    fn refusal(&self, path: &Path, source: RegistryError, newer: &Manifest) -> LoadError {
        let libraries = self.libraries.lock();
        let loaded = libraries
            .iter()
            .rev()
            .filter_map(|library| library.as_any().downcast_ref::<Library>())
            .map(|library| &library.manifest);
        verdict::refusal(path, source, loaded.chain([Manifest::linked()]), newer)
    }

    /// What the registry holds now for each bound view: the state fields
    /// of its viewmodel (from the manifest of the build it came from) and
    /// the view's pools.
    fn held(&self) -> Vec<Held> {
        let current = self.bindings.load_full();
        current
            .slots
            .iter()
            .filter_map(|(&view, slot)| match slot {
                Slot::Bound(binding) => Some((view, binding)),
                Slot::Unbound(_) => None,
            })
            .map(|(view, binding)| {
                let manifest = match &binding._library {
                    Some(library) => library
                        .as_any()
                        .downcast_ref::<Library>()
                        .map(|library| &library.manifest),
                    None => Some(Manifest::linked()),
                };
                let name_hash = crate::contract::fingerprint::named(binding.viewmodel.name);
                let state = manifest
                    .and_then(|m| {
                        m.viewmodels
                            .iter()
                            .find(|vm| vm.name_hash == name_hash && vm.view_id == view)
                    })
                    .map(|vm| vm.state.clone());
                let pools = self
                    .bindings
                    .pool_entries(view)
                    .into_iter()
                    .map(|pool| ManifestHeld {
                        field: String::new(),
                        model: pool.model,
                        model_id: pool.model_id,
                        state_version: pool.state_version,
                        size: pool.size as u64,
                        align: pool.align as u64,
                        reads: Vec::new(),
                    })
                    .collect();
                Held { view, state, pools }
            })
            .collect()
    }

    /// Refuses a module whose viewmodels could not take over the state the
    /// registry holds (see [`verdict`]), before any of its code runs, with
    /// the error the restore would give.
    fn judge_state(
        &self,
        path: &Path,
        manifest: &Manifest,
        options: LoadOptions,
    ) -> Result<(), LoadError> {
        let pinned = self.pinned.lock().clone();
        let targets = manifest
            .own_viewmodels()
            .filter(|vm| !pinned.contains(&vm.view_id));
        verdict::judge(&self.held(), manifest, targets, options.on_state_mismatch)
            .map_err(|source| self.refusal(path, source, manifest))
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
        self.check_with(path, LoadOptions::default())
    }

    /// [`Registry::check`] for a load with `options`.
    pub fn check_with(
        &self,
        path: impl AsRef<Path>,
        options: LoadOptions,
    ) -> Result<Manifest, LoadError> {
        let path = path.as_ref();
        let image = Image::read(path).map_err(|e| open_error(path, e))?;
        self.verify_manifest(path, &image.manifest)?;
        self.judge_state(path, &image.manifest, options)?;
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
    fn verify(
        &self,
        path: &Path,
        contents: &ModuleContents,
    ) -> Result<Vec<(&'static ViewModelEntry, &'static ViewDescriptor)>, LoadError> {
        contents
            .viewmodels
            .iter()
            .map(|&entry| {
                let vm = &entry.descriptor;
                self.catalog
                    .static_views()
                    .find(|v| v.view_id == vm.view_id && v.api_version == vm.api_version)
                    .map(|view| (entry, view))
                    .ok_or_else(|| {
                        LoadError::new(
                            path.to_owned(),
                            LoadErrorKind::Disagrees {
                                message: format!(
                                    "viewmodel `{}` does not implement a view of this program \
                             in its version, unlike its manifest's",
                                    vm.name
                                ),
                            },
                        )
                    })
            })
            .collect()
    }

    /// Unloads every library that no binding, handle or thread-local
    /// lookup cache holds any more, and returns how many were unmapped (a
    /// library that registered a thread-local destructor stays mapped
    /// until that thread exits: glibc's rule; it is not counted; a thin
    /// module, linked against a support library, is never unmapped).
    /// It first forgets the earlier builds each view keeps for
    /// [`Registry::rollback`] (see the [`history`](crate::history) module),
    /// which hold their libraries: after it, a view cannot be rolled back
    /// past its current binding. It also forgets the loaded viewmodels of
    /// libraries no binding uses, which [`Registry::bind`] could name.
    ///
    /// # Safety
    /// No value produced by those libraries may be reachable: no
    /// `&'static` borrow of their data, no function pointer, closure or
    /// trait object whose code lives in them (for example one returned by a
    /// view method). Bindings and [`ViewHandle`](crate::ViewHandle)s are
    /// counted; such values are not.
    pub unsafe fn unload_retired(&self) -> usize {
        {
            let _writer = self.write.lock();
            self.history.forget_earlier();
            let current = self.bindings.load_full();
            let in_use: Vec<&MappedLibrary> = current
                .slots
                .values()
                .filter_map(|slot| match slot {
                    Slot::Bound(binding) => binding._library.as_ref(),
                    Slot::Unbound(_) => None,
                })
                .collect();
            self.loaded.lock().retain(|entry| {
                entry
                    .library
                    .as_ref()
                    .is_some_and(|library| in_use.iter().any(|used| Arc::ptr_eq(used, library)))
            });
        }
        let retired: Vec<MappedLibrary> = {
            let mut libraries = self.libraries.lock();
            let (retired, kept) = libraries.drain(..).partition(|l| Arc::strong_count(l) == 1);
            *libraries = kept;
            retired
        };
        let mut unloaded = 0;
        for library in retired {
            let path = library.path().to_owned();
            // SAFETY: nothing in the program holds it (its count was one and
            // we held that one), and the caller vouches for values.
            if unsafe { library.unload() } {
                tracing::info!(path = %path.display(), "module unloaded");
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
            .map(|l| l.path().to_owned())
            .collect()
    }
}
