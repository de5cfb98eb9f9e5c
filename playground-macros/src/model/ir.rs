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
