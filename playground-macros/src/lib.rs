//! The attribute macros of playground: `#[view]`, `#[model]` and `#[viewmodel]`.
//!
//! Use them through `playground_runtime`, which re-exports them and holds
//! everything the generated code refers to (`::playground_runtime::__private`).
//! Each macro is split in three stages: `parse` reads the user's item into a
//! plain model (`ir`), and `generate` writes code from that model only.
//!
//! Errors: `parse` records every problem of an item (`errors::Errors`), each
//! at the user's own tokens, and goes on, so that all of them are reported
//! at once. A refused item is still emitted, with what keeps the code that
//! uses it from reporting anything more (for a view, an `impl View`).

mod args;
mod errors;
mod fingerprint;
mod hash;
mod model;
mod register;
mod site;
#[cfg(test)]
mod tests;
mod view;
mod viewmodel;

use proc_macro::TokenStream;

/// Formats generated code as `cargo expand` shows it (for snapshots).
#[cfg(test)]
fn pretty(tokens: proc_macro2::TokenStream) -> String {
    prettyplease::unparse(&syn::parse2(tokens).expect("generated code parses"))
}

/// Declares a trait as a view: the API contract of a module.
///
/// ```ignore
/// #[view(models(Body))]
/// pub trait Physics: Send + Sync {
///     fn step(&self, dt: f32);
///     async fn save(&self) -> Vec<u8>;
/// }
/// ```
///
/// Keeps the trait (through `async-trait` when it has `async fn`s, so that
/// they can be called through `dyn Physics`) and implements `View` for
/// `dyn Physics`: `VIEW_ID` (hash of the crate and the name), `API_VERSION`
/// (hash of the trait's name and the shape of its signatures, with the
/// structural fingerprint of every parameter and return type folded in by
/// the compiler; formatting, comments, docs and parameter names do not
/// count), the method descriptors, `TypeFingerprint` for `dyn Physics` (its
/// API version), and a link-time registration.
///
/// Every parameter and return type needs a fingerprint (`TypeFingerprint`):
/// std types have one, models and `#[derive(TypeFingerprint)]` types too;
/// references, slices, tuples, `Box<dyn Error + Send + Sync>`, `dyn Fn(..)`
/// and `fn` pointers are folded by their structure. Otherwise it is a
/// compile error at the type.
///
/// Arguments:
/// - `models(A, B)`: fold those models' `STATE_VERSION` into `API_VERSION`;
/// - `opaque(path::Type, ...)`: types of other crates with no fingerprint,
///   trusted by path, size and align;
/// - `abi(CONST, ...)`: fold `u64` constants into `API_VERSION`, such as the
///   build hash of a crate whose types the methods take by reference
///   (`abi(playground_ecs::ABI_VERSION)` for a view taking `&mut World`);
/// - `name = "Name"`: the name the registry knows the view by (its id).
///
/// A view must be `Send + Sync`, and every method takes `&self` and is
/// callable through `dyn` (no type parameters, no `Self`, no `impl Trait`).
///
/// An `async fn` needs an executor: through `dyn Physics` it returns a
/// boxed `Send` future, and playground runs none. Block on it in a
/// synchronous program (`pollster::block_on(physics.save())`, with the
/// `pollster` crate), or `.await` it inside tokio or any other runtime;
/// the docs of `playground_runtime::View` show a complete example.
#[proc_macro_attribute]
pub fn view(args: TokenStream, item: TokenStream) -> TokenStream {
    site::at(item.into(), |item| view::expand(args.into(), item)).into()
}

/// Declares a struct or enum as a model: data that can be saved and restored.
///
/// ```ignore
/// #[model]
/// #[derive(Clone, Default)]
/// pub struct Body { pos: [f32; 3], vel: [f32; 3] }
/// ```
///
/// Derives serde's `Serialize` and `Deserialize` (through the runtime's
/// re-export: the user's crate needs no serde) and implements `Model`:
/// `MODEL_ID` (hash of the crate and the name), `STATE_VERSION` (hash of
/// field names, field types and serde attributes), size, align, and
/// `encode`/`decode`. Registered at link time unless generic. A generic
/// model requires its parameters to be models, and folds their ids and
/// versions into its own.
///
/// `STATE_VERSION` is the model's structural fingerprint, computed by the
/// compiler: field names, variant names, `repr`, serde attributes, and the
/// fingerprint of every field's type, saved or not (a nested model's, a std
/// type's, folded from theirs). The model's own name and the names its
/// fields' types are spelled with do not count: renaming keeps the version,
/// a change anywhere inside changes it.
///
/// Arguments:
/// - `name = "Name"`: keeps the id when the type is renamed;
/// - `migrate_from(Old, ...)`: older formats this model converts from. Each
///   `Old` is a `#[model]` with the old structure (any name: declare the old
///   layout, nested types included, under new names) and
///   `impl From<Old> for Self`; state saved as `Old` is decoded as `Old` and
///   converted. Chains work: `Old` may migrate from an older one;
/// - `opaque(path::Type, ...)`: field types of other crates that have no
///   fingerprint, trusted by path, size and align.
///
/// serde attributes the save format cannot read back (`flatten`,
/// `untagged`, `tag`, `content`, `skip_serializing_if`) are compile errors.
#[proc_macro_attribute]
pub fn model(args: TokenStream, item: TokenStream) -> TokenStream {
    site::at(item.into(), |item| model::expand(args.into(), item)).into()
}

/// Derives `TypeFingerprint`: the structural fingerprint of a struct or
/// enum that crosses a view without being a model (no save format, no
/// registration).
///
/// ```ignore
/// #[derive(TypeFingerprint)]
/// #[fingerprint(opaque(glam::Vec3))]
/// pub struct Hit { pub at: glam::Vec3, pub normal: glam::Vec3, pub distance: f32 }
/// ```
///
/// Folds the field names, variant names, `repr` and serde attributes and
/// every field's fingerprint; each type parameter must have one.
/// `#[fingerprint(opaque(path::Type))]` declares field types of other crates
/// that have none, trusted by path, size and align.
#[proc_macro_derive(TypeFingerprint, attributes(fingerprint))]
pub fn type_fingerprint(item: TokenStream) -> TokenStream {
    site::at(item.into(), fingerprint::derive).into()
}

/// Declares `impl View for Type` as a viewmodel: the implementation of a view.
///
/// ```ignore
/// #[viewmodel(state(bodies), new = Euler::with_gravity)]
/// impl Physics for Euler { /* ... */ }
/// ```
///
/// Keeps the impl and implements `ViewModel`: the view it implements, the
/// `API_VERSION` it was compiled against, construction, and
/// `save_state`/`restore_state`. Registered at link time.
///
/// Arguments:
/// - `state(a, b)`: fields saved before a reload and restored after; each is
///   a model, or a model in `Shared`, `Atomic` or `Handle` (whose storage the
///   successor adopts when the format is unchanged);
/// - `new = path`: the constructor, a `fn() -> Self`; `Default` otherwise.
#[proc_macro_attribute]
pub fn viewmodel(args: TokenStream, item: TokenStream) -> TokenStream {
    site::at(item.into(), |item| viewmodel::expand(args.into(), item)).into()
}
