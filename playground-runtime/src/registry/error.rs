//! Why the registry could not hand out or bind a viewmodel.

use crate::contract::error::StateError;
use crate::contract::ids::{ApiVersion, ViewId};
use thiserror::Error;

/// Why the registry could not hand out or bind a viewmodel.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// No viewmodel of this view is linked into the program.
    #[error(
        "no viewmodel implements view `{view}` (id {view_id}); \
         add `#[viewmodel] impl {view} for YourType` to a crate the program links"
    )]
    NoViewModel {
        /// The view's name.
        view: String,
        /// The view's id.
        view_id: ViewId,
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
        "views `{first}` and `{second}` have the same id {view_id}; \
         give one of them another name with #[view(name = \"...\")]"
    )]
    DuplicateViewId {
        /// Module path and name of the first view.
        first: String,
        /// Module path and name of the second view.
        second: String,
        /// The shared id.
        view_id: ViewId,
    },
    /// The viewmodel was compiled against another version of its view.
    #[error(
        "viewmodel `{viewmodel}` was compiled against API version {found} of view \
         `{view}`, but this program has version {expected}; rebuild it against this view"
    )]
    ApiVersionMismatch {
        /// The view's name.
        view: String,
        /// The viewmodel's name.
        viewmodel: String,
        /// The host's `API_VERSION`.
        expected: ApiVersion,
        /// The viewmodel's `API_VERSION`.
        found: ApiVersion,
    },
    /// Code asked for a view under another API version than the bound
    /// viewmodel's: a module compiled against an edited copy of a view the
    /// program implements. Refused: its calls would run other methods.
    #[error(
        "view `{view}` is bound to viewmodel `{viewmodel}` of API version {bound}, but the \
         code asking for it was compiled against version {requested}; rebuild it against \
         this program's view"
    )]
    ViewVersionMismatch {
        /// The view's name.
        view: String,
        /// The bound viewmodel's name.
        viewmodel: String,
        /// The bound viewmodel's `API_VERSION`.
        bound: ApiVersion,
        /// The `API_VERSION` of the view the caller names.
        requested: ApiVersion,
    },
    /// A [`Uses`](crate::Uses) handle made outside a registry's
    /// construction of a viewmodel.
    #[error(
        "this `Uses<dyn {view}>` points to no registry: it was made outside a viewmodel's \
         construction by a registry (a `Default` called by your own code?)"
    )]
    Detached {
        /// The view it is for.
        view: String,
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

/// Lets `?` unbox the error of [`Registry::get`](crate::Registry::get) in a
/// function that returns a `RegistryError`.
impl From<Box<RegistryError>> for RegistryError {
    fn from(error: Box<RegistryError>) -> Self {
        *error
    }
}
