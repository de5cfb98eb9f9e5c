//! Writes the code of a viewmodel: the impl (unchanged, made `dyn`-callable
//! for `async fn`), `impl ViewModel`, and its link-time registration.

use super::ir::ViewModel;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;

pub fn generate(viewmodel: &ViewModel) -> TokenStream {
    let item = &guard_methods(&viewmodel.item);
    let self_ty = &viewmodel.self_ty;
    let view = &viewmodel.view;
    let name = &viewmodel.name;

    let async_attr = viewmodel
        .is_async
        .then(|| quote!(#[::playground_runtime::__private::async_trait]));
    // Spanned at the user's view path: "not a view" errors point there.
    let view_ty = quote_spanned!(view.span()=> dyn #view);
    let construct = match &viewmodel.constructor {
        Some(path) => quote_spanned!(path.span()=> #path()),
        None => {
            quote_spanned!(self_ty.span()=> ::playground_runtime::__private::construct_default())
        }
    };
    let state_fns = (!viewmodel.state.is_empty()).then(|| {
        let names: Vec<String> = viewmodel
            .state
            .iter()
            .map(|m| m.to_token_stream().to_string())
            .collect();
        let fields = &viewmodel.state;
        let saves = fields
            .iter()
            .zip(&names)
            .map(|(field, name)| quote_spanned!(field.span()=> state.save(#name, &self.#field)?;));
        // Through `Restore`, whose method needs no `State` bound of its own:
        // a field that is not state is reported once, by `save`.
        let restores = fields.iter().zip(&names).map(|(field, name)| {
            quote_spanned! {field.span()=>
                (&mut ::playground_runtime::__private::Restore(&mut self.#field))
                    .restore_from(state, #name)?;
            }
        });
        quote! {
            fn save_state(
                &self,
                state: &mut ::playground_runtime::__private::SavedState,
            ) -> ::core::result::Result<(), ::playground_runtime::__private::StateError> {
                #(#saves)*
                ::core::result::Result::Ok(())
            }
            fn restore_state(
                &mut self,
                state: &::playground_runtime::__private::SavedState,
            ) -> ::core::result::Result<(), ::playground_runtime::__private::StateError> {
                use ::playground_runtime::__private::{RestoreAny as _, RestoreState as _};
                #(#restores)*
                ::core::result::Result::Ok(())
            }
        }
    });

    quote! {
        #async_attr
        #item

        impl ::playground_runtime::__private::ViewModel for #self_ty {
            type View = #view_ty;
            const NAME: &'static str = #name;
            const API_VERSION: ::playground_runtime::__private::ApiVersion = <#view_ty as ::playground_runtime::__private::View>::API_VERSION;
            fn construct() -> Self {
                #construct
            }
            fn into_view(
                this: ::playground_runtime::__private::Arc<::playground_runtime::__private::Guarded<Self>>,
            ) -> ::playground_runtime::__private::Arc<#view_ty> {
                this
            }
            #state_fns
        }

        const _: () = {
            #[::playground_runtime::__private::distributed_slice(::playground_runtime::__private::VIEWMODELS)]
            #[linkme(crate = ::playground_runtime::__private::linkme)]
            static VIEWMODEL: ::playground_runtime::__private::ViewModelEntry =
                ::playground_runtime::__private::ViewModelEntry::of::<#self_ty>(::core::module_path!());

            #[::playground_runtime::__private::distributed_slice(::playground_runtime::__private::MANIFEST)]
            #[linkme(crate = ::playground_runtime::__private::linkme)]
            static RECORD: ::playground_runtime::__private::ManifestRecord =
                ::playground_runtime::__private::ManifestRecord::viewmodel::<#self_ty>(::core::module_path!());
        };
    }
}

/// Wraps the body of each method in `__private::guard`, which catches a
/// panic in the image the method was compiled into and raises it again in
/// the caller's (see its docs); the body of an `async fn` runs when its
/// future is polled, so each poll is guarded (`guard_future`).
fn guard_methods(item: &syn::ItemImpl) -> syn::ItemImpl {
    let mut item = item.clone();
    for impl_item in &mut item.items {
        if let syn::ImplItem::Fn(method) = impl_item {
            let body = &method.block;
            method.block = if method.sig.asyncness.is_some() {
                syn::parse_quote!({
                    ::playground_runtime::__private::guard_future(async move #body).await
                })
            } else {
                syn::parse_quote!({ ::playground_runtime::__private::guard(move || #body) })
            };
        }
    }
    item
}
