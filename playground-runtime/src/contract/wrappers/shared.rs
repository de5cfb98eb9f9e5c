//! `Shared`: shared, mutable data behind a reader-writer lock.

use crate::contract::error::StateError;
use crate::contract::model::Model;
use crate::contract::state::{Live, Saved, State, adopt_arc, encode_here, live};
use std::any::Any;
use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

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
        match lock.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Locks for writing; waits for readers and writers to finish.
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        match self.0.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
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

impl<M: Model> State for Shared<M> {
    type Model = M;
    fn save(&self) -> Result<Saved, StateError> {
        Ok(Saved::Live(Live {
            storage: self.0.clone(),
            encode: encode::<M>,
        }))
    }
    fn restore(&mut self, value: M) {
        *self.write() = value;
    }
    unsafe fn adopt(&mut self, storage: &Arc<dyn Any + Send + Sync>) -> bool {
        // SAFETY: forwarded from the caller: the storage is an `RwLock<M>`.
        self.0 = unsafe { adopt_arc::<RwLock<M>>(storage) };
        true
    }
}

/// Encodes the live storage of a `Shared<M>` (see [`Live`]).
fn encode<M: Model>(storage: &(dyn Any + Send + Sync)) -> Result<Vec<u8>, StateError> {
    encode_here(M::NAME, &mut || {
        Shared::read_lock(live::<RwLock<M>>(storage, M::NAME)?).encode()
    })
}
