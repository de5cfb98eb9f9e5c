//! Writes the code of a view from its model: the trait (unchanged, made
//! `dyn`-callable for `async fn`), `impl View for dyn Trait`, and its
//! link-time registration.

use super::ir::View;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

pub fn generate(view: &View) -> TokenStream {
    let item = &view.item;
    let name = &item.ident;
    let name_str = &view.name;
    let id = crate::hash::hex(view.id);
    let own_version = crate::hash::hex(view.own_version);

    let async_attr = view
        .is_async()
        .then(|| quote!(#[::playground_runtime::__private::async_trait]));

    // Folding happens in a const fn so that each model's STATE_VERSION, known
    // only to the compiler, is part of the API version at compile time. The
    // types' fingerprints are written once, in each method's descriptor.
    let versions: Vec<TokenStream> = (0..view.methods.len())
        .map(|index| {
            let index = proc_macro2::Literal::usize_unsuffixed(index);
            quote!(<dyn #name>::__PLAYGROUND_METHODS[#index].fingerprint)
        })
        .chain(view.models.iter()
        .map(|model| quote_spanned!(model.span()=> <#model as ::playground_runtime::__private::Model>::STATE_VERSION)))
        .chain(view.abi.iter().map(|abi| quote_spanned!(abi.span()=> #abi)))
        .collect();
    let api_version = if versions.is_empty() {
        quote!(#own_version)
    } else {
        quote!(::playground_runtime::__private::fold_versions(#own_version, &[#(#versions),*]))
    };
    let model_ids = view.models.iter().map(|model| {
        quote_spanned!(model.span()=> <#model as ::playground_runtime::__private::Model>::MODEL_ID)
    });
    let methods = view.methods.iter().map(|m| {
        let (method, signature, is_async) = (&m.name, &m.signature, m.is_async);
        let (shape, types) = (crate::hash::hex(m.shape), &m.fingerprints);
        quote!(::playground_runtime::__private::MethodDescriptor {
            name: #method,
            signature: #signature,
            is_async: #is_async,
            fingerprint: ::playground_runtime::__private::fold_versions(#shape, &[#(#types),*]),
        })
    });

    let indices = (0..view.methods.len()).map(proc_macro2::Literal::usize_unsuffixed);
    let forward = super::forward::generate(view);

    quote! {
        #async_attr
        #item

        impl dyn #name {
            #[doc(hidden)]
            const __PLAYGROUND_METHODS: &'static [::playground_runtime::__private::MethodDescriptor] =
                &[#(#methods),*];
        }

        impl ::playground_runtime::__private::View for dyn #name {
            const NAME: &'static str = #name_str;
            const VIEW_ID: u64 = #id;
            const API_VERSION: u64 = #api_version;
            const DESCRIPTOR: &'static ::playground_runtime::__private::ViewDescriptor =
                &::playground_runtime::__private::ViewDescriptor {
                    name: #name_str,
                    module_path: ::core::module_path!(),
                    view_id: #id,
                    api_version: <Self as ::playground_runtime::__private::View>::API_VERSION,
                    methods: <dyn #name>::__PLAYGROUND_METHODS,
                    models: &[#(#model_ids),*],
                };
        }

        #forward

        unsafe impl ::playground_runtime::__private::TypeFingerprint for dyn #name {
            const FINGERPRINT: u64 = <Self as ::playground_runtime::__private::View>::API_VERSION;
        }

        const _: () = {
            #[::playground_runtime::__private::distributed_slice(::playground_runtime::__private::VIEWS)]
            #[linkme(crate = ::playground_runtime::__private::linkme)]
            static VIEW: &::playground_runtime::__private::ViewDescriptor =
                <dyn #name as ::playground_runtime::__private::View>::DESCRIPTOR;

            #[::playground_runtime::__private::distributed_slice(::playground_runtime::__private::MANIFEST)]
            #[linkme(crate = ::playground_runtime::__private::linkme)]
            static RECORD: ::playground_runtime::__private::ManifestRecord =
                ::playground_runtime::__private::ManifestRecord::view::<dyn #name>(::core::module_path!());

            ::playground_runtime::__private::manifest_methods!(dyn #name; #(#indices)*);
        };
    }
}
