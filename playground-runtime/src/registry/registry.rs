//! The registry: which viewmodel serves each view, with lock-free lookups.
//!
//! `impl Registry` is in three files, one per layer of what it does:
//! lookups and [`Registry::bind`] here, rolling back in `rollback.rs`
//! beside this file, and loading libraries in `loading/loader.rs`.

use crate::contract::ids::ViewId;
use crate::contract::mutex::Mutex;
use crate::contract::state::SavedState;
use crate::contract::view::View;
use crate::registry::bindings::{BindingStore, Bindings, Slot, Slots, no_viewmodel};
use crate::registry::cache::ViewCache;
use crate::registry::carry::{bind, save};
use crate::registry::catalog::Catalog;
use crate::registry::entry::ViewModelEntry;
use crate::registry::error::RegistryError;
use crate::registry::history::{History, LineageEntry, LoadRecord};
use crate::registry::mapped::MappedLibrary;
use crate::registry::view_ref::{ViewHandle, ViewRef};
use std::fmt;
use std::path::PathBuf;
use std::ptr::NonNull;
use std::sync::Arc;

/// Which viewmodel serves each view.
///
/// Lookups ([`Registry::get`]) never take a lock and never wait for a
/// rebinding, which builds a new map and swaps it in with one store
/// (`arc_swap`); a thread-local cache makes a lookup one atomic load and one
/// cache slot read when nothing changed since the thread's last one.
///
/// ```
/// use playground_runtime::{Registry, view, viewmodel};
///
/// #[view]
/// pub trait Clock: Send + Sync {
///     fn now(&self) -> u64;
/// }
///
/// #[derive(Default)]
/// struct Fixed;
///
/// #[viewmodel]
/// impl Clock for Fixed {
///     fn now(&self) -> u64 { 42 }
/// }
///
/// let registry = Registry::linked();
/// let clock = registry.get::<dyn Clock>()?;
/// assert_eq!(clock.now(), 42);
/// println!("{}", registry.catalog());
/// # Ok::<(), playground_runtime::RegistryError>(())
/// ```
pub struct Registry {
    /// Shared with the [`Uses`](crate::Uses) handles of its viewmodels.
    pub(crate) bindings: Arc<BindingStore>,
    /// Serialises writers; readers never touch it.
    pub(crate) write: Mutex<()>,
    pub(crate) catalog: Catalog,
    /// Every library loaded, kept mapped (see the `library` module).
    pub(crate) libraries: Mutex<Vec<MappedLibrary>>,
    /// Load records and each view's earlier bindings (see the `history`
    /// module).
    pub(crate) history: History,
    /// The views the program bound itself ([`Registry::bind`]): a load
    /// leaves them as they are until [`Registry::release`].
    pub(crate) pinned: Mutex<Vec<ViewId>>,
    /// The newest loaded build of each viewmodel (by view and name), bound
    /// or not, for [`Registry::bind`] to name.
    pub(crate) loaded: Mutex<Vec<LineageEntry>>,
    /// Where to keep a copy of each library loaded, and how many
    /// ([`Registry::keep_libraries`]).
    pub(crate) store: Mutex<Option<(PathBuf, usize)>>,
}

impl Registry {
    /// Every load and rollback attempt this registry remembers, oldest
    /// first: the last [`HISTORY_CAPACITY`](crate::HISTORY_CAPACITY), refused ones included.
    pub fn history(&self) -> Vec<LoadRecord> {
        self.history.records()
    }

    /// Binds every viewmodel linked into this program to its view.
    ///
    /// A view with one viewmodel is bound to it. A view with several is left
    /// unbound until [`Registry::bind`] chooses one, and a viewmodel whose
    /// constructor panics is left unbound; [`Registry::get`] reports both as
    /// errors.
    pub fn linked() -> Registry {
        let catalog = Catalog::linked();
        // The store exists before the viewmodels: their `Uses` handles
        // point to it. Their bindings are published at the end, together.
        let store = Arc::new(BindingStore::new(Bindings::default()));
        let mut slots = Slots::default();
        let mut lineages = Vec::new();
        for view in &catalog.views {
            let same_id = catalog
                .views
                .iter()
                .find(|v| v.view_id == view.view_id && v != &view);
            if let Some(other) = same_id {
                let error = RegistryError::DuplicateViewId {
                    first: format!("{}::{}", view.module_path, view.name),
                    second: format!("{}::{}", other.module_path, other.name),
                    view_id: view.view_id,
                };
                slots.insert(view.view_id, Slot::Unbound(error));
                continue;
            }
            let candidates: Vec<&ViewModelEntry> = catalog.viewmodels_of(view.view_id).collect();
            let slot = match candidates.as_slice() {
                [] => continue,
                [only] => match bind(&store, only, view, None, None) {
                    Ok(binding) => {
                        lineages.push(LineageEntry::linked(only, view, 0));
                        Slot::Bound(binding)
                    }
                    Err(error) => Slot::Unbound(error),
                },
                _ => Slot::Unbound(RegistryError::AmbiguousViewModel {
                    view: view.name.to_owned(),
                    candidates: candidates
                        .iter()
                        .map(|e| e.descriptor.name.to_owned())
                        .collect(),
                }),
            };
            match &slot {
                Slot::Bound(b) => {
                    tracing::debug!(view = view.name, viewmodel = b.viewmodel.name, "bound")
                }
                Slot::Unbound(error) => tracing::warn!(view = view.name, %error, "not bound"),
            }
            slots.insert(view.view_id, slot);
        }
        store.store(Bindings::new(slots));
        Registry {
            bindings: store,
            write: Mutex::new(()),
            catalog,
            libraries: Mutex::new(Vec::new()),
            history: History::new(lineages),
            pinned: Mutex::new(Vec::new()),
            loaded: Mutex::new(Vec::new()),
            store: Mutex::new(None),
        }
    }

    /// The viewmodel bound to view `T`, usable as `&T`.
    ///
    /// The returned [`ViewRef`] keeps the binding it found alive: a
    /// rebinding in the meantime does not affect it. Hold it for a call or a
    /// frame, not forever; [`Registry::get_owned`] gives an owned handle.
    ///
    /// The error is boxed so that the result stays three words and a lookup
    /// a few instructions (`?` turns it into a [`RegistryError`] or any
    /// `Box<dyn Error>`).
    #[inline(always)]
    pub fn get<T: ?Sized + View>(&self) -> Result<ViewRef<'_, T>, Box<RegistryError>> {
        Ok(ViewRef::new(self.bindings.lookup::<T>()?))
    }

    /// The viewmodel bound to view `T`, as an owned handle that can be moved
    /// to other threads and kept across rebindings (it keeps serving the
    /// binding it was taken from, and keeps its library loaded).
    /// The error is boxed, as [`Registry::get`]'s.
    // Always inlined: called out of line, its three-word result is written
    // in two stores and read back in one, which stalls (17 against 6 ns,
    // measured when a second caller made LLVM outline it).
    #[inline(always)]
    pub fn get_owned<T: ?Sized + View>(&self) -> Result<ViewHandle<T>, Box<RegistryError>> {
        let pinned = self.bindings.lookup::<T>()?;
        Ok(ViewHandle {
            view: NonNull::from(&**pinned.view()),
            binding: Arc::clone(pinned.binding()),
        })
    }

    /// A [`ViewCache`] of view `T`: a handle for a call site that calls
    /// often, which follows every rebinding. Fails as [`Registry::get`]
    /// does if `T` is not bound now.
    pub fn view_cache<T: ?Sized + View>(&self) -> Result<ViewCache<T>, Box<RegistryError>> {
        let pinned = self.bindings.lookup::<T>()?;
        Ok(ViewCache {
            store: Arc::clone(&self.bindings),
            generation: pinned.generation(),
            handle: Some(ViewHandle::new(&pinned)),
        })
    }

    /// Binds view `T` to the viewmodel named `viewmodel`: one linked into
    /// the program, or one of a library loaded since (its newest build).
    ///
    /// If `T` was bound, its state is saved and restored into the new
    /// viewmodel, and [`Registry::rollback`] can go back to it. On any
    /// failure (unknown name, a constructor panic, a state the new
    /// viewmodel cannot read) the previous binding stays as it was.
    ///
    /// The binding is the program's: later loads leave `T` as it is (their
    /// [`LoadReport::left_alone`](crate::LoadReport::left_alone) says so)
    /// until the program binds it again or calls [`Registry::release`].
    pub fn bind<T: ?Sized + View>(&self, viewmodel: &str) -> Result<(), RegistryError> {
        let _writer = self.write.lock();
        let linked = self
            .catalog
            .viewmodels_of(T::VIEW_ID)
            .find(|e| e.descriptor.name == viewmodel)
            .map(|entry| LineageEntry::linked(entry, T::DESCRIPTOR, 0));
        let target = linked
            .or_else(|| {
                let loaded = self.loaded.lock();
                loaded
                    .iter()
                    .rev()
                    .find(|l| l.view.view_id == T::VIEW_ID && l.entry.descriptor.name == viewmodel)
                    .cloned()
            })
            .ok_or_else(|| RegistryError::UnknownViewModel {
                view: T::NAME.to_owned(),
                viewmodel: viewmodel.to_owned(),
                known: self.known_viewmodels(T::VIEW_ID),
            })?;
        let current = self.bindings.load_full();
        let saved = match current.slots.get(&T::VIEW_ID) {
            Some(Slot::Bound(old)) => Some(save(old)?),
            _ => None,
        };
        let binding = bind(
            &self.bindings,
            target.entry,
            T::DESCRIPTOR,
            saved.as_ref(),
            target.library.as_ref(),
        )?;
        tracing::info!(
            view = T::NAME,
            viewmodel,
            loaded = target.library.is_some(),
            carried_state = saved.is_some(),
            "rebound by the program"
        );
        let mut slots = current.slots.clone();
        slots.insert(T::VIEW_ID, Slot::Bound(binding));
        self.bindings.store(Bindings::new(slots));
        self.history.bound([LineageEntry {
            origin: self.history.next_id(),
            ..target
        }]);
        let mut pinned = self.pinned.lock();
        if !pinned.contains(&T::VIEW_ID) {
            pinned.push(T::VIEW_ID);
        }
        Ok(())
    }

    /// Lets later loads bind view `T` again, after [`Registry::bind`] made
    /// it the program's; whether it was. The current binding stays.
    pub fn release<T: ?Sized + View>(&self) -> bool {
        let _writer = self.write.lock();
        let mut pinned = self.pinned.lock();
        let before = pinned.len();
        pinned.retain(|&view| view != T::VIEW_ID);
        pinned.len() != before
    }

    /// Keeps `entries` (a load's viewmodels, bound or left alone) as the
    /// newest builds of their viewmodels for [`Registry::bind`], each in
    /// place of an older build of the same name (which no longer keeps its
    /// library mapped from here).
    pub(crate) fn remember_loaded(&self, entries: impl IntoIterator<Item = LineageEntry>) {
        let mut loaded = self.loaded.lock();
        for entry in entries {
            loaded.retain(|l| {
                l.view.view_id != entry.view.view_id
                    || l.entry.descriptor.name != entry.entry.descriptor.name
            });
            loaded.push(entry);
        }
    }

    /// The names [`Registry::bind`] knows for view `view`: linked ones,
    /// then loaded ones.
    fn known_viewmodels(&self, view: ViewId) -> Vec<String> {
        let mut known: Vec<String> = self
            .catalog
            .viewmodels_of(view)
            .map(|e| e.descriptor.name.to_owned())
            .collect();
        for loaded in self.loaded.lock().iter() {
            let name = loaded.entry.descriptor.name;
            if loaded.view.view_id == view && !known.iter().any(|k| k == name) {
                known.push(name.to_owned());
            }
        }
        known
    }

    /// Saves the state of the viewmodel bound to `T`.
    pub fn save_state<T: ?Sized + View>(&self) -> Result<SavedState, RegistryError> {
        match self.bindings.load_full().slots.get(&T::VIEW_ID) {
            Some(Slot::Bound(binding)) => save(binding),
            Some(Slot::Unbound(error)) => Err(error.clone()),
            None => Err(no_viewmodel::<T>()),
        }
    }

    /// The registry's pool of model `M` for view `V`: the one the `Pool<M>`
    /// fields of `V`'s viewmodels hold (see [`Pool`](crate::Pool)). An
    /// error if no viewmodel of `V` has made one, or if it holds another
    /// format of `M`.
    pub fn pool<V: ?Sized + View, M: crate::Model>(
        &self,
    ) -> Result<crate::Pool<M>, crate::PoolError> {
        crate::registry::pool::pool::registry_pool::<V, M>(&self.bindings)
    }

    /// The values of the pool of the model named `model` that view `V`'s
    /// viewmodels keep, encoded, each with its handle's bits: for a host
    /// that reads a module's pool without linking the module's model type
    /// (linking the module crate would bind its viewmodels in the host).
    pub fn pool_values<V: ?Sized + View>(
        &self,
        model: &str,
    ) -> Result<Vec<crate::PoolValue>, crate::StateError> {
        crate::registry::pool::value::pool_values(&self.bindings, (V::VIEW_ID, V::NAME), model)
    }

    /// Name of the viewmodel bound to `T`, if any.
    pub fn bound<T: ?Sized + View>(&self) -> Option<String> {
        match self.bindings.load_full().slots.get(&T::VIEW_ID) {
            Some(Slot::Bound(binding)) => Some(binding.viewmodel.name.to_owned()),
            _ => None,
        }
    }

    /// Every view, model and viewmodel known to the registry.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }
}

/// Empties the bindings: the viewmodels' [`Uses`](crate::Uses) handles
/// keep the store alive, and the viewmodels are in the store, so without
/// this a registry whose viewmodels use views would never be freed.
/// Handles to the store that outlive the registry find no view bound.
impl Drop for Registry {
    fn drop(&mut self) {
        self.bindings.store(Bindings::default());
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("catalog", &self.catalog)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use crate::registry::bindings::BindingStore;
    use crate::{Registry, view, viewmodel};

    #[view]
    pub trait Side: Send + Sync {
        fn build(&self) -> u64;
    }

    #[derive(Default)]
    pub struct First;

    #[viewmodel]
    impl Side for First {
        fn build(&self) -> u64 {
            1
        }
    }

    #[derive(Default)]
    pub struct Second;

    #[viewmodel]
    impl Side for Second {
        fn build(&self) -> u64 {
            2
        }
    }

    #[test]
    fn a_map_read_under_an_older_generation_is_served_and_not_cached() {
        let registry = Registry::linked();
        registry.bind::<dyn Side>("First").unwrap();
        let before = registry.bindings.generation();
        assert_eq!(registry.get::<dyn Side>().unwrap().build(), 1);
        registry.bind::<dyn Side>("Second").unwrap();
        assert_ne!(registry.bindings.generation(), before);

        // A reader that read the generation before the store and the map
        // after it gets the new binding...
        let late = registry
            .bindings
            .lookup_after_reading::<dyn Side>(before)
            .unwrap();
        assert_eq!(late.view().build(), 2);
        assert_eq!(late.generation(), registry.bindings.generation());
        // ...and keeps nothing under the old generation: a slot keyed by
        // it would serve the new map of one view beside the old map of
        // another to a reader still at that generation.
        assert!(BindingStore::cache_is_keyed_by_its_maps());
        assert_eq!(registry.get::<dyn Side>().unwrap().build(), 2);
        assert!(BindingStore::cache_is_keyed_by_its_maps());
    }
}
