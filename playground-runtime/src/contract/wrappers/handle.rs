//! `Handle`: shared, immutable data, replaced whole.

use crate::contract::error::StateError;
use crate::contract::model::Model;
use crate::contract::state::{Live, Saved, State, adopt_arc, encode_here, live};
use std::any::Any;
use std::fmt;
use std::sync::Arc;

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

impl<M: Model> State for Handle<M> {
    type Model = M;
    fn save(&self) -> Result<Saved, StateError> {
        Ok(Saved::Live(Live {
            storage: self.0.clone(),
            encode: encode::<M>,
        }))
    }
    fn restore(&mut self, value: M) {
        *self = Handle::new(value);
    }
    unsafe fn adopt(&mut self, storage: &Arc<dyn Any + Send + Sync>) -> bool {
        // SAFETY: forwarded from the caller: the storage is an `M`.
        self.0 = unsafe { adopt_arc::<M>(storage) };
        true
    }
}

/// Encodes the live storage of a `Handle<M>` (see [`Live`]).
fn encode<M: Model>(storage: &(dyn Any + Send + Sync)) -> Result<Vec<u8>, StateError> {
    encode_here(M::NAME, &mut || live::<M>(storage, M::NAME)?.encode())
}
