//! The impl of a view for `Guarded<VM>`, the wrapper every viewmodel is
//! shared in (and `Upcast`, which makes the view of it): each method
//! forwards to the viewmodel's. Four things happen
//! on the way, in the viewmodel's image: the method runs under
//! `__private::guard`, which catches a panic in it; the wrapper's `Drop`
//! catches a panic in the viewmodel's; each callback parameter (`&dyn Fn(..)`,
//! `&mut dyn FnMut(..)`, `Box<dyn Fn..(..)>`) is wrapped so that a panic in
//! the caller's callback is caught in the caller's image
//! (`__private::call_back`), a boxed one dropped there too
//! (`__private::DropThere`); and a boxed callback a method returns
//! (`Box<dyn Fn..(..)>`) is wrapped so that a panic in it is caught in the
//! viewmodel's image (`__private::guard`).

use super::ir::View;
use crate::site::quote;
use proc_macro2::TokenStream;
use quote::format_ident;
use syn::{FnArg, GenericArgument, PathArguments, ReturnType, Type, TypeParamBound};

pub fn generate(view: &View) -> TokenStream {
    let name = &view.item.ident;
    let async_attr = view
        .is_async()
        .then(|| quote!(#[::playground_runtime::__private::async_trait]));
    let methods = view.methods.iter().map(|method| forward(name, &method.sig));
    quote! {
        #async_attr
        impl<VM: #name> #name for __playground::Guarded<VM> {
            #(#methods)*
        }

        impl<VM: #name + 'static> __playground::Upcast<VM> for dyn #name {
            fn upcast(
                this: __playground::Arc<__playground::Guarded<VM>>,
            ) -> __playground::Arc<Self> {
                this
            }
        }
    }
}

/// How a callback parameter is passed on.
enum Callback {
    /// `&dyn Fn`: a wrapping closure, by reference.
    Shared,
    /// `&mut dyn FnMut`: a wrapping closure, by mutable reference.
    Unique,
    /// `Box<dyn Fn..>`: a wrapping closure, boxed.
    Boxed { once: bool },
}

fn forward(view: &syn::Ident, sig: &syn::Signature) -> TokenStream {
    let mut sig = sig.clone();
    let ident = sig.ident.clone();
    let mut prelude = Vec::new();
    let mut args = Vec::new();
    let mut index = 0usize;
    for input in &mut sig.inputs {
        let FnArg::Typed(arg) = input else { continue };
        let param = format_ident!("arg{}", index, span = crate::site::span());
        index += 1;
        *arg.pat = crate::site::parse_quote!(#param);
        match callback(&arg.ty) {
            Some((kind, inputs, output)) => {
                let names: Vec<_> = (0..inputs.len())
                    .map(|i| format_ident!("a{}", i, span = crate::site::span()))
                    .collect();
                let call = match kind {
                    Callback::Boxed { once: true } => quote!(__playground::call_back(
                        move || __playground::DropThere::into_inner(#param)(#(#names),*)
                    )),
                    Callback::Boxed { once: false } => {
                        quote!(__playground::call_back(|| (*#param)(#(#names),*)))
                    }
                    _ => quote!(__playground::call_back(|| #param(#(#names),*))),
                };
                let closure = quote!(move |#(#names: #inputs),*| #output { #call });
                let (binding, pass) = match kind {
                    Callback::Shared => (quote!(let #param = #closure;), quote!(&#param)),
                    Callback::Unique => (quote!(let mut #param = #closure;), quote!(&mut #param)),
                    // The caller's box is dropped through the caller's
                    // image too (`DropThere`).
                    Callback::Boxed { .. } => (
                        quote! {
                            #[allow(unused_mut)]
                            let mut #param = __playground::DropThere::new(#param);
                            let #param = __playground::Box::new(#closure);
                        },
                        quote!(#param),
                    ),
                };
                prelude.push(binding);
                args.push(pass);
            }
            None => args.push(quote!(#param)),
        }
    }
    // The receiver's own `self` token: a trait written by a `macro_rules!`
    // expansion has a `self` of that macro's hygiene, which a `self` made
    // here would not name.
    let this = match sig.inputs.first() {
        Some(FnArg::Receiver(receiver)) => receiver.self_token,
        _ => syn::Token![self](ident.span()),
    };
    let call = quote!(<VM as #view>::#ident(&**#this, #(#args),*));
    let call = if sig.unsafety.is_some() {
        quote!(unsafe { #call })
    } else {
        call
    };
    // The viewmodel's method runs under `guard` (each poll of its future
    // under `guard_future`): a panic in it is caught here, in its image.
    let call = if sig.asyncness.is_some() {
        quote!(__playground::guard_future(#call).await)
    } else {
        quote!(__playground::guard(move || #call))
    };
    let call = match &sig.output {
        ReturnType::Type(_, ty) => returned(call, ty),
        ReturnType::Default => call,
    };
    quote! {
        #[inline]
        #sig {
            #(#prelude)*
            #call
        }
    }
}

/// `call`, whose result has type `ty`: a boxed callback (`Box<dyn Fn..>`)
/// is wrapped so that a panic in it, the viewmodel's code, is caught in the
/// viewmodel's image and raised again in the caller's
/// (`__private::guard`), as a method's is, and a panic in dropping it is
/// caught there too (`__private::DropHere`).
fn returned(call: TokenStream, ty: &Type) -> TokenStream {
    let Some((Callback::Boxed { once }, inputs, output)) = callback(ty) else {
        return call;
    };
    let names: Vec<_> = (0..inputs.len())
        .map(|i| format_ident!("a{}", i, span = crate::site::span()))
        .collect();
    let invoke = if once {
        quote!(__playground::guard(move || __playground::DropHere::into_inner(returned)(#(#names),*)))
    } else {
        quote!(__playground::guard(|| (*returned)(#(#names),*)))
    };
    quote! {{
        // `mut` for a `dyn FnMut`.
        #[allow(unused_mut)]
        let mut returned = __playground::DropHere::new(#call);
        __playground::Box::new(move |#(#names: #inputs),*| #output { #invoke })
    }}
}

/// A callback parameter: how it is passed, its parameter types and its
/// return type. Not when the return type borrows (a closure could not say
/// from what).
fn callback(ty: &Type) -> Option<(Callback, Vec<Type>, TokenStream)> {
    let (kind, object) = match ty {
        Type::Paren(inner) => return callback(&inner.elem),
        Type::Group(inner) => return callback(&inner.elem),
        Type::Reference(reference) => {
            let Type::TraitObject(object) = unparenthesized(&reference.elem) else {
                return None;
            };
            let kind = if reference.mutability.is_some() {
                Callback::Unique
            } else {
                Callback::Shared
            };
            (kind, object)
        }
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            if last.ident != "Box" {
                return None;
            }
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let Some(GenericArgument::Type(argument)) = args.args.first() else {
                return None;
            };
            let Type::TraitObject(object) = unparenthesized(argument) else {
                return None;
            };
            (Callback::Boxed { once: false }, object)
        }
        _ => return None,
    };
    let function = object.bounds.iter().find_map(|bound| match bound {
        TypeParamBound::Trait(t) => {
            let last = t.path.segments.last()?;
            let PathArguments::Parenthesized(args) = &last.arguments else {
                return None;
            };
            Some((last.ident.to_string(), args))
        }
        _ => None,
    })?;
    let (trait_name, args) = function;
    // A wrapping closure that holds `&dyn Fn + Send` is not `Send` (that
    // needs `Sync`): such a parameter is passed on as it is.
    let has = |auto: &str| {
        object
            .bounds
            .iter()
            .any(|bound| matches!(bound, TypeParamBound::Trait(t) if t.path.is_ident(auto)))
    };
    if matches!(kind, Callback::Shared) && has("Send") && !has("Sync") {
        return None;
    }
    let kind = match (kind, trait_name.as_str()) {
        (Callback::Boxed { .. }, "FnOnce") => Callback::Boxed { once: true },
        (kind @ Callback::Boxed { .. }, "Fn" | "FnMut") => kind,
        (Callback::Shared, "Fn") => Callback::Shared,
        (Callback::Unique, "Fn" | "FnMut") => Callback::Unique,
        _ => return None,
    };
    let output = match &args.output {
        ReturnType::Default => quote!(),
        ReturnType::Type(_, ty) => {
            if quote!(#ty).to_string().contains('&') {
                return None;
            }
            quote!(-> #ty)
        }
    };
    Some((kind, args.inputs.iter().cloned().collect(), output))
}

/// `T` for `(T)` (how `&(dyn Fn() + Sync)` is written).
fn unparenthesized(ty: &Type) -> &Type {
    match ty {
        Type::Paren(inner) => unparenthesized(&inner.elem),
        Type::Group(inner) => unparenthesized(&inner.elem),
        other => other,
    }
}
