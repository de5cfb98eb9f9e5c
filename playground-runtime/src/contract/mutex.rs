//! [`Mutex`]: the lock of the registry's own bookkeeping.
//!
//! A library links its own copy of this crate, so a registry method a
//! library calls (a module that loads another, say) runs that copy's code
//! on the host's lock. std's mutex waits on the kernel's futex, keyed by
//! the lock's address, so every image's code waits and wakes on the one
//! lock; a lock whose waiters queue in a table of its crate's own (a global
//! of each image, as parking_lot's) would lose wakeups between images.

use std::sync::{MutexGuard, PoisonError};

/// `std::sync::Mutex` without poisoning: a panic while it is held (caught
/// around user code elsewhere) leaves data that is consistent between
/// statements, so the next user takes it as it is.
#[derive(Default)]
pub(crate) struct Mutex<T>(std::sync::Mutex<T>);

impl<T> Mutex<T> {
    /// A mutex over `value`.
    pub(crate) const fn new(value: T) -> Self {
        Mutex(std::sync::Mutex::new(value))
    }

    /// Locks, waiting for the holder if there is one.
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
