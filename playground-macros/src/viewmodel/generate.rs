//! Writes the code of a viewmodel: the impl (unchanged, made `dyn`-callable
//! for `async fn`), `impl ViewModel`, and its link-time registration.

use super::ir::ViewModel;
use crate::register::{self, Registrations, Slice};
use crate::site::{self, quote};
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote_spanned};
use syn::spanned::Spanned;

pub fn generate(viewmodel: &ViewModel) -> TokenStream {
    let item = &viewmodel.item;
    let self_ty = &viewmodel.self_ty;
    let view = &viewmodel.view;
    let name = site::text(&viewmodel.name, site::span());

    let async_attr = viewmodel
        .is_async
        .then(|| quote!(#[::playground_runtime::__private::async_trait]));
    // Spanned at the user's view path: "not a view" errors point there.
    let view_ty = quote_spanned!(view.span()=> dyn #view);
    let construct = match &viewmodel.constructor {
        Some(path) => quote_spanned!(path.span()=> #path()),
        None => {
            quote_spanned!(self_ty.span()=> __playground::construct_default())
        }
    };
    let state_fns = (!viewmodel.state.is_empty()).then(|| {
        let names: Vec<_> = viewmodel
            .state
            .iter()
            .map(|m| site::text(&m.to_token_stream().to_string(), m.span()))
            .collect();
        let fields = &viewmodel.state;
        // Through `Save` and `Restore`, whose methods need no `State` bound
        // of their own: a field that is not state is reported once, by its
        // manifest record.
        let saves = fields.iter().zip(&names).map(|(field, name)| {
            quote_spanned! {field.span()=>
                (&__playground::Save(&(*self).#field)).save_into(state, #name)?;
            }
        });
        let restores = fields.iter().zip(&names).map(|(field, name)| {
            quote_spanned! {field.span()=>
                (&mut __playground::Restore(&mut (*self).#field))
                    .restore_from(state, #name)?;
            }
        });
        quote! {
            fn save_state(
                &self,
                state: &mut __playground::SavedState,
            ) -> __playground::Result<(), __playground::StateError> {
                use __playground::{SaveAny as _, SaveState as _};
                #(#saves)*
                __playground::Result::Ok(())
            }
            fn restore_state(
                &mut self,
                state: &__playground::SavedState,
            ) -> __playground::Result<(), __playground::StateError> {
                use __playground::{RestoreAny as _, RestoreState as _};
                #(#restores)*
                __playground::Result::Ok(())
            }
        }
    });

    // A view has no constants. The impl's are kept as inherent ones (code
    // naming `Self::MAX` still compiles), and reported unless the view was
    // refused, which `#[view]` marks with id 0 (it said why already).
    let constants = (!viewmodel.constants.is_empty()).then(|| {
        let constants = &viewmodel.constants;
        let checks = constants.iter().map(|constant| {
            let message = format!(
                "a view holds only methods, so `{}` is not part of `{}`: move it to an inherent impl",
                constant.ident,
                view.to_token_stream().to_string().replace(' ', ""),
            );
            quote_spanned! {constant.ident.span()=>
                const _: () = ::core::assert!(
                    <#view_ty as ::playground_runtime::__private::View>::VIEW_ID.get() == 0,
                    #message,
                );
            }
        });
        quote! {
            impl #self_ty {
                #(#constants)*
            }
            #(#checks)*
        }
    });

    // Each state and pool field's record, and its model's migrations: what
    // a loader judges a new build's state by before any of its code runs.
    let mut registrations = Registrations::default();
    let module = register::module_path();
    registrations.add(
        Slice::ViewModels,
        quote!(__playground::ViewModelEntry::of::<#self_ty>(MODULE)),
    );
    registrations.add(
        Slice::Manifest,
        quote!(__playground::ManifestRecord::viewmodel::<#self_ty>(MODULE)),
    );
    // Each state and pool field's record, and its model's migrations: what
    // a loader judges a new build's state by before any of its code runs.
    let fields = viewmodel.state.iter().map(|field| (field, "state"));
    let fields = fields.chain(viewmodel.pools.iter().map(|field| (field, "pool")));
    let mut held = Vec::new();
    for (index, (field, kind)) in fields.enumerate() {
        let kind = syn::Ident::new(kind, field.span());
        let name = site::text(&field.to_token_stream().to_string(), field.span());
        let number = site::number(index, field.span());
        let constant = format_ident!("FIELD_{}", index, span = field.span());
        held.push(quote_spanned! {field.span()=>
            const #constant: __playground::HeldField =
                __playground::HeldField::#kind(|vm: &#self_ty| &(*vm).#field, #name, #number);
        });
        registrations.add(Slice::Manifest, quote!(#constant.record()));
        registrations.add(Slice::Manifest, quote!(#constant.migrations()));
    }

    let beside = crate::site::beside(quote! {
        impl __playground::ViewModel for #self_ty {
            type View = #view_ty;
            const NAME: &'static str = #name;
            fn construct() -> Self {
                #construct
            }
            #state_fns
        }

        #module
        #(#held)*
        #registrations
    });
    quote! {
        #async_attr
        #item
        #constants
        #beside
    }
}
