//! Handles to a pool's values, and why a pool refuses an operation.

use std::fmt;
use std::marker::PhantomData;

/// Why a pool refused an operation. Never another value: a handle that
/// does not name a live value of this pool is an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// The handle's value was removed (its slot may hold another value now,
    /// under a newer generation).
    #[error("stale handle to model `{model}`: slot {index} generation {generation} was removed")]
    Stale {
        /// The model's name.
        model: String,
        /// The handle's slot.
        index: u32,
        /// The handle's generation.
        generation: u32,
    },
    /// The handle was made by another pool.
    #[error("the handle to model `{model}` belongs to another pool")]
    Foreign {
        /// The model's name.
        model: String,
    },
    /// The pool holds `u32::MAX` slots.
    #[error("the pool of model `{model}` is full")]
    Full {
        /// The model's name.
        model: String,
    },
    /// The registry has no pool of this model for this view.
    #[error("the registry has no pool of model `{model}` for view `{view}`")]
    NoPool {
        /// The view's name.
        view: String,
        /// The model's name.
        model: String,
    },
    /// The registry's pool holds another format of the model.
    #[error(
        "the pool of model `{model}` holds state version {pooled:016x} (size and align {pooled_layout:?}), \
         this build reads {current:016x} ({current_layout:?})"
    )]
    VersionMismatch {
        /// The model's name.
        model: String,
        /// The pool's format.
        pooled: u64,
        /// `(size, align)` of the pool's values.
        pooled_layout: (usize, usize),
        /// This build's format.
        current: u64,
        /// `(size, align)` here.
        current_layout: (usize, usize),
    },
}

/// A handle to a value in a [`Pool`]: a slot and the generation of the
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
