//! The current bindings of a registry, and how readers reach them without a
//! lock or an atomic read-modify-write.
//!
//! Writers publish a whole new [`Bindings`] map through an `ArcSwap` and then
//! bump a generation counter. Each thread caches, per registry and view, the
//! map it last found the view in, the generation it found it at and where
//! the view is. A lookup compares one atomic load of the generation with the
//! cached one and, when they match (the common case: reloads are rare),
//! clones a thread-local `Rc`: no lock, no atomic read-modify-write, no hash.
//! Only after a change does it go to the `ArcSwap` and the map. Measured in
//! BENCHMARKS.md.
//!
//! The price: a thread holds on to the last map it saw until its next lookup
//! of that view or until it exits, for at most [`CACHED_VIEWS`] views.
//! Holding a map keeps its viewmodels (and the libraries they came from)
//! alive; it never makes anything dangle.

use crate::error::RegistryError;
use crate::library::Library;
use crate::view::View;
use crate::viewmodel::{Instance, ViewModelDescriptor};
use arc_swap::ArcSwap;
use nohash_hasher::BuildNoHashHasher;
use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Ids are already uniform hashes: hashing them again (SipHash) would only
/// cost time, so the map uses them as they are.
pub(crate) type Slots = HashMap<u64, Slot, BuildNoHashHasher<u64>>;

/// The bindings at one moment: replaced as a whole, never edited in place.
#[derive(Default)]
pub(crate) struct Bindings {
    pub slots: Slots,
}

#[derive(Clone)]
pub(crate) enum Slot {
    Bound(Arc<Binding>),
    /// The view has viewmodels but none could be bound; `get` returns this.
    Unbound(RegistryError),
}

pub(crate) struct Binding {
    pub viewmodel: ViewModelDescriptor,
    /// Dropped before `library`: its drop code may live there.
    pub instance: Instance,
    /// The library the viewmodel came from; `None` when linked in.
    pub library: Option<Arc<Library>>,
}

/// A map pinned by one thread: the `Rc` is counted without atomics, the
/// `Arc` inside it once per thread and map, not once per lookup.
#[allow(clippy::redundant_allocation)]
pub(crate) type PinnedBindings = Rc<Arc<Bindings>>;

/// How many (registry, view) pairs one thread caches.
pub const CACHED_VIEWS: usize = 32;

/// Distinguishes registries in the thread-local caches.
static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(0);

pub(crate) struct BindingStore {
    id: u64,
    current: ArcSwap<Bindings>,
    /// Bumped after every store: a thread whose cached generation matches
    /// holds the current map.
    generation: AtomicU64,
}

struct CachedView {
    store: u64,
    /// `TypeId` of `Arc<T>`: the entry is only ever read back as that type.
    view: TypeId,
    generation: u64,
    bindings: PinnedBindings,
    /// The `Arc<T>` inside `bindings`, type-erased.
    target: NonNull<()>,
}

thread_local! {
    static CACHE: RefCell<Vec<CachedView>> = const { RefCell::new(Vec::new()) };
}

impl BindingStore {
    pub fn new(bindings: Bindings) -> Self {
        BindingStore {
            id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
            current: ArcSwap::from_pointee(bindings),
            generation: AtomicU64::new(0),
        }
    }

    /// The viewmodel bound to `T`, pinned with the map that holds it.
    #[inline(always)]
    pub fn lookup<T: ?Sized + View>(&self) -> Result<Pinned<T>, RegistryError> {
        // Acquire pairs with the Release in `store`: having seen generation
        // n, `load_full` returns the map stored before n or a later one.
        let generation = self.generation.load(Ordering::Acquire);
        let key = TypeId::of::<Arc<T>>();
        let hit = CACHE
            .try_with(|cache| {
                let cache = cache.try_borrow().ok()?;
                let entry = cache
                    .iter()
                    .find(|e| e.store == self.id && e.view == key && e.generation == generation)?;
                Some(Pinned {
                    bindings: Rc::clone(&entry.bindings),
                    view: entry.target.cast(),
                })
            })
            .ok()
            .flatten();
        match hit {
            Some(pinned) => Ok(pinned),
            None => self.lookup_slow(generation, key),
        }
    }

    #[cold]
    fn lookup_slow<T: ?Sized + View>(
        &self,
        generation: u64,
        key: TypeId,
    ) -> Result<Pinned<T>, RegistryError> {
        let bindings = Rc::new(self.current.load_full());
        let view = NonNull::from(find::<T>(&bindings)?);
        let _ = CACHE.try_with(|cache| {
            let Ok(mut cache) = cache.try_borrow_mut() else {
                return;
            };
            cache.retain(|e| !(e.store == self.id && e.view == key));
            if cache.len() == CACHED_VIEWS {
                cache.remove(0);
            }
            let bindings = Rc::clone(&bindings);
            cache.push(CachedView {
                store: self.id,
                view: key,
                generation,
                bindings,
                target: view.cast(),
            });
        });
        Ok(Pinned { bindings, view })
    }

    /// The current bindings, for writers and for handles sent to other threads.
    pub fn load_full(&self) -> Arc<Bindings> {
        self.current.load_full()
    }

    /// Publishes `bindings`; callers serialise stores among themselves.
    pub fn store(&self, bindings: Bindings) {
        self.current.store(Arc::new(bindings));
        self.generation.fetch_add(1, Ordering::Release);
    }
}

/// The `Arc<T>` bound to a view, and the map that keeps it alive.
pub(crate) struct Pinned<T: ?Sized> {
    pub bindings: PinnedBindings,
    /// Points into `*bindings`; made from an `&Arc<T>` (see `lookup`).
    view: NonNull<Arc<T>>,
}

impl<T: ?Sized> Pinned<T> {
    #[inline(always)]
    pub fn view(&self) -> &Arc<T> {
        // SAFETY: `view` was made (in `lookup_slow`, directly or through the
        // cache entry keyed by `TypeId::of::<Arc<T>>()`) from an `&Arc<T>`
        // inside the map that `self.bindings` keeps alive, and nothing in a
        // published map is ever mutated or moved. The returned reference
        // borrows `self`, so it cannot outlive `bindings`.
        unsafe { self.view.as_ref() }
    }
}

/// The `Arc<T>` bound to view `T` in `bindings`, or why there is none.
pub(crate) fn find<T: ?Sized + View>(bindings: &Bindings) -> Result<&Arc<T>, RegistryError> {
    view_of(find_binding::<T>(bindings)?)
}

/// The binding of view `T` in `bindings`, or why there is none.
pub(crate) fn find_binding<T: ?Sized + View>(
    bindings: &Bindings,
) -> Result<&Arc<Binding>, RegistryError> {
    match bindings.slots.get(&T::VIEW_ID) {
        Some(Slot::Bound(binding)) => Ok(binding),
        Some(Slot::Unbound(error)) => Err(error.clone()),
        None => Err(no_viewmodel::<T>()),
    }
}

/// The `Arc<T>` a binding of view `T` serves.
pub(crate) fn view_of<T: ?Sized + View>(binding: &Binding) -> Result<&Arc<T>, RegistryError> {
    // The caller's copy of the view must be the bound one's, whoever is
    // asking: a module built against an edited copy of a view the host
    // implements has the host's `TypeId` for it (the trait's path and crate
    // did not change) but another API version, and its calls would land on
    // other methods.
    if binding.viewmodel.api_version != T::API_VERSION {
        return Err(version_mismatch::<T>(binding));
    }
    let view = &*binding.instance.view;
    if let Some(view) = view.downcast_ref::<Arc<T>>() {
        return Ok(view);
    }
    // SAFETY: the `TypeId`s differ: the caller and the viewmodel are in two
    // images (a library's viewmodel called from the host, or a view the
    // host binds called from a library), whose `TypeId`s need not match
    // (they hash crate metadata that two cargo builds may choose
    // differently). What makes the types the same is checked instead:
    // every library passed `Library::open` (same compiler, target and
    // runtime build as the host), and the binding is for a view with `T`'s
    // id and `API_VERSION` (checked above), a hash of the trait's name, the
    // shape of every signature in order and the structural fingerprint of
    // every parameter and return type. (Two traits of one image with the
    // same id and version are refused as duplicates by `Registry::linked`.)
    // So the box holds an `Arc<dyn Trait>` of another image's copy of `T`'s
    // trait: same layout, same vtable layout, same meaning.
    Ok(unsafe { &*(view as *const (dyn std::any::Any + Send + Sync) as *const Arc<T>) })
}

#[cold]
fn version_mismatch<T: ?Sized + View>(binding: &Binding) -> RegistryError {
    RegistryError::ViewVersionMismatch {
        view: T::NAME.to_owned(),
        viewmodel: binding.viewmodel.name.to_owned(),
        bound: binding.viewmodel.api_version,
        requested: T::API_VERSION,
    }
}

#[cold]
pub(crate) fn no_viewmodel<T: ?Sized + View>() -> RegistryError {
    RegistryError::NoViewModel {
        view: T::NAME.to_owned(),
        view_id: T::VIEW_ID,
    }
}
