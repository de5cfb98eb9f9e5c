//! Structural fingerprints: the type rewriting shared by all three macros
//! (`types`), the structure of a struct or enum shared by `#[model]` and
//! the derive (`structure`), and `#[derive(TypeFingerprint)]` itself.

pub mod structure;
pub mod types;

use crate::args::{self, Args};
use crate::errors::Errors;
use crate::site::quote;
use proc_macro2::TokenStream;

/// What `#[derive(TypeFingerprint)]` read.
struct Derive {
    item: syn::DeriveInput,
    structure: structure::Structure,
}

fn parse(item: TokenStream) -> syn::Result<Derive> {
    let item: syn::DeriveInput = syn::parse2(item)?;
    let mut errors = Errors::default();
    let mut cx = types::Context {
        own_names: vec![item.ident.clone()],
        opaque: Vec::new(),
    };
    for attr in item
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("fingerprint"))
    {
        let Some(list) = errors.ok(attr.meta.require_list()) else {
            continue;
        };
        Args::new("fingerprint", &["opaque"]).parse(list.tokens.clone(), &mut errors, |_, meta| {
            cx.opaque.extend(args::parse_list::<syn::Path>(&meta)?);
            Ok(())
        });
    }
    let structure = structure::read(&item, &cx, &mut errors);
    errors.finish()?;
    Ok(Derive { item, structure })
}

fn generate(derive: &Derive) -> TokenStream {
    structure::generate(
        &derive.item,
        &derive.structure,
        &quote!(__playground::TypeFingerprint),
    )
}

pub fn derive(item: TokenStream) -> TokenStream {
    match parse(item.clone()) {
        Ok(derive) => crate::site::beside(generate(&derive)),
        Err(error) => {
            // A fingerprint of 0 (never used: the crate does not build), so
            // that the types holding this one report nothing more.
            let errors = error.to_compile_error();
            let Ok(item) = syn::parse2::<syn::DeriveInput>(item) else {
                return errors;
            };
            let ident = &item.ident;
            let (impl_generics, type_generics, where_clause) = item.generics.split_for_impl();
            let stub = crate::site::beside(quote! {
                unsafe impl #impl_generics __playground::TypeFingerprint for #ident #type_generics #where_clause {
                    const FINGERPRINT: u64 = 0;
                }
            });
            quote!(#errors #stub)
        }
    }
}
