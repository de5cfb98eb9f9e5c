//! Link-time registrations as the macros write them: each value a `const`
//! of the macro's own (spanned at the user's item, so that rustc keeps its
//! evaluation between builds), put into its distributed slice by the
//! runtime's `register!`.

use crate::site::quote;
use proc_macro2::TokenStream;

/// The distributed slices a registration goes into, each with its element
/// type.
#[derive(Clone, Copy)]
pub enum Slice {
    Manifest,
    Views,
    Models,
    ViewModels,
}

/// `value` put into `slice`, in a block of its own.
pub fn register(slice: Slice, value: TokenStream) -> TokenStream {
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
    quote! {
        const _: () = {
            const VALUE: #ty = #value;
            ::playground_runtime::__private::register!(#name VALUE);
        };
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
