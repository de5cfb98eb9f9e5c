//! Writes the code of a model: serde derives through the runtime's re-export,
//! `impl Model`, a saveability check per field at the field's span, and a
//! link-time registration.

use super::ir::Model;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

pub fn generate(model: &Model) -> TokenStream {
    let item = &model.item;
    let ident = &item.ident;
    let name = &model.name;
    let (id, own_version) = (model.id, model.own_version);

    let mut generics = item.generics.clone();
    for param in generics.type_params_mut() {
        param
            .bounds
            .push(syn::parse_quote!(::playground_runtime::__private::Model));
    }
    let (impl_generics, type_generics, where_clause) = generics.split_for_impl();

    // A generic model's id and version depend on its parameters.
    let params = &model.type_params;
    let (model_id, state_version) = if params.is_empty() {
        (quote!(#id), quote!(#own_version))
    } else {
        (
            quote!(::playground_runtime::__private::fold_versions(#id, &[#(<#params as ::playground_runtime::__private::Model>::MODEL_ID),*])),
            quote!(::playground_runtime::__private::fold_versions(#own_version, &[#(<#params as ::playground_runtime::__private::Model>::STATE_VERSION),*])),
        )
    };

    let checks = model.field_types.iter().map(
        |ty| quote_spanned!(ty.span()=> ::playground_runtime::__private::assert_saveable::<#ty>();),
    );
    // A generic model has no concrete type to register until it is used.
    let registration = params.is_empty().then(|| {
        quote! {
            #[::playground_runtime::__private::distributed_slice(::playground_runtime::__private::MODELS)]
            #[linkme(crate = ::playground_runtime::__private::linkme)]
            static MODEL: ::playground_runtime::__private::ModelDescriptor =
                ::playground_runtime::__private::ModelDescriptor::of::<#ident>(::core::module_path!());
        }
    });

    quote! {
        #[derive(::playground_runtime::__private::serde::Serialize, ::playground_runtime::__private::serde::Deserialize)]
        #[serde(crate = "::playground_runtime::__private::serde")]
        #item

        impl #impl_generics ::playground_runtime::__private::Model for #ident #type_generics #where_clause {
            const NAME: &'static str = #name;
            const MODEL_ID: u64 = #model_id;
            const STATE_VERSION: u64 = #state_version;
        }

        const _: () = {
            #[allow(dead_code)]
            fn check_fields #impl_generics () #where_clause {
                #(#checks)*
            }
            #registration
        };
    }
}
