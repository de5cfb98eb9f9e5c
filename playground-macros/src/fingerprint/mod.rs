//! Structural fingerprints: the type rewriting shared by all three macros
//! (`types`), the structure of a struct or enum shared by `#[model]` and
//! the derive (`structure`), and `#[derive(TypeFingerprint)]` itself.

pub mod structure;
pub mod types;

use crate::args::{self, Args};
use proc_macro2::TokenStream;
use quote::quote;

/// What `#[derive(TypeFingerprint)]` read.
struct Derive {
    item: syn::DeriveInput,
    structure: structure::Structure,
}

fn parse(item: TokenStream) -> syn::Result<Derive> {
    let item: syn::DeriveInput = syn::parse2(item)?;
    let mut cx = types::Context {
        own_names: vec![item.ident.clone()],
        opaque: Vec::new(),
    };
    for attr in item
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("fingerprint"))
    {
        let tokens = attr.meta.require_list()?.tokens.clone();
        Args::new("fingerprint", &["opaque"]).parse(tokens, |_, meta| {
            cx.opaque = args::parse_list::<syn::Path>(&meta)?;
            Ok(())
        })?;
    }
    let structure = structure::read(&item, &cx)?;
    Ok(Derive { item, structure })
}

fn generate(derive: &Derive) -> TokenStream {
    structure::generate(
        &derive.item,
        &derive.structure,
        &quote!(::playground_runtime::__private::TypeFingerprint),
    )
}

pub fn derive(item: TokenStream) -> TokenStream {
    match parse(item) {
        Ok(derive) => generate(&derive),
        Err(error) => error.to_compile_error(),
    }
}
