//! Handles to a pool's values.

use std::fmt;
use std::marker::PhantomData;

/// A handle to a value in a [`Pool`](crate::Pool): a slot and the generation of the
/// value it was made for (16 bytes, `Copy`). Once the value is removed,
/// the handle is stale for good, whatever the slot holds later.
pub struct PoolHandle<M> {
    pub(crate) pool: u64,
    pub(crate) index: u32,
    pub(crate) generation: u32,
    pub(crate) _model: PhantomData<fn() -> M>,
}

impl<M> PoolHandle<M> {
    /// The slot it names.
    pub fn index(&self) -> u32 {
        self.index
    }
    /// The generation of the value it names.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// The handle as 128 bits (the pool's id, the slot and the
    /// generation), for code that keeps or passes it where `M` is not
    /// named: a `u128` field of another model, a view's argument.
    /// [`Pool::handle_from_bits`](crate::Pool::handle_from_bits) turns it
    /// back into a handle, checked, without looking at any other value.
    pub fn to_bits(self) -> u128 {
        u128::from(self.pool) << 64 | u128::from(self.index) << 32 | u128::from(self.generation)
    }
}

impl<M> Clone for PoolHandle<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for PoolHandle<M> {}
impl<M> PartialEq for PoolHandle<M> {
    fn eq(&self, other: &Self) -> bool {
        (self.pool, self.index, self.generation) == (other.pool, other.index, other.generation)
    }
}
impl<M> Eq for PoolHandle<M> {}
impl<M> std::hash::Hash for PoolHandle<M> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.pool, self.index, self.generation).hash(state);
    }
}
impl<M> fmt::Debug for PoolHandle<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PoolHandle({}v{})", self.index, self.generation)
    }
}
