//! What `#[viewmodel]` read: the plain model that code generation works from.

/// One viewmodel: `impl View for Type` and how to build and save it.
pub struct ViewModel {
    /// The impl as the user wrote it, but its associated constants.
    pub item: proc_macro2::TokenStream,
    /// Associated constants of the impl. A view has none (`#[view]`
    /// refuses them), so these are an error unless the view was refused
    /// for holding them; kept apart so that a refused view's error is the
    /// only one.
    pub constants: Vec<syn::ImplItemConst>,
    /// The implementing type.
    pub self_ty: syn::Type,
    /// Its name in listings and errors.
    pub name: String,
    /// The view it implements, as written in `impl View for`.
    pub view: syn::Path,
    /// `state(a, b)`: the fields saved before a reload and restored after.
    pub state: Vec<syn::Member>,
    /// `pools(a, b)`: the `Pool` fields, listed in the manifest so that a
    /// loader judges them before any code runs and names them.
    pub pools: Vec<syn::Member>,
    /// `new = path`: the constructor; `Default::default` when absent.
    pub constructor: Option<syn::ExprPath>,
    /// Whether the impl holds `async fn`s (they go through async-trait).
    pub is_async: bool,
}
