//! The registry: which viewmodel serves each view, with lock-free lookups.

use crate::contract::model::ModelDescriptor;
use crate::contract::state::SavedState;
use crate::contract::view::{View, ViewDescriptor};
use crate::contract::viewmodel::ViewModelDescriptor;
use crate::registry::bindings::{
    Binding, BindingStore, Bindings, Pinned, PinnedBindings, Slot, Slots, no_viewmodel,
};
use crate::registry::carry::{bind, save};
use crate::registry::entry::ViewModelEntry;
use crate::registry::error::RegistryError;
use crate::registry::history::{Generation, History};
use crate::registry::mapped::MappedLibrary;
use crate::registry::registration::{MODELS, VIEWMODELS, VIEWS};
use parking_lot::Mutex;
use std::fmt;
use std::marker::PhantomData;
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
}

impl Registry {
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
                        lineages.push(Generation::linked(only, view, 0));
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
        store.store(Bindings { slots });
        Registry {
            bindings: store,
            write: Mutex::new(()),
            catalog,
            libraries: Mutex::new(Vec::new()),
            history: History::new(lineages),
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
        let generation = self.bindings.generation();
        let handle = self.get_owned::<T>()?;
        Ok(ViewCache {
            store: Arc::clone(&self.bindings),
            generation,
            handle: Some(handle),
        })
    }

    /// Binds view `T` to the linked viewmodel named `viewmodel`.
    ///
    /// If `T` was bound, its state is saved and restored into the new
    /// viewmodel, and [`Registry::rollback`] can go back to it. On any failure (unknown name, a constructor panic, a state
    /// the new viewmodel cannot read) the previous binding stays as it was.
    pub fn bind<T: ?Sized + View>(&self, viewmodel: &str) -> Result<(), RegistryError> {
        let _writer = self.write.lock();
        let entry = self
            .catalog
            .viewmodels_of(T::VIEW_ID)
            .find(|e| e.descriptor.name == viewmodel)
            .ok_or_else(|| RegistryError::UnknownViewModel {
                view: T::NAME.to_owned(),
                viewmodel: viewmodel.to_owned(),
                known: self
                    .catalog
                    .viewmodels_of(T::VIEW_ID)
                    .map(|e| e.descriptor.name.to_owned())
                    .collect(),
            })?;
        let current = self.bindings.load_full();
        let saved = match current.slots.get(&T::VIEW_ID) {
            Some(Slot::Bound(old)) => Some(save(old)?),
            _ => None,
        };
        let binding = bind(&self.bindings, entry, T::DESCRIPTOR, saved.as_ref(), None)?;
        tracing::info!(
            view = T::NAME,
            viewmodel,
            carried_state = saved.is_some(),
            "rebound"
        );
        let mut slots = current.slots.clone();
        slots.insert(T::VIEW_ID, Slot::Bound(binding));
        self.bindings.store(Bindings { slots });
        self.history.bound([Generation::linked(
            entry,
            T::DESCRIPTOR,
            self.history.next_id(),
        )]);
        Ok(())
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
        crate::registry::pool::registry_pool::<V, M>(&self.bindings)
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

/// A view found by [`Registry::get`], usable as `&T`.
///
/// It pins the bindings it was found in, so the viewmodel it points to
/// lives at least as long as it does.
pub struct ViewRef<'r, T: ?Sized> {
    /// The `Arc` rather than its contents: finding the contents costs a
    /// load of the vtable's alignment, paid at the call instead.
    view: NonNull<Arc<T>>,
    _bindings: PinnedBindings,
    /// Borrows what it was found in: a registry, or a `Uses` handle.
    _registry: PhantomData<&'r ()>,
}

impl<T: ?Sized> ViewRef<'_, T> {
    #[inline(always)]
    pub(crate) fn new(pinned: Pinned<T>) -> Self {
        ViewRef {
            view: NonNull::from(pinned.view()),
            _bindings: pinned.bindings,
            _registry: PhantomData,
        }
    }
}

impl<T: ?Sized> std::ops::Deref for ViewRef<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: `view` was made from an `&Arc<T>` owned by a `Binding` in
        // the `Bindings` that `_bindings` keeps alive; nothing mutates or
        // moves a published map or a `Binding` (rebinding replaces the whole
        // map). The `&T` handed out borrows `self`, so it cannot outlive
        // `_bindings`. `ViewRef` is neither `Send` nor `Sync` (`NonNull` and
        // `Rc` are neither).
        unsafe { self.view.as_ref() }
    }
}

impl<T: ?Sized> fmt::Debug for ViewRef<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ViewRef")
            .field(&std::any::type_name::<T>())
            .finish()
    }
}

/// A view bound in a registry, owned: `Send`, `Sync`, `Clone`, usable as
/// `&T`. It keeps the viewmodel it was taken from (and its library) alive.
pub struct ViewHandle<T: ?Sized> {
    /// Points into the `Arc<T>` that `binding` owns.
    view: NonNull<T>,
    /// One reference count for the viewmodel and its library together.
    binding: Arc<Binding>,
}

// SAFETY: a `ViewHandle<T>` gives out `&T` (from any thread that holds or
// shares it) and keeps a `Binding` alive; `T: Send + Sync` makes the first
// sound, and a `Binding` is `Send + Sync` (checked below), so dropping or
// sharing the `Arc<Binding>` from another thread is sound too.
unsafe impl<T: ?Sized + Send + Sync> Send for ViewHandle<T> {}
// SAFETY: as for `Send`: `&ViewHandle<T>` only gives out `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for ViewHandle<T> {}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Binding>();
};

impl<T: ?Sized> ViewHandle<T> {
    #[inline(always)]
    fn new(pinned: &Pinned<T>) -> Self {
        ViewHandle {
            view: NonNull::from(&**pinned.view()),
            binding: Arc::clone(pinned.binding()),
        }
    }
}

impl<T: ?Sized> Clone for ViewHandle<T> {
    fn clone(&self) -> Self {
        ViewHandle {
            view: self.view,
            binding: Arc::clone(&self.binding),
        }
    }
}

impl<T: ?Sized> std::ops::Deref for ViewHandle<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: `view` was made from the `&T` inside the `Arc<T>` that the
        // binding's instance owns (`Registry::get_owned`); `self.binding`
        // keeps that binding, so the `Arc<T>` and its contents, alive, and a
        // binding is never mutated after it is built. The `&T` borrows
        // `self`.
        unsafe { self.view.as_ref() }
    }
}

impl<T: ?Sized> fmt::Debug for ViewHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ViewHandle")
            .field(&std::any::type_name::<T>())
            .finish()
    }
}

/// A view's binding, kept where it is called and checked at every call:
/// [`ViewCache::get`] compares the registry's generation with the one the
/// binding was taken at (one load and one comparison) and looks the view
/// up again only if a rebinding happened since, so a call never reaches a
/// binding older than the last one published before it started.
///
/// Made by [`Registry::view_cache`]. It is owned (`Send` if `T` is), and it
/// keeps the binding it last served, and its library, alive until its
/// next refresh or its drop: keep it in the struct that calls, not in a
/// long-lived place nobody calls.
///
/// ```
/// # use playground_runtime::{Registry, view, viewmodel};
/// # #[view] pub trait Ticker: Send + Sync { fn tick(&self, n: u64) -> u64; }
/// # #[derive(Default)] pub struct Plain;
/// # #[viewmodel] impl Ticker for Plain { fn tick(&self, n: u64) -> u64 { n } }
/// let registry = Registry::linked();
/// let mut ticker = registry.view_cache::<dyn Ticker>()?;
/// for frame in 0..3 {
///     // A reload between frames is picked up by the next call.
///     assert_eq!(ticker.get()?.tick(frame), frame);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ViewCache<T: ?Sized> {
    store: Arc<BindingStore>,
    /// The store's generation read before `handle` was looked up: the
    /// handle is of that map or a later one. Never 0 (generations start at
    /// 1), so a cache whose last refresh failed always refreshes.
    generation: u64,
    /// `None` after a failed refresh (with `generation` 0): what it
    /// served is let go.
    handle: Option<ViewHandle<T>>,
}

impl<T: ?Sized + View> ViewCache<T> {
    /// The viewmodel bound to `T` now. Takes `&mut self`: a refresh
    /// replaces the handle, so no `&T` from before may be alive.
    ///
    /// Fails as [`Registry::get`] does (the view unbound since, or the
    /// registry dropped), and lets go of the binding it served; it then
    /// looks the view up again at every call.
    #[inline(always)]
    pub fn get(&mut self) -> Result<&T, Box<RegistryError>> {
        if self.store.generation() != self.generation {
            self.refresh()?;
        }
        // A matching generation has a handle (a failed refresh sets 0, which
        // no store has), so the error is never built.
        self.handle
            .as_deref()
            .ok_or_else(|| Box::new(no_viewmodel::<T>()))
    }

    #[cold]
    #[inline(never)]
    fn refresh(&mut self) -> Result<(), Box<RegistryError>> {
        let generation = self.store.generation();
        // Let go of what was served, whatever the lookup finds.
        self.handle = None;
        self.generation = 0;
        self.handle = Some(ViewHandle::new(&self.store.lookup::<T>()?));
        self.generation = generation;
        Ok(())
    }
}

impl<T: ?Sized> fmt::Debug for ViewCache<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViewCache")
            .field("view", &std::any::type_name::<T>())
            .field("generation", &self.generation)
            .finish()
    }
}

/// Everything the registry knows: views, models and viewmodels with their
/// ids and versions. `Display` prints it for a person to read.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    views: Vec<&'static ViewDescriptor>,
    models: Vec<ModelDescriptor>,
    viewmodels: Vec<&'static ViewModelEntry>,
}

impl Catalog {
    fn linked() -> Catalog {
        let mut catalog = Catalog {
            views: VIEWS.iter().copied().collect(),
            models: MODELS.to_vec(),
            viewmodels: VIEWMODELS.iter().collect(),
        };
        catalog.views.sort_by_key(|v| (v.name, v.module_path));
        catalog.models.sort_by_key(|m| (m.name, m.module_path));
        catalog
            .viewmodels
            .sort_by_key(|e| (e.descriptor.view, e.descriptor.name));
        catalog
    }

    pub(crate) fn viewmodels_of(
        &self,
        view_id: u64,
    ) -> impl Iterator<Item = &'static ViewModelEntry> + '_ {
        self.viewmodels
            .iter()
            .copied()
            .filter(move |e| e.descriptor.view_id == view_id)
    }

    /// Every view.
    pub fn views(&self) -> impl Iterator<Item = &ViewDescriptor> {
        self.views.iter().copied()
    }

    /// Every view, as registered (for the registry's lineages).
    pub(crate) fn static_views(&self) -> impl Iterator<Item = &'static ViewDescriptor> + '_ {
        self.views.iter().copied()
    }

    /// Every registered model (generic models are not registered).
    pub fn models(&self) -> impl Iterator<Item = &ModelDescriptor> {
        self.models.iter()
    }

    /// Every viewmodel.
    pub fn viewmodels(&self) -> impl Iterator<Item = &ViewModelDescriptor> {
        self.viewmodels.iter().map(|e| &e.descriptor)
    }
}

impl fmt::Display for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for view in &self.views {
            writeln!(f, "{view}")?;
        }
        for model in &self.models {
            writeln!(f, "{model}")?;
        }
        for entry in &self.viewmodels {
            writeln!(f, "{}", entry.descriptor)?;
        }
        Ok(())
    }
}
