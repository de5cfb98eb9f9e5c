//! Link-time registrations as the macros write them: each value a `const`
//! of the macro's own (spanned at the user's item, so that rustc keeps its
//! evaluation between builds), put into its distributed slice by the
//! runtime's `register!`.

use crate::site::{self, quote};
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident};

/// The distributed slices a registration goes into, each with its element
/// type.
#[derive(Clone, Copy)]
pub enum Slice {
    Manifest,
    Views,
    Models,
    ViewModels,
}

/// The registrations beside one item, numbered: each a `const VALUE_n`
/// and the static `ITEM_n` that reads it, in the item's block.
#[derive(Default)]
pub struct Registrations(Vec<TokenStream>);

impl Registrations {
    /// Puts `value` into `slice`.
    pub fn add(&mut self, slice: Slice, value: TokenStream) {
        let (name, ty) = match slice {
            Slice::Manifest => (
                quote!(MANIFEST),
                quote!(::playground_runtime::__private::ManifestRecord),
            ),
            Slice::Views => (
                quote!(VIEWS),
                quote!(&'static ::playground_runtime::__private::ViewDescriptor),
            ),
            Slice::Models => (
                quote!(MODELS),
                quote!(::playground_runtime::__private::ModelDescriptor),
            ),
            Slice::ViewModels => (
                quote!(VIEWMODELS),
                quote!(::playground_runtime::__private::ViewModelEntry),
            ),
        };
        let n = self.0.len();
        let value_name = format_ident!("VALUE_{}", n, span = site::span());
        let item = format_ident!("ITEM_{}", n, span = site::span());
        self.0.push(quote! {
            const #value_name: #ty = #value;
            ::playground_runtime::__private::register!(#name #item = #value_name);
        });
    }
}

impl ToTokens for Registrations {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(self.0.iter().cloned());
    }
}

/// `MODULE`, the path of the module the item is in, for the registrations
/// beside it (written once: `module_path!()` is a macro, whose output rustc
/// checks again on every rebuild; what reads the const is kept).
pub fn module_path() -> TokenStream {
    quote!(
        const MODULE: &str = ::core::module_path!();
    )
}
