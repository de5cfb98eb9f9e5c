//! Why a model or a viewmodel's state could not be saved or restored, and
//! why a pool refused an operation.

use crate::contract::ids::StateVersion;
use thiserror::Error;

/// Why a model or a viewmodel's state could not be saved or restored.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateError {
    /// A `Pool` field could not take the registry's pool.
    #[error("pool: {0}")]
    Pool(#[source] PoolError),
    /// The saved state was written by another format of the model.
    #[error(
        "field `{field}` holds model `{model}` in state version {saved}, \
         but this build reads version {current}; add a migration or start fresh"
    )]
    VersionMismatch {
        /// The viewmodel field.
        field: String,
        /// The model's name.
        model: String,
        /// Version of the saved bytes.
        saved: StateVersion,
        /// Version this build reads.
        current: StateVersion,
    },
    /// Same model and version, but another size or align: another build.
    #[error(
        "field `{field}` holds model `{model}` saved with size and align {saved:?}, \
         but here they are {current:?}; the two builds lay it out differently"
    )]
    LayoutMismatch {
        /// The viewmodel field.
        field: String,
        /// The model's name.
        model: String,
        /// `(size, align)` where it was saved.
        saved: (usize, usize),
        /// `(size, align)` here.
        current: (usize, usize),
    },
    /// The saved field holds a different model.
    #[error("field `{field}` was saved as model `{saved}` but is now model `{current}`")]
    ModelMismatch {
        /// The viewmodel field.
        field: String,
        /// The saved model's name.
        saved: String,
        /// The current model's name.
        current: String,
    },
    /// The saved state has no entry for a field this viewmodel restores.
    #[error("the saved state has no field `{field}`; it was saved by a viewmodel without it")]
    MissingField {
        /// The viewmodel field.
        field: String,
    },
    /// The model could not be encoded.
    #[error("encoding model `{model}` failed: {message}")]
    Encode {
        /// The model's name.
        model: String,
        /// The encoder's message.
        message: String,
    },
    /// The bytes are not a valid encoding of the model.
    #[error("decoding model `{model}` failed: {message}")]
    Decode {
        /// The model's name.
        model: String,
        /// The decoder's message.
        message: String,
    },
}

/// Why a pool refused an operation. Never another value: a handle that
/// does not name a live value of this pool is an error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
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
        "the pool of model `{model}` holds state version {pooled} (size and align {pooled_layout:?}), \
         this build reads {current} ({current_layout:?})"
    )]
    VersionMismatch {
        /// The model's name.
        model: String,
        /// The pool's format.
        pooled: StateVersion,
        /// `(size, align)` of the pool's values.
        pooled_layout: (usize, usize),
        /// This build's format.
        current: StateVersion,
        /// `(size, align)` here.
        current_layout: (usize, usize),
    },
}
