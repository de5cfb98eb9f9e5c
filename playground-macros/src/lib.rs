//! The attribute macros of playground: `#[view]`, `#[model]` and `#[viewmodel]`.
//!
//! Use them through `playground_runtime`, which re-exports them and holds
//! everything the generated code refers to (`::playground_runtime::__private`).
//! Each macro is split in three stages: `parse` reads the user's item into a
//! plain model (`ir`), and `generate` writes code from that model only.

mod args;
mod hash;
mod model;
mod view;
mod viewmodel;

use proc_macro::TokenStream;

/// Declares a trait as a view: the API contract of a module.
#[proc_macro_attribute]
pub fn view(args: TokenStream, item: TokenStream) -> TokenStream {
    view::expand(args.into(), item.into()).into()
}

/// Declares a struct or enum as a model: data that can be saved and restored.
#[proc_macro_attribute]
pub fn model(args: TokenStream, item: TokenStream) -> TokenStream {
    model::expand(args.into(), item.into()).into()
}

/// Declares `impl View for Type` as a viewmodel: the implementation of a view.
#[proc_macro_attribute]
pub fn viewmodel(args: TokenStream, item: TokenStream) -> TokenStream {
    viewmodel::expand(args.into(), item.into()).into()
}
