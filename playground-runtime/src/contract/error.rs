//! Why a model or a viewmodel's state could not be saved or restored.

use thiserror::Error;

/// Why a model or a viewmodel's state could not be saved or restored.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateError {
    /// A `Pool` field could not take the registry's pool (see
    /// [`PoolError`](crate::PoolError)).
    #[error("pool: {0}")]
    Pool(String),
    /// The saved state was written by another format of the model.
    #[error(
        "field `{field}` holds model `{model}` in state version {saved:016x}, \
         but this build reads version {current:016x}; add a migration or start fresh"
    )]
    VersionMismatch {
        /// The viewmodel field.
        field: String,
        /// The model's name.
        model: String,
        /// Version of the saved bytes.
        saved: u64,
        /// Version this build reads.
        current: u64,
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
