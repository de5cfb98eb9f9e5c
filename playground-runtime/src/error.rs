//! Errors of the registry and of saving and restoring state.

use thiserror::Error;

/// Why the registry could not hand out or bind a viewmodel.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// No viewmodel of this view is linked into the program.
    #[error(
        "no viewmodel implements view `{view}` (id {view_id:016x}); \
         add `#[viewmodel] impl {view} for YourType` to a crate the program links"
    )]
    NoViewModel {
        /// The view's name.
        view: String,
        /// The view's id.
        view_id: u64,
    },
    /// Several viewmodels implement the same view and none was chosen.
    #[error(
        "view `{view}` has {} viewmodels ({}); choose one with `registry.bind::<dyn {view}>(\"Name\")`",
        candidates.len(), candidates.join(", ")
    )]
    AmbiguousViewModel {
        /// The view's name.
        view: String,
        /// The names of every viewmodel of the view.
        candidates: Vec<String>,
    },
    /// `bind` named a viewmodel that does not implement the view.
    #[error("no viewmodel named `{viewmodel}` implements view `{view}`; known: {}", known.join(", "))]
    UnknownViewModel {
        /// The view's name.
        view: String,
        /// The name that was asked for.
        viewmodel: String,
        /// The viewmodels of the view.
        known: Vec<String>,
    },
    /// Two different views have the same id (same crate and name).
    #[error(
        "views `{first}` and `{second}` have the same id {view_id:016x}; \
         give one of them another name with #[view(name = \"...\")]"
    )]
    DuplicateViewId {
        /// Module path and name of the first view.
        first: String,
        /// Module path and name of the second view.
        second: String,
        /// The shared id.
        view_id: u64,
    },
    /// The viewmodel was compiled against another version of its view.
    #[error(
        "viewmodel `{viewmodel}` was compiled against API version {found:016x} of view \
         `{view}`, but this program has version {expected:016x}; rebuild it against this view"
    )]
    ApiVersionMismatch {
        /// The view's name.
        view: String,
        /// The viewmodel's name.
        viewmodel: String,
        /// The host's `API_VERSION`.
        expected: u64,
        /// The viewmodel's `API_VERSION`.
        found: u64,
    },
    /// The viewmodel's constructor panicked; nothing was bound.
    #[error("constructing viewmodel `{viewmodel}` panicked: {message}")]
    ConstructorPanicked {
        /// The viewmodel's name.
        viewmodel: String,
        /// The panic's message.
        message: String,
    },
    /// Saving or restoring the viewmodel's state failed.
    #[error("state of viewmodel `{viewmodel}`: {source}")]
    State {
        /// The viewmodel's name.
        viewmodel: String,
        /// What went wrong.
        #[source]
        source: StateError,
    },
}

/// Why a model or a viewmodel's state could not be saved or restored.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateError {
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
