//! Thread-safe wrappers for viewmodel state: a view is shared by every
//! caller, so its methods take `&self` and mutable state lives in one of these.
//! Each wrapper is a cheap-to-clone handle: clones share the same value.

use crossbeam_utils::atomic::AtomicCell;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Shared, immutable data: configuration, meshes, lookup tables.
///
/// Reading is a pointer dereference; to change it, build a new value and
/// replace the handle (`handle = Handle::new(next)`).
///
/// ```
/// use playground_runtime::Handle;
/// let table = Handle::new(vec![1, 2, 3]);
/// let copy = table.clone(); // same allocation
/// assert_eq!(copy.len(), 3);
/// ```
pub struct Handle<T: ?Sized>(pub(crate) Arc<T>);

impl<T: Default> Default for Handle<T> {
    fn default() -> Self {
        Handle::new(T::default())
    }
}

impl<T> Handle<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Handle(Arc::new(value))
    }
}

impl<T: ?Sized> Clone for Handle<T> {
    fn clone(&self) -> Self {
        Handle(Arc::clone(&self.0))
    }
}

impl<T: ?Sized> std::ops::Deref for Handle<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Shared, mutable data behind a reader-writer lock: collections and
/// structs that are read often and written sometimes.
///
/// The lock is std's, because a successor module adopts this storage as it
/// is, and std's layout is fixed by the compiler both were built with. A
/// writer that panicked does not make the state unusable: the lock's
/// poisoning is ignored, as the state is the program's to keep.
///
/// ```
/// use playground_runtime::Shared;
/// let scores = Shared::new(Vec::new());
/// scores.write().push(10);
/// assert_eq!(scores.read().len(), 1);
/// ```
#[derive(Default)]
pub struct Shared<T>(pub(crate) Arc<RwLock<T>>);

impl<T> Shared<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Shared(Arc::new(RwLock::new(value)))
    }

    /// Locks for reading; many readers may hold the lock at once.
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        Shared::read_lock(&self.0)
    }

    pub(crate) fn read_lock(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
        lock.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks for writing; waits for readers and writers to finish.
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.read().fmt(f)
    }
}

/// A small `Copy` value read and written without a lock: counters, flags,
/// positions.
///
/// Lock-free when the target has an atomic of `T`'s size (1, 2, 4 or 8 bytes
/// here), which [`Atomic::is_lock_free`] reports. A larger value takes a
/// mutex that lives beside it, in the same allocation: when a reloaded
/// module adopts the storage, the old and the new code share that lock, so
/// no write is lost whatever the size. (A lock inside one image, such as
/// `crossbeam_utils`'s striped one, would not be shared.)
///
/// ```
/// use playground_runtime::Atomic;
/// let hits = Atomic::new(0u64);
/// hits.update(|n| n + 1);
/// assert_eq!(hits.load(), 1);
/// ```
#[derive(Default)]
pub struct Atomic<T: Copy>(pub(crate) Arc<AtomicSlot<T>>);

/// The storage of an [`Atomic`]: the value, and the lock that values with
/// no hardware atomic take.
#[derive(Default)]
pub(crate) struct AtomicSlot<T> {
    cell: AtomicCell<T>,
    lock: std::sync::Mutex<()>,
}

impl<T: Copy> AtomicSlot<T> {
    /// Runs `f` on the cell, under the slot's own lock unless `T` is
    /// lock-free. The std mutex waits on the kernel by address, so it works
    /// across images.
    #[inline]
    fn with<R>(&self, f: impl FnOnce(&AtomicCell<T>) -> R) -> R {
        if AtomicCell::<T>::is_lock_free() {
            f(&self.cell)
        } else {
            let _guard = self
                .lock
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&self.cell)
        }
    }

    pub(crate) fn load(&self) -> T {
        self.with(AtomicCell::load)
    }
}

impl<T: Copy> Atomic<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Atomic(Arc::new(AtomicSlot {
            cell: AtomicCell::new(value),
            lock: std::sync::Mutex::new(()),
        }))
    }

    /// The current value.
    pub fn load(&self) -> T {
        self.0.load()
    }

    /// Replaces the value.
    pub fn store(&self, value: T) {
        self.0.with(|cell| cell.store(value))
    }

    /// Replaces the value and returns the previous one.
    pub fn swap(&self, value: T) -> T {
        self.0.with(|cell| cell.swap(value))
    }

    /// Applies `f` atomically (retrying if another thread wrote in between)
    /// and returns the new value.
    pub fn update(&self, mut f: impl FnMut(T) -> T) -> T
    where
        T: Eq,
    {
        // `f` runs outside any lock (it may read this same value); the
        // exchange checks that nothing was written in between.
        let mut current = self.load();
        loop {
            let next = f(current);
            match self.0.with(|cell| cell.compare_exchange(current, next)) {
                Ok(_) => return next,
                Err(actual) => current = actual,
            }
        }
    }

    /// Whether operations on `T` compile to hardware atomics.
    pub fn is_lock_free() -> bool {
        AtomicCell::<T>::is_lock_free()
    }
}

impl<T: Copy> Clone for Atomic<T> {
    fn clone(&self) -> Self {
        Atomic(Arc::clone(&self.0))
    }
}

impl<T: Copy + fmt::Debug> fmt::Debug for Atomic<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}

/// A value set once and read lock-free afterwards: late initialisation of
/// something every caller then shares (a device, a loaded asset).
///
/// ```
/// use playground_runtime::Once;
/// let device = Once::new();
/// assert!(device.set("gpu0").is_ok());
/// assert_eq!(device.set("gpu1"), Err("gpu1"));
/// assert_eq!(device.get(), Some(&"gpu0"));
/// ```
pub struct Once<T>(Arc<OnceLock<T>>);

impl<T> Once<T> {
    /// An empty cell.
    pub fn new() -> Self {
        Once(Arc::new(OnceLock::new()))
    }

    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        self.0.get()
    }

    /// Sets the value; if it was already set, gives `value` back.
    pub fn set(&self, value: T) -> Result<(), T> {
        self.0.set(value)
    }

    /// The value, computing it with `init` if no one has yet.
    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        self.0.get_or_init(init)
    }
}

impl<T> Default for Once<T> {
    fn default() -> Self {
        Once::new()
    }
}

impl<T> Clone for Once<T> {
    fn clone(&self) -> Self {
        Once(Arc::clone(&self.0))
    }
}

impl<T: fmt::Debug> fmt::Debug for Once<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.get().fmt(f)
    }
}
