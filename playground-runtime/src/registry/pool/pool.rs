//! `Pool`: a registry-owned pool of model values, and how a construction
//! or the host finds the registry's pool.

use crate::contract::error::PoolError;
use crate::contract::error::StateError;
use crate::contract::ids::{ModelId, ViewId};
use crate::contract::model::Model;
use crate::contract::view::View;
use crate::registry::bindings::BindingStore;
use crate::registry::construction::with_context;
use crate::registry::pool::entry::{PendingPool, PoolEntry, encode_storage};
use crate::registry::pool::handle::PoolHandle;
use crate::registry::pool::storage::{PoolStorage, Slot, Table, live, live_mut};
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A registry-owned pool of model values, for a viewmodel's data: declare
/// it as a field, and every build of the viewmodel gets the same pool.
///
/// Made by `Default` while the registry builds a viewmodel of view `V`,
/// it is the registry's pool of `M` for `V`, created on first use. A
/// reload adopts it as it is when the new build's `M` has the same
/// `STATE_VERSION` (nothing is saved, restored or copied); when it has
/// another, every value is migrated into a new pool
/// (`#[model(migrate_from(Old))]`), published only if the whole load
/// succeeds, or the load is refused and the pool is untouched. Made
/// anywhere else, it is a detached pool of its own.
///
/// ```
/// use playground_runtime::{Pool, PoolHandle, Registry, model, view, viewmodel};
///
/// #[view]
/// pub trait Accounts: Send + Sync {
///     fn open(&self, owner: &str) -> u64;
///     fn total(&self) -> u64;
/// }
///
/// #[model]
/// #[derive(Clone, Default)]
/// pub struct Account {
///     owner: String,
///     balance: u64,
/// }
///
/// #[derive(Default)]
/// struct Bank {
///     accounts: Pool<Account>, // owned by the registry
/// }
///
/// #[viewmodel]
/// impl Accounts for Bank {
///     fn open(&self, owner: &str) -> u64 {
///         let account = Account { owner: owner.into(), balance: 10 };
///         self.accounts.insert(account).map_or(0, |h| h.index() as u64)
///     }
///     fn total(&self) -> u64 {
///         let mut total = 0;
///         self.accounts.for_each(|_, account| total += account.balance);
///         total
///     }
/// }
///
/// let registry = Registry::linked();
/// registry.get::<dyn Accounts>()?.open("ada");
/// // The host reaches the same pool.
/// let pool = registry.pool::<dyn Accounts, Account>()?;
/// assert_eq!(pool.len(), 1);
/// assert_eq!(registry.get::<dyn Accounts>()?.total(), 10);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Pool<M: Model> {
    storage: Arc<PoolStorage<M>>,
    attached: bool,
}

impl<M: Model> crate::contract::record::PoolField for Pool<M> {
    type Model = M;
}

/// A value of a pool, read-locked: other readers go on, writers wait.
pub struct PoolRef<'p, M> {
    _guard: RwLockReadGuard<'p, Table<M>>,
    value: *const M,
}

/// A value of a pool, write-locked.
pub struct PoolMut<'p, M> {
    _guard: RwLockWriteGuard<'p, Table<M>>,
    value: *mut M,
}

impl<M> std::ops::Deref for PoolRef<'_, M> {
    type Target = M;
    #[inline]
    fn deref(&self) -> &M {
        // SAFETY: `value` points into the table `_guard` read-locks (made
        // from a `&M` under that lock in `Pool::get`); the table cannot
        // change while the guard lives, and the reference borrows `self`.
        unsafe { &*self.value }
    }
}

impl<M> std::ops::Deref for PoolMut<'_, M> {
    type Target = M;
    #[inline]
    fn deref(&self) -> &M {
        // SAFETY: as for `PoolRef`, under the write lock `_guard` holds.
        unsafe { &*self.value }
    }
}

impl<M> std::ops::DerefMut for PoolMut<'_, M> {
    #[inline]
    fn deref_mut(&mut self) -> &mut M {
        // SAFETY: made from the `&mut M` under the write lock `_guard`
        // holds (exclusive while it lives); the borrow is of `&mut self`.
        unsafe { &mut *self.value }
    }
}

/// A pool id for a detached pool: unlikely to be any other pool's.
fn detached_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_usize(&hasher as *const _ as usize);
    hasher.finish() | 1
}

/// The id of the registry's pool of `model_id` for `view_id`.
fn registry_id(view_id: ViewId, model_id: ModelId) -> u64 {
    crate::contract::fingerprint::fold_versions(view_id.get(), &[model_id.get()]) & !1
}

impl<M: Model> Default for Pool<M> {
    fn default() -> Self {
        Pool::new()
    }
}

impl<M: Model> Clone for Pool<M> {
    fn clone(&self) -> Self {
        Pool {
            storage: Arc::clone(&self.storage),
            attached: self.attached,
        }
    }
}

impl<M: Model> fmt::Debug for Pool<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("model", &M::NAME)
            .field("len", &self.len())
            .field("attached", &self.attached)
            .finish()
    }
}

impl<M: Model> Pool<M> {
    /// The registry's pool of `M` for the view being constructed on this
    /// thread (see [`Pool`]); a detached pool outside a construction.
    pub fn new() -> Self {
        pool_for::<M>().unwrap_or_else(Pool::detached)
    }

    /// A pool of its own, which no registry keeps.
    pub fn detached() -> Self {
        Pool {
            storage: Arc::new(PoolStorage::new(detached_id())),
            attached: false,
        }
    }

    /// Whether the pool is a registry's.
    pub fn is_attached(&self) -> bool {
        self.attached
    }

    #[inline]
    fn read(&self) -> RwLockReadGuard<'_, Table<M>> {
        // A panic while writing leaves a value as the panicking code left
        // it, as with any `&mut`; the pool itself stays consistent (its
        // bookkeeping runs no user code), so poisoning is ignored.
        self.storage
            .table
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    #[inline]
    fn write(&self) -> RwLockWriteGuard<'_, Table<M>> {
        self.storage
            .table
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    #[cold]
    fn stale(&self, handle: PoolHandle<M>) -> PoolError {
        if handle.pool != self.storage.id {
            PoolError::Foreign {
                model: M::NAME.to_owned(),
            }
        } else {
            PoolError::Stale {
                model: M::NAME.to_owned(),
                index: handle.index,
                generation: handle.generation,
            }
        }
    }

    /// Stores `value`, in a freed slot if there is one.
    pub fn insert(&self, value: M) -> Result<PoolHandle<M>, PoolError> {
        let mut table = self.write();
        let (index, generation) = match table.free.pop() {
            Some(index) => {
                let slot = &mut table.slots[index as usize];
                slot.value = Some(value);
                (index, slot.generation)
            }
            None => {
                let index = u32::try_from(table.slots.len())
                    .ok()
                    .filter(|&i| i != u32::MAX)
                    .ok_or_else(|| PoolError::Full {
                        model: M::NAME.to_owned(),
                    })?;
                table.slots.push(Slot {
                    generation: 0,
                    value: Some(value),
                });
                (index, 0)
            }
        };
        table.len += 1;
        Ok(PoolHandle {
            pool: self.storage.id,
            index,
            generation,
            _model: PhantomData,
        })
    }

    /// The value `handle` names, read-locked.
    #[inline]
    pub fn get(&self, handle: PoolHandle<M>) -> Result<PoolRef<'_, M>, PoolError> {
        let table = self.read();
        match live(&table.slots, self.storage.id, handle) {
            Some(value) => {
                let value: *const M = value;
                Ok(PoolRef {
                    _guard: table,
                    value,
                })
            }
            None => {
                drop(table);
                Err(self.stale(handle))
            }
        }
    }

    /// The value `handle` names, write-locked.
    #[inline]
    pub fn get_mut(&self, handle: PoolHandle<M>) -> Result<PoolMut<'_, M>, PoolError> {
        let mut table = self.write();
        match live_mut(&mut table.slots, self.storage.id, handle) {
            Some(value) => {
                let value: *mut M = value;
                Ok(PoolMut {
                    _guard: table,
                    value,
                })
            }
            None => {
                drop(table);
                Err(self.stale(handle))
            }
        }
    }

    /// Runs `f` on the value `handle` names.
    #[inline]
    pub fn with<R>(&self, handle: PoolHandle<M>, f: impl FnOnce(&M) -> R) -> Result<R, PoolError> {
        self.get(handle).map(|value| f(&value))
    }

    /// Runs `f` on the value `handle` names, mutably.
    #[inline]
    pub fn with_mut<R>(
        &self,
        handle: PoolHandle<M>,
        f: impl FnOnce(&mut M) -> R,
    ) -> Result<R, PoolError> {
        self.get_mut(handle).map(|mut value| f(&mut value))
    }

    /// Takes the value out; its slot is reused by a later insert, under a
    /// new generation, so `handle` and its copies are stale from now on.
    pub fn remove(&self, handle: PoolHandle<M>) -> Result<M, PoolError> {
        let mut table = self.write();
        let id = self.storage.id;
        if live(&table.slots, id, handle).is_none() {
            drop(table);
            return Err(self.stale(handle));
        }
        let slot = &mut table.slots[handle.index as usize];
        let value = slot.value.take();
        slot.generation = slot.generation.saturating_add(1);
        // A slot whose generation is spent is retired: reusing it could
        // make an old handle name a new value.
        let retire = slot.generation == u32::MAX;
        if !retire {
            table.free.push(handle.index);
        }
        table.len -= 1;
        value.ok_or_else(|| PoolError::Stale {
            model: M::NAME.to_owned(),
            index: handle.index,
            generation: handle.generation,
        })
    }

    /// Whether `handle` names a live value of this pool.
    pub fn contains(&self, handle: PoolHandle<M>) -> bool {
        live(&self.read().slots, self.storage.id, handle).is_some()
    }

    /// The handle whose [`PoolHandle::to_bits`] `bits` are, if it names a
    /// value of this pool: [`PoolError::Foreign`] for another pool's (or
    /// bits that were never a handle's), [`PoolError::Stale`] for a value
    /// removed since. One slot is looked at, whatever the pool holds.
    pub fn handle_from_bits(&self, bits: u128) -> Result<PoolHandle<M>, PoolError> {
        let handle = PoolHandle {
            pool: (bits >> 64) as u64,
            index: (bits >> 32) as u32,
            generation: bits as u32,
            _model: PhantomData,
        };
        if self.contains(handle) {
            Ok(handle)
        } else {
            Err(self.stale(handle))
        }
    }

    /// How many values the pool holds.
    pub fn len(&self) -> usize {
        self.read().len
    }

    /// Whether the pool holds no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The handles of every value, in slot order: how a new build of a
    /// viewmodel finds the values its predecessor stored.
    pub fn handles(&self) -> Vec<PoolHandle<M>> {
        let table = self.read();
        table
            .slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.value.is_some())
            .map(|(index, slot)| PoolHandle {
                pool: self.storage.id,
                index: index as u32,
                generation: slot.generation,
                _model: PhantomData,
            })
            .collect()
    }

    /// Runs `f` on every value, in slot order, under one read lock.
    pub fn for_each(&self, mut f: impl FnMut(PoolHandle<M>, &M)) {
        let table = self.read();
        for (index, slot) in table.slots.iter().enumerate() {
            if let Some(value) = &slot.value {
                let handle = PoolHandle {
                    pool: self.storage.id,
                    index: index as u32,
                    generation: slot.generation,
                    _model: PhantomData,
                };
                f(handle, value);
            }
        }
    }

    /// The registry's entry for this pool (type-erased), made in this
    /// image: its encode function is this image's, for `M`.
    pub(crate) fn entry(&self) -> PoolEntry {
        PoolEntry {
            storage: self.storage.clone(),
            model: M::NAME.to_owned(),
            model_id: M::MODEL_ID,
            state_version: M::STATE_VERSION,
            size: M::SIZE,
            align: M::ALIGN,
            encode: encode_storage::<M>,
            library: None,
        }
    }

    /// The pool `entry` holds, if it holds this build's `M`.
    pub(crate) fn adopt(entry: &PoolEntry) -> Result<Pool<M>, PoolError> {
        Self::try_adopt(entry).ok_or_else(|| entry.mismatch::<M>())
    }

    /// [`Self::adopt`] without the error.
    #[inline]
    fn try_adopt(entry: &PoolEntry) -> Option<Pool<M>> {
        if !entry.reads_as::<M>() {
            return None;
        }
        // SAFETY: same model id and state version (the structural
        // fingerprint, which folds every field's type), same size and
        // align, and every image that reaches here was built by the same
        // compiler and runtime (`Library::open` checked it): the storage,
        // made by `Pool::<M>::entry` in some image, is a `PoolStorage<M>`.
        let storage =
            unsafe { crate::contract::state::adopt_arc::<PoolStorage<M>>(&entry.storage) };
        Some(Pool {
            storage,
            attached: true,
        })
    }

    /// A new pool of `M` with every value of `entry` (another format of
    /// the model) migrated, in the same slots under the same generations,
    /// so that handles stay valid.
    pub(crate) fn migrate(entry: &PoolEntry) -> Result<Pool<M>, StateError> {
        let encoded = (entry.encode)(&*entry.storage)?;
        let mut slots = Vec::with_capacity(encoded.slots.len());
        let mut free = Vec::new();
        let mut len = 0;
        for (index, (generation, bytes)) in encoded.slots.into_iter().enumerate() {
            let value = match bytes {
                Some(bytes) => {
                    len += 1;
                    Some(migrate_value::<M>(entry, &bytes)?)
                }
                None => {
                    if generation != u32::MAX {
                        free.push(index as u32);
                    }
                    None
                }
            };
            slots.push(Slot { generation, value });
        }
        free.reverse();
        Ok(Pool {
            storage: Arc::new(PoolStorage {
                id: encoded.id,
                table: RwLock::new(Table { slots, free, len }),
            }),
            attached: true,
        })
    }
}

fn migrate_value<M: Model>(entry: &PoolEntry, bytes: &[u8]) -> Result<M, StateError> {
    match M::migrate(entry.state_version, bytes) {
        Some(value) => value,
        None => Err(StateError::VersionMismatch {
            field: format!("Pool<{}>", entry.model),
            model: entry.model.clone(),
            saved: entry.state_version,
            current: M::STATE_VERSION,
        }),
    }
}

/// The pool of `M` for view `view_id` in `store`, or what to publish:
/// adopted as is, made empty, or migrated; `Err` refuses the
/// construction.
pub(crate) fn resolve<M: Model>(
    store: &BindingStore,
    view_id: ViewId,
    pending: &[PendingPool],
) -> Result<(Pool<M>, Option<PendingPool>), StateError> {
    let key = (view_id, M::MODEL_ID);
    if let Some(made) = pending.iter().find(|p| p.key == key) {
        return Pool::adopt(&made.entry)
            .map(|pool| (pool, None))
            .map_err(StateError::Pool);
    }
    let existing = store.pool_entry(key);
    match existing {
        Some(entry) if entry.reads_as::<M>() => {
            let pool = Pool::adopt(&entry).map_err(StateError::Pool)?;
            Ok((
                pool,
                Some(PendingPool {
                    key,
                    entry,
                    created: false,
                }),
            ))
        }
        Some(entry) => {
            tracing::debug!(model = M::NAME, "migrating a pool to a new model format");
            let pool = Pool::<M>::migrate(&entry)?;
            let entry = pool.entry();
            Ok((
                pool,
                Some(PendingPool {
                    key,
                    entry,
                    created: true,
                }),
            ))
        }
        None => {
            let pool = Pool {
                storage: Arc::new(PoolStorage::new(registry_id(view_id, M::MODEL_ID))),
                attached: true,
            };
            let entry = pool.entry();
            Ok((
                pool,
                Some(PendingPool {
                    key,
                    entry,
                    created: true,
                }),
            ))
        }
    }
}

/// The registry's pool of `M` for view `V` (see [`Registry::pool`]
/// (crate::Registry::pool)).
pub(crate) fn registry_pool<V: ?Sized + View, M: Model>(
    store: &BindingStore,
) -> Result<Pool<M>, PoolError> {
    let key = (V::VIEW_ID, M::MODEL_ID);
    // The bound viewmodel's own pools, reached through the lock-free lookup
    // (the thread's cached map): publishing its binding put exactly these
    // in the registry's map (`BindingStore::store`), so both paths find the
    // same storage. The map, under its lock, is for a view not bound now.
    #[inline(always)]
    fn find(pools: &[PendingPool], key: (ViewId, ModelId)) -> Option<&PoolEntry> {
        pools.iter().find(|p| p.key == key).map(|p| &p.entry)
    }
    // The fast path: this thread's cached map, no pin; a pool of another
    // format is left to the path below, which names the difference.
    // SAFETY: the closure compares keys and clones an `Arc`: it looks
    // nothing up.
    let cached = unsafe {
        store.with_cached_pools::<V, _>(|pools| find(pools, key).and_then(Pool::try_adopt))
    };
    if let Some(Some(pool)) = cached {
        return Ok(pool);
    }
    if let Ok(pinned) = store.lookup::<V>()
        && let Some(entry) = find(&pinned.binding().pools, key)
    {
        return Pool::adopt(entry);
    }
    store.with_pool_entry(key, |entry| match entry {
        Some(entry) => Pool::adopt(entry),
        None => Err(PoolError::NoPool {
            view: V::NAME.to_owned(),
            model: M::NAME.to_owned(),
        }),
    })
}

/// The pool of `M` for the view being constructed on this thread, or
/// `None` outside a construction (or when the construction is refused:
/// the error is kept for `constructing` to return).
pub(crate) fn pool_for<M: Model>() -> Option<Pool<M>> {
    // The context is not borrowed while a migration runs user code.
    let (store, view_id, pending) = with_context(|c| {
        let c = c.borrow();
        (Arc::clone(&c.store), c.view_id, c.pools.clone())
    })?;
    let resolved = resolve::<M>(&store, view_id, &pending);
    with_context(|c| {
        let mut c = c.borrow_mut();
        match resolved {
            Ok((pool, made)) => {
                c.pools.extend(made);
                Some(pool)
            }
            Err(error) => {
                c.error.get_or_insert(error);
                None
            }
        }
    })
    .flatten()
}
