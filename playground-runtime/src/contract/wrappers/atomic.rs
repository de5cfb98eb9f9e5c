//! `Atomic`: a small `Copy` value read and written without a lock.

use crate::contract::error::StateError;
use crate::contract::model::Model;
use crate::contract::state::{Live, Saved, State, adopt_arc, encode_here, live};
use crossbeam_utils::atomic::AtomicCell;
use std::any::Any;
use std::fmt;
use std::sync::Arc;

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

impl<M: Model + Copy> State for Atomic<M> {
    type Model = M;
    fn save(&self) -> Result<Saved, StateError> {
        // Whatever the size: a value too large for a hardware atomic takes
        // a lock stored beside it, which the successor adopts with it.
        Ok(Saved::Live(Live {
            storage: self.0.clone(),
            encode: encode::<M>,
        }))
    }
    fn restore(&mut self, value: M) {
        self.store(value);
    }
    unsafe fn adopt(&mut self, storage: &Arc<dyn Any + Send + Sync>) -> bool {
        // SAFETY: forwarded from the caller: the storage is an
        // `AtomicSlot<M>`.
        self.0 = unsafe { adopt_arc::<AtomicSlot<M>>(storage) };
        true
    }
}

/// Encodes the live storage of an `Atomic<M>` (see [`Live`]).
fn encode<M: Model + Copy>(storage: &(dyn Any + Send + Sync)) -> Result<Vec<u8>, StateError> {
    encode_here(M::NAME, &mut || {
        live::<AtomicSlot<M>>(storage, M::NAME)?.load().encode()
    })
}
