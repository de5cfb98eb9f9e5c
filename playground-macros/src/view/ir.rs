//! What `#[view]` read: the plain model that code generation works from.

/// One view: the user's trait and everything derived from it.
pub struct View {
    /// The trait as the user wrote it; it is emitted unchanged.
    pub item: syn::ItemTrait,
    /// The name the registry knows it by: `name = "..."` or the trait's.
    pub name: String,
    /// Stable id: crate name and registered name.
    pub id: u64,
    /// Hash of the trait's name and the shape of its signatures, before the
    /// types' fingerprints and the models are folded in.
    pub own_version: u64,
    /// `models(A, B)`: their `STATE_VERSION`s are part of the API version.
    pub models: Vec<syn::Path>,
    /// `abi(CONST, ...)`: `u64` constants folded into `API_VERSION`, such as
    /// the build hash of a crate whose types the view's methods take.
    pub abi: Vec<syn::Expr>,
    /// Its methods; each one's fingerprint is folded into `API_VERSION` by
    /// the compiler.
    pub methods: Vec<Method>,
}

/// One method of a view, as the registry describes it.
pub struct Method {
    pub name: String,
    /// The signature as a person reads it, e.g. `fn step(&self, dt: f32)`.
    pub signature: String,
    pub is_async: bool,
    /// Hash of the method's shape alone (see `own_version`).
    pub shape: u64,
    /// The fingerprints of its parameter and return types: with `shape`,
    /// the method's own fingerprint, which tells which method changed.
    pub fingerprints: Vec<proc_macro2::TokenStream>,
    /// The signature as written, for the forwarding impl.
    pub sig: syn::Signature,
}

impl View {
    pub fn is_async(&self) -> bool {
        self.methods.iter().any(|m| m.is_async)
    }
}

/// A trait `#[view]` refused: every error found in it, and the trait as
/// emitted beside them, so that code using it reports nothing more.
pub struct Rejected {
    pub errors: syn::Error,
    /// The trait, made callable through `dyn` (missing `Send + Sync` added,
    /// what `dyn` cannot have bounded by `where Self: Sized` or left out);
    /// `None` when the item is not a trait (it is emitted as written).
    pub item: Option<Box<syn::ItemTrait>>,
}

impl Rejected {
    pub fn new(errors: crate::errors::Errors, item: Option<syn::ItemTrait>) -> Self {
        let errors = errors.finish().expect_err("a refused view has an error");
        Rejected {
            errors,
            item: item.map(Box::new),
        }
    }
}
