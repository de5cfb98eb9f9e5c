//! The current bindings of a registry, and how readers reach them without a
//! lock or an atomic read-modify-write.
//!
//! Writers publish a whole new [`Bindings`] map through an `ArcSwap` and then
//! bump a generation counter. Each thread keeps a small cache: a set of two
//! slots chosen by the view's id, one per registry; a slot remembers the map
//! it last found the view in, at which generation, and where in it the
//! view's `Arc` is. A lookup is then one atomic load of the generation, one
//! thread-local slot compared with constants, and a clone of a thread-local
//! `Rc`: no lock, no atomic read-modify-write, no hashing, no search. Only
//! after a change (or when two views or three registries share a set)
//! does it go to the `ArcSwap` and the map. Measured in BENCHMARKS.md.
//!
//! The price: a thread holds on to the last map it saw in each slot until
//! that slot is reused or the thread exits, for at most [`CACHED_VIEWS`]
//! maps. Holding a map keeps its viewmodels (and the libraries they came
//! from) alive; it never makes anything dangle.

use crate::contract::ids::{ApiVersion, Generation, ModelId, ViewId};
use crate::contract::view::View;
use crate::contract::viewmodel::ViewModelDescriptor;
use crate::registry::error::RegistryError;
use crate::registry::instance::Instance;
use crate::registry::mapped::MappedLibrary;
use crate::registry::pool::entry::{PendingPool, PoolEntry, PoolMap};
use arc_swap::ArcSwap;
use nohash_hasher::BuildNoHashHasher;
use std::cell::UnsafeCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Ids are already uniform hashes: hashing them again (SipHash) would only
/// cost time, so the map uses them as they are.
pub(crate) type Slots = HashMap<ViewId, Slot, BuildNoHashHasher<ViewId>>;

/// The bindings at one moment: replaced as a whole, never edited in place.
#[derive(Default)]
pub(crate) struct Bindings {
    pub slots: Slots,
    /// The generation this map was published with (set by
    /// [`BindingStore::store`]): a cache slot is filled only with the map
    /// of the generation it is keyed by.
    pub generation: Generation,
}

impl Bindings {
    /// A map of `slots`, to publish with [`BindingStore::store`].
    pub fn new(slots: Slots) -> Self {
        Bindings {
            slots,
            generation: Generation::new(0),
        }
    }
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
    /// The library the viewmodel came from (`None` when linked in), held
    /// only to keep it mapped while the binding, or a handle to it, lives.
    pub _library: Option<MappedLibrary>,
    /// The pools its viewmodel's `Pool` fields took: published in the
    /// registry when the binding is (see `BindingStore::store`).
    pub pools: Vec<PendingPool>,
}

/// A map pinned by one thread: the `Rc` is counted without atomics, the
/// `Arc` inside it once per thread and map, not once per lookup.
#[allow(clippy::redundant_allocation)]
pub(crate) type PinnedBindings = Rc<Arc<Bindings>>;

/// How many slots one thread's lookup cache has.
pub const CACHED_VIEWS: usize = SETS * WAYS;
/// A view's slots: its id picks a set of `WAYS` slots, one per registry
/// (two registries on one thread looking up the same view keep theirs).
const SETS: usize = 32;
const WAYS: usize = 2;

/// Where every store's generations come from: one counter for all
/// registries, so that a generation names one map of one registry and a
/// cache slot needs no separate registry id. Starts at 1 (0 marks an empty
/// slot); a `u64` does not wrap.
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

/// Names registries in the cache slots they fill.
static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) struct BindingStore {
    /// Tells whose a cache slot is when it is replaced (not when it is
    /// read: the generation says that).
    id: u64,
    /// Read and written only through `ops`.
    current: ArcSwap<Bindings>,
    /// The `ArcSwap` operations of the image that made the store. A library
    /// that looks a view up in the host's registry runs its own copy of this
    /// code, and its own copy of arc-swap keeps its readers' debts in its
    /// own global list, which the host's writer never sees: a reader of one
    /// image and a writer of another could free a map under the reader.
    /// Going through the maker's functions puts every reader and writer on
    /// one list.
    ops: &'static StoreOps,
    /// Set after every store, to a value no registry had before: a thread
    /// whose cached generation matches holds this registry's current map.
    generation: AtomicU64,
    /// The registry's model pools, by (view id, model id). Looked up only
    /// when a viewmodel is built (or by `Registry::pool`), never on a
    /// call. A `std` mutex (a futex word, no global state), since library
    /// images lock it with their own copy of the code.
    pools: Mutex<PoolMap>,
}

/// One slot of a thread's cache: plain data, so that the cache needs no
/// destructor and reaching it costs no check of one (see [`Release`]).
#[derive(Clone, Copy)]
struct CachedView {
    /// The registry's generation the slot was filled at (unique to that
    /// registry and map, see [`NEXT_GENERATION`]); 0 in an empty slot.
    generation: Generation,
    /// The registry that filled it.
    store: u64,
    /// Id and API version of the view the entry was made for. Only a view
    /// type with both (`T::VIEW_ID`, `T::API_VERSION`) reads it back: within
    /// one image no two view types share them (`Registry::linked` refuses
    /// duplicate ids), and across images such types are the same trait
    /// (see [`view_of`]).
    view_id: ViewId,
    api_version: ApiVersion,
    /// One strong count of a [`PinnedBindings`] (`Rc::into_raw`), owned by
    /// the slot; null in an empty slot.
    bindings: *const Arc<Bindings>,
    /// The view's `Arc<Binding>` inside `bindings`.
    binding: *const Arc<Binding>,
    /// The view's `Arc<T>` inside `bindings`, type-erased.
    target: *const (),
}

const EMPTY: CachedView = CachedView {
    generation: Generation::new(0),
    store: 0,
    view_id: ViewId::new(0),
    api_version: ApiVersion::new(0),
    bindings: std::ptr::null(),
    binding: std::ptr::null(),
    target: std::ptr::null(),
};

thread_local! {
    /// Only ever borrowed for a few statements that run no user code (see
    /// `lookup`, `lookup_slow` and `Release`), so a borrow never overlaps
    /// another.
    static CACHE: UnsafeCell<[CachedView; CACHED_VIEWS]> =
        const { UnsafeCell::new([EMPTY; CACHED_VIEWS]) };
    /// Gives the counts the cache owns back when the thread exits.
    /// Registered by the first `lookup_slow` of the thread.
    static RELEASE: Release = const { Release };
}

/// Empties [`CACHE`] on drop (at the thread's exit).
struct Release;

impl Drop for Release {
    fn drop(&mut self) {
        // Empty every slot first, then drop the maps: dropping one may run a
        // viewmodel's `Drop`, which may look a view up again (it will miss,
        // and not cache: `RELEASE` is gone).
        let owned: Vec<*const Arc<Bindings>> = CACHE
            .try_with(|cache| {
                // SAFETY: as in `lookup_slow`: this thread's cache, and
                // nothing runs while the `&mut` lives.
                let cache = unsafe { &mut *cache.get() };
                cache
                    .iter_mut()
                    .map(|slot| std::mem::replace(slot, EMPTY).bindings)
                    .filter(|bindings| !bindings.is_null())
                    .collect()
            })
            .unwrap_or_default();
        for bindings in owned {
            // SAFETY: the slot owned this count (`lookup_slow`) and has just
            // been emptied, so it is given back exactly once.
            drop(unsafe { Rc::from_raw(bindings) });
        }
    }
}

/// See [`BindingStore::ops`].
struct StoreOps {
    load_full: fn(&ArcSwap<Bindings>) -> Arc<Bindings>,
    store: fn(&ArcSwap<Bindings>, Arc<Bindings>),
    /// A whole lookup, with the maker's thread-local cache: a library's
    /// own cache would need a destructor in the library's image to give
    /// its maps back at thread exit, and glibc keeps a library that
    /// registered one mapped until the thread ends, so it could never be
    /// unloaded.
    lookup: fn(&BindingStore, ViewKey, Finder) -> Result<ErasedPin, Box<RegistryError>>,
}

/// This image's operations.
static OPS: StoreOps = StoreOps {
    load_full: ArcSwap::load_full,
    store: ArcSwap::store,
    lookup: BindingStore::lookup_erased,
};

/// Which view a lookup is for: its id and API version.
#[derive(Clone, Copy)]
struct ViewKey {
    view_id: ViewId,
    api_version: ApiVersion,
}

/// Finds a view's binding and its `Arc<T>` in a map, for a `T` the
/// caller's image knows (monomorphised there: the downcast is its own).
type Finder = fn(&Bindings) -> Result<(*const Arc<Binding>, *const ()), RegistryError>;

/// [`Pinned`] without its type.
struct ErasedPin {
    bindings: PinnedBindings,
    binding: *const Arc<Binding>,
    target: *const (),
}

/// The [`Finder`] of view `T`.
fn finder<T: ?Sized + View>(
    bindings: &Bindings,
) -> Result<(*const Arc<Binding>, *const ()), RegistryError> {
    let binding = find_binding::<T>(bindings)?;
    let view: *const Arc<T> = view_of::<T>(binding)?;
    Ok((binding, view.cast()))
}

impl BindingStore {
    pub fn new(mut bindings: Bindings) -> Self {
        let generation = NEXT_GENERATION.fetch_add(1, Ordering::Relaxed);
        bindings.generation = Generation::new(generation);
        BindingStore {
            id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
            ops: &OPS,
            current: ArcSwap::from_pointee(bindings),
            generation: AtomicU64::new(generation),
            pools: Mutex::new(PoolMap::new()),
        }
    }

    /// The viewmodel bound to `T`, pinned with the map that holds it.
    #[inline(always)]
    pub fn lookup<T: ?Sized + View>(&self) -> Result<Pinned<T>, Box<RegistryError>> {
        let key = ViewKey {
            view_id: T::VIEW_ID,
            api_version: T::API_VERSION,
        };
        let pin = if std::ptr::eq(self.ops, &OPS) {
            // This image made the store: its own cache, inlined.
            self.lookup_erased_inline(key, finder::<T>)
        } else {
            // Another image's store (a library looking up in the host's
            // registry): that image's lookup and cache.
            self.lookup_elsewhere(key, finder::<T>)
        }?;
        Ok(Pinned {
            bindings: pin.bindings,
            binding: pin.binding,
            view: pin.target.cast(),
        })
    }

    #[cold]
    #[inline(never)]
    fn lookup_elsewhere(
        &self,
        key: ViewKey,
        find: Finder,
    ) -> Result<ErasedPin, Box<RegistryError>> {
        (self.ops.lookup)(self, key, find)
    }

    /// [`Self::lookup_erased_inline`], as a function to point to.
    fn lookup_erased(&self, key: ViewKey, find: Finder) -> Result<ErasedPin, Box<RegistryError>> {
        self.lookup_erased_inline(key, find)
    }

    /// This thread's cache slot for `key` in the store's current map, or
    /// the generation and set to fill one at.
    #[inline(always)]
    fn cached(&self, key: ViewKey) -> Result<CachedView, (Generation, usize)> {
        // A slot keyed by generation n holds the map published with n
        // (`lookup_slow` caches no other), so a hit is that map.
        let generation = Generation::new(self.generation.load(Ordering::Acquire));
        // The set depends on the view alone, a constant when inlined: the
        // slot's address does not wait for a load of anything of the
        // registry's.
        let set = key.view_id.get() as usize % SETS * WAYS;
        // The cache has no destructor, so this is its address, unchecked.
        let cache = CACHE.with(UnsafeCell::get);
        // SAFETY: the cache is this thread's and never deallocated before
        // the thread ends; the only `&mut` to it are taken in
        // `lookup_slow` and `Release::drop`, which do not call out while
        // they hold it, so none is alive here.
        let cache = unsafe { &*cache };
        let matches = |entry: &CachedView| {
            entry.generation == generation
                && entry.view_id == key.view_id
                && entry.api_version == key.api_version
        };
        // A second registry looking up the same view lands in way 1.
        if matches(&cache[set]) {
            Ok(cache[set])
        } else if matches(&cache[set + 1]) {
            Ok(cache[set + 1])
        } else {
            Err((generation, set))
        }
    }

    #[inline(always)]
    fn lookup_erased_inline(
        &self,
        key: ViewKey,
        find: Finder,
    ) -> Result<ErasedPin, Box<RegistryError>> {
        let entry = match self.cached(key) {
            Ok(entry) => entry,
            Err((generation, set)) => return self.lookup_slow(generation, set, key, find),
        };
        // SAFETY: a slot whose generation is a registry's owns a count of the
        // `Rc` at `bindings` (`lookup_slow`), so it is alive; this adds the
        // count the returned pin owns.
        let bindings = unsafe {
            Rc::increment_strong_count(entry.bindings);
            Rc::from_raw(entry.bindings)
        };
        Ok(ErasedPin {
            bindings,
            binding: entry.binding,
            target: entry.target,
        })
    }

    /// Runs `f` on the pools of the viewmodel bound to `T`, read through
    /// this thread's cache without pinning the map (no count is taken);
    /// `None` if the cache does not hold the store's current map for `T`
    /// (or the store is another image's), for the caller to look up.
    ///
    /// # Safety
    /// `f` must not look a view up in any registry: a lookup may replace
    /// the cache slot whose count keeps the pools alive.
    #[inline(always)]
    pub unsafe fn with_cached_pools<T: ?Sized + View, R>(
        &self,
        f: impl FnOnce(&[PendingPool]) -> R,
    ) -> Option<R> {
        if !std::ptr::eq(self.ops, &OPS) {
            return None;
        }
        let key = ViewKey {
            view_id: T::VIEW_ID,
            api_version: T::API_VERSION,
        };
        let entry = self.cached(key).ok()?;
        // SAFETY: the slot owns a count of the map `binding` points into
        // (`lookup_slow` made it from an `&Arc<Binding>` in that map, and
        // nothing in a published map is mutated or moved). Only this thread replaces
        // or empties its slots (`lookup_slow`, `Release::drop`), and `f`
        // looks nothing up (the caller's contract), so the map outlives the
        // borrow.
        Some(f(unsafe { &(&*entry.binding).pools }))
    }

    #[cold]
    #[inline(never)]
    fn lookup_slow(
        &self,
        generation: Generation,
        set: usize,
        key: ViewKey,
        find: Finder,
    ) -> Result<ErasedPin, Box<RegistryError>> {
        let bindings = Rc::new(self.load_full());
        let (binding, target) = match find(&bindings) {
            Ok(found) => found,
            Err(error) => {
                self.evict(set, key);
                return Err(Box::new(error));
            }
        };
        // Cache it only under its own generation: a map read while a store
        // runs (the generation already bumped, the map not yet swapped) or
        // after one (the map newer than the generation read) is served once
        // and not kept. Keeping a newer map under an older generation would
        // let this thread see the new binding of one view, then a cached
        // old binding of another, in one swap of both.
        //
        // And only if the thread can still give the count back.
        if bindings.generation == generation && RELEASE.try_with(|_| ()).is_ok() {
            let entry = CachedView {
                generation,
                store: self.id,
                view_id: key.view_id,
                api_version: key.api_version,
                bindings: Rc::into_raw(Rc::clone(&bindings)),
                binding,
                target,
            };
            let replaced = CACHE.with(|cache| {
                // SAFETY: this thread's cache; nothing between taking the
                // `&mut` and letting it go runs code other than moves.
                let cache = unsafe { &mut *cache.get() };
                let ways = &mut cache[set..set + WAYS];
                // The way this (registry, view) had, else an empty one, else
                // way 1, so that way 0 stays with the registry that took it.
                let way = ways
                    .iter()
                    .position(|e| e.store == self.id && e.view_id == key.view_id)
                    .or_else(|| ways.iter().position(|e| e.bindings.is_null()))
                    .unwrap_or(1);
                std::mem::replace(&mut ways[way], entry)
            });
            // Dropped after the cache is released: dropping the map it held
            // may run a viewmodel's `Drop`, which may look views up again.
            if !replaced.bindings.is_null() {
                // SAFETY: the slot owned this count and no longer holds it.
                drop(unsafe { Rc::from_raw(replaced.bindings) });
            }
        }
        Ok(ErasedPin {
            bindings,
            binding,
            target,
        })
    }

    /// Empties this registry's way for `key`, if it has one. After a failed
    /// lookup it holds an older map, which would otherwise keep that map's
    /// viewmodels (and their libraries) alive until the view is found again.
    fn evict(&self, set: usize, key: ViewKey) {
        let evicted = CACHE.with(|cache| {
            // SAFETY: as in `lookup_slow`: this thread's cache, and nothing
            // runs while the `&mut` lives.
            let cache = unsafe { &mut *cache.get() };
            let ways = &mut cache[set..set + WAYS];
            let way = ways
                .iter()
                .position(|e| e.store == self.id && e.view_id == key.view_id)?;
            Some(std::mem::replace(&mut ways[way], EMPTY))
        });
        // Dropped after the cache is released, as in `lookup_slow`.
        if let Some(evicted) = evicted
            && !evicted.bindings.is_null()
        {
            // SAFETY: the slot owned this count and no longer holds it.
            drop(unsafe { Rc::from_raw(evicted.bindings) });
        }
    }

    /// The store's generation: it changes with every map published, so a
    /// reader that holds the map of the generation it reads holds the
    /// current bindings (or those of a store running now). Compare it with
    /// [`Pinned::generation`], not with a generation read before a lookup:
    /// a lookup during a store finds the map before it.
    #[inline(always)]
    pub fn generation(&self) -> Generation {
        Generation::new(self.generation.load(Ordering::Acquire))
    }

    /// The current bindings, for writers.
    pub fn load_full(&self) -> Arc<Bindings> {
        (self.ops.load_full)(&self.current)
    }

    /// Publishes `bindings`; callers serialise stores among themselves.
    ///
    /// The generation is bumped before the map is swapped in. A reader that
    /// sees the new map (the swap is a release, the load an acquire) then
    /// reads the new generation or a later one, so no cache slot of the
    /// old generation can serve it an older binding of another view; a
    /// reader that still reads the old generation has not seen the new map.
    pub fn store(&self, mut bindings: Bindings) {
        let next = NEXT_GENERATION.fetch_add(1, Ordering::Relaxed);
        bindings.generation = Generation::new(next);
        self.publish_pools(&bindings);
        self.generation.store(next, Ordering::Release);
        (self.ops.store)(&self.current, Arc::new(bindings));
    }
}

impl BindingStore {
    /// The registry's pool keyed `key`.
    pub fn pool_entry(&self, key: (ViewId, ModelId)) -> Option<PoolEntry> {
        self.pools
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned()
    }

    /// The registry's pools of view `view`, one per model.
    pub fn pool_entries(&self, view: ViewId) -> Vec<PoolEntry> {
        self.pools
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|((v, _), _)| *v == view)
            .map(|(_, entry)| entry.clone())
            .collect()
    }

    /// Runs `f` on the registry's pool keyed `key`, under the map's lock
    /// (no clone of the entry).
    pub fn with_pool_entry<R>(
        &self,
        key: (ViewId, ModelId),
        f: impl FnOnce(Option<&PoolEntry>) -> R,
    ) -> R {
        f(self
            .pools
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key))
    }

    /// Puts the pools of every binding of `bindings` in the registry: a
    /// pool a construction adopted is already there, one it made (new, or
    /// migrated from another format) replaces the old one, owned by the
    /// binding's library. Bindings of one view share its keys, and one
    /// binding per view is published, so the map follows the bound ones.
    fn publish_pools(&self, bindings: &Bindings) {
        let mut pools = self.pools.lock().unwrap_or_else(PoisonError::into_inner);
        for slot in bindings.slots.values() {
            let Slot::Bound(binding) = slot else { continue };
            for pending in &binding.pools {
                if pools
                    .get(&pending.key)
                    .is_some_and(|entry| entry.same_storage(&pending.entry))
                {
                    continue;
                }
                let mut entry = pending.entry.clone();
                if pending.created {
                    entry.library = binding._library.clone();
                }
                pools.insert(pending.key, entry);
            }
        }
    }
}

#[cfg(test)]
impl BindingStore {
    /// A lookup by a reader that read `generation` before the current map
    /// was published (as one preempted inside a store would).
    pub fn lookup_after_reading<T: ?Sized + View>(
        &self,
        generation: Generation,
    ) -> Result<Pinned<T>, Box<RegistryError>> {
        let key = ViewKey {
            view_id: T::VIEW_ID,
            api_version: T::API_VERSION,
        };
        let set = key.view_id.get() as usize % SETS * WAYS;
        let pin = self.lookup_slow(generation, set, key, finder::<T>)?;
        Ok(Pinned {
            bindings: pin.bindings,
            binding: pin.binding,
            view: pin.target.cast(),
        })
    }

    /// Whether every slot of this thread's cache holds the map of the
    /// generation it is keyed by.
    pub fn cache_is_keyed_by_its_maps() -> bool {
        CACHE.with(|cache| {
            // SAFETY: this thread's cache; only read, and nothing else runs.
            let cache = unsafe { &*cache.get() };
            cache.iter().all(|slot| {
                slot.bindings.is_null()
                    // SAFETY: a non-empty slot owns a count of its map.
                    || unsafe { &*slot.bindings }.generation == slot.generation
            })
        })
    }
}

/// The `Arc<T>` bound to a view, its binding, and the map that keeps both
/// alive.
pub(crate) struct Pinned<T: ?Sized> {
    pub bindings: PinnedBindings,
    /// Points into `*bindings` (see `lookup_slow`).
    binding: *const Arc<Binding>,
    /// Points into `*bindings`; made from an `&Arc<T>` (see `lookup_slow`).
    view: *const Arc<T>,
}

impl<T: ?Sized> Pinned<T> {
    #[inline(always)]
    pub fn view(&self) -> &Arc<T> {
        // SAFETY: `view` was made in `lookup_slow` (directly, or through the
        // cache entry keyed by `T`'s id and API version) from an `&Arc<T>`
        // inside the map that `self.bindings` keeps alive, and nothing in a
        // published map is ever mutated or moved. The returned reference
        // borrows `self`, so it cannot outlive `bindings`.
        unsafe { &*self.view }
    }

    /// The generation of the map this was found in.
    #[inline(always)]
    pub fn generation(&self) -> Generation {
        self.bindings.generation
    }

    #[inline(always)]
    pub fn binding(&self) -> &Arc<Binding> {
        // SAFETY: as for `view`: made from an `&Arc<Binding>` inside the map
        // that `self.bindings` keeps alive.
        unsafe { &*self.binding }
    }
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
