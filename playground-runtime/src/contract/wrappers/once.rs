//! `Once`: a value set once and read lock-free afterwards.

use std::fmt;
use std::sync::{Arc, OnceLock};

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
