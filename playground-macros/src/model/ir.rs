//! What `#[model]` read: the plain model that code generation works from.

/// One model: the user's struct or enum and what was derived from it.
pub struct Model {
    /// The item as the user wrote it.
    pub item: syn::DeriveInput,
    /// The name shown in listings and hashed into the id (`name = "..."` or the type's).
    pub name: String,
    /// Stable id: crate name and model name.
    pub id: u64,
    /// What its fingerprint, and so its `STATE_VERSION`, is folded from.
    pub structure: crate::fingerprint::structure::Structure,
    /// Type parameters: each must itself be a model, and its id and version
    /// are folded into this one's.
    pub type_params: Vec<syn::Ident>,
    /// `migrate_from(Old, ...)`: older formats this model converts from,
    /// each a model with `impl From<Old> for Self`.
    pub migrate_from: Vec<syn::Path>,
}

/// A struct or enum `#[model]` refused: every error found in it, and what
/// is emitted beside them so that code using it reports nothing more.
pub struct Rejected {
    pub errors: syn::Error,
    /// The item, if it is a struct or an enum (emitted without its serde
    /// attributes); otherwise the tokens are emitted as written.
    pub item: Option<Box<syn::DeriveInput>>,
    /// Whether a stub `impl Model` (version 0, never run) can be written
    /// beside it without errors of its own.
    pub stub: bool,
}

impl Rejected {
    pub fn new(errors: crate::errors::Errors, item: Option<syn::DeriveInput>, stub: bool) -> Self {
        Rejected {
            errors: errors.finish().expect_err("a refused model has an error"),
            item: item.map(Box::new),
            stub,
        }
    }
}
