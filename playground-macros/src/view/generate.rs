//! Writes the code of a view from its model: the trait (unchanged, made
//! `dyn`-callable for `async fn`), `impl View for dyn Trait`, and its
//! link-time registration.

use super::ir::{Rejected, View};
use crate::register::{self, Registrations, Slice};
use crate::site::{self, quote};
use proc_macro2::TokenStream;
use quote::quote_spanned;
use syn::spanned::Spanned;

pub fn generate(view: &View) -> TokenStream {
    let item = &view.item;
    let name = &item.ident;
    let name_str = site::text(&view.name, site::span());
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
            let index = site::number(index, site::span());
            quote!(<dyn #name>::__PLAYGROUND_METHODS[#index].fingerprint)
        })
        .chain(view.models.iter()
        .map(|model| quote_spanned!(model.span()=> <#model as __playground::Model>::STATE_VERSION.get())))
        .chain(view.abi.iter().map(|abi| quote_spanned!(abi.span()=> #abi)))
        .collect();
    let api_version = if versions.is_empty() {
        quote!(#own_version)
    } else {
        quote!(__playground::fold_versions(#own_version, &[#(#versions),*]))
    };
    let model_ids = view
        .models
        .iter()
        .map(|model| quote_spanned!(model.span()=> <#model as __playground::Model>::MODEL_ID));
    let methods = view.methods.iter().map(|m| {
        let (method, signature, is_async) = (
            site::text(&m.name, site::span()),
            site::text(&m.signature, site::span()),
            syn::LitBool::new(m.is_async, site::span()),
        );
        let (shape, types) = (crate::hash::hex(m.shape), &m.fingerprints);
        quote!(__playground::MethodDescriptor {
            name: #method,
            signature: #signature,
            is_async: #is_async,
            fingerprint: __playground::fold_versions(#shape, &[#(#types),*]),
        })
    });

    let module = register::module_path();
    let mut registrations = Registrations::default();
    registrations.add(
        Slice::Views,
        quote!(<dyn #name as __playground::View>::DESCRIPTOR),
    );
    let count = 1 + view.methods.len();
    let records = site::number(count, site::span());
    registrations.add_records(
        quote!(__playground::ManifestRecord::view_and_methods::<dyn #name, #records>(MODULE)),
        count,
    );
    let forward = super::forward::generate(view);

    let beside = crate::site::beside(quote! {
        impl dyn #name {
            #[doc(hidden)]
            const __PLAYGROUND_METHODS: &'static [__playground::MethodDescriptor] =
                &[#(#methods),*];
        }

        impl __playground::View for dyn #name {
            const NAME: &'static str = #name_str;
            const VIEW_ID: __playground::ViewId =
                __playground::ViewId::new(#id);
            const API_VERSION: __playground::ApiVersion =
                __playground::ApiVersion::new(#api_version);
            const DESCRIPTOR: &'static __playground::ViewDescriptor =
                &__playground::ViewDescriptor {
                    name: #name_str,
                    module_path: MODULE,
                    view_id: <Self as __playground::View>::VIEW_ID,
                    api_version: <Self as __playground::View>::API_VERSION,
                    methods: <dyn #name>::__PLAYGROUND_METHODS,
                    models: &[#(#model_ids),*],
                };
        }

        #forward

        unsafe impl __playground::TypeFingerprint for dyn #name {
            const FINGERPRINT: u64 = <Self as __playground::View>::API_VERSION.get();
        }

        #module
        #registrations
    });
    quote! {
        #async_attr
        #item
        #beside
    }
}

/// The errors of a refused trait, and beside them what keeps the code that
/// uses it quiet: the trait (callable through `dyn`), an `impl View` with
/// no methods and version 0, and the `Guarded` impl a viewmodel needs (it
/// is never called: the crate does not build). Not a trait: the item as
/// written.
pub fn rejected(rejected: &Rejected, written: TokenStream) -> TokenStream {
    let errors = rejected.errors.to_compile_error();
    let Some(item) = &rejected.item else {
        return quote!(#errors #written);
    };
    let name = &item.ident;
    let name_str = site::text(&name.to_string(), site::span());
    let async_attr = item
        .items
        .iter()
        .any(|i| matches!(i, syn::TraitItem::Fn(f) if f.sig.asyncness.is_some()))
        .then(|| quote!(#[::playground_runtime::__private::async_trait]));
    // A generic trait is refused, but code may still name `dyn Name<T>`.
    if item.generics.lifetimes().next().is_some() {
        return quote!(#errors #async_attr #item);
    }
    let mut generics = item.generics.clone();
    for param in generics.type_params_mut() {
        site::bound(param, site::parse_quote!('static));
    }
    if let Some(clause) = &mut generics.where_clause {
        let predicates = std::mem::take(&mut clause.predicates);
        clause.predicates = predicates
            .into_iter()
            .filter(|p| !matches!(p, syn::WherePredicate::Type(t) if t.bounded_ty == crate::site::parse_quote!(Self)))
            .collect();
    }
    let (impl_generics, type_generics, where_clause) = generics.split_for_impl();
    let view = quote!(dyn #name #type_generics);
    let mut guarded = generics.clone();
    guarded
        .params
        .push(crate::site::parse_quote!(VM: #name #type_generics));
    let (guarded_generics, _, _) = guarded.split_for_impl();
    let mut upcast = generics.clone();
    upcast
        .params
        .push(crate::site::parse_quote!(VM: #name #type_generics + 'static));
    let (upcast_generics, _, _) = upcast.split_for_impl();
    let trait_path = quote!(#name #type_generics);
    let items = item
        .items
        .iter()
        .filter_map(|trait_item| stub_item(trait_item, &trait_path));
    let beside = crate::site::beside(quote! {
        impl #impl_generics __playground::View for #view #where_clause {
            const NAME: &'static str = #name_str;
            const VIEW_ID: __playground::ViewId =
                __playground::ViewId::new(0);
            const API_VERSION: __playground::ApiVersion =
                __playground::ApiVersion::new(0);
            const DESCRIPTOR: &'static __playground::ViewDescriptor =
                &__playground::ViewDescriptor {
                    name: #name_str,
                    module_path: ::core::module_path!(),
                    view_id: __playground::ViewId::new(0),
                    api_version: __playground::ApiVersion::new(0),
                    methods: &[],
                    models: &[],
                };
        }

        #async_attr
        impl #guarded_generics #name #type_generics for __playground::Guarded<VM> #where_clause {
            #(#items)*
        }

        impl #upcast_generics __playground::Upcast<VM> for #view #where_clause {
            fn upcast(
                this: __playground::Arc<__playground::Guarded<VM>>,
            ) -> __playground::Arc<Self> {
                this
            }
        }
    });
    quote!(#errors #async_attr #item #beside)
}

/// An item of the `Guarded` impl of a refused trait: an associated type
/// is the viewmodel's, a method forwards to the viewmodel's where it can
/// (a body of `unreachable!()` could not be an `impl Trait`). Under the
/// method's own `#[cfg]`s.
fn stub_item(trait_item: &syn::TraitItem, view: &TokenStream) -> Option<TokenStream> {
    let method = match trait_item {
        syn::TraitItem::Fn(method) => method,
        syn::TraitItem::Type(ty) => {
            let ident = &ty.ident;
            let (_, type_generics, _) = ty.generics.split_for_impl();
            let params = &ty.generics.params;
            let params = (!params.is_empty()).then(|| quote!(<#params>));
            return Some(quote!(type #ident #params = <VM as #view>::#ident #type_generics;));
        }
        _ => return None,
    };
    let cfgs = method
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg") || a.path().is_ident("cfg_attr"));
    let mut sig = method.sig.clone();
    // `&self` is passed on as the viewmodel; no receiver, nothing to pass;
    // another receiver, or `Self` in a type, cannot be forwarded.
    let (forwards, receiver) = match sig.inputs.first() {
        Some(syn::FnArg::Receiver(r)) => (
            r.reference.is_some() && r.mutability.is_none() && r.colon_token.is_none(),
            Some({
                let this = r.self_token;
                quote!(&**#this)
            }),
        ),
        _ => (true, None),
    };
    let typed = sig
        .inputs
        .iter()
        .filter(|i| matches!(i, syn::FnArg::Typed(_)));
    let output = &sig.output;
    let names_self = quote!(#(#typed)* #output).to_string().contains("Self");
    let mut args = Vec::new();
    for input in &mut sig.inputs {
        if let syn::FnArg::Typed(arg) = input {
            let param = quote::format_ident!("arg{}", args.len(), span = crate::site::span());
            *arg.pat = match forwards && !names_self {
                true => crate::site::parse_quote!(#param),
                false => crate::site::parse_quote!(_),
            };
            args.push(param);
        }
    }
    let ident = &sig.ident;
    let passed = receiver
        .into_iter()
        .chain(args.iter().map(|arg| quote!(#arg)));
    let call = quote!(<VM as #view>::#ident(#(#passed),*));
    let body = if !forwards || names_self {
        quote!(::core::unreachable!())
    } else if sig.asyncness.is_some() {
        quote!(#call.await)
    } else if sig.unsafety.is_some() {
        quote!(unsafe { #call })
    } else {
        call
    };
    Some(quote! {
        #(#cfgs)*
        #sig {
            #body
        }
    })
}
