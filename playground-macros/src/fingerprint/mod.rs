//! Structural fingerprints: the type rewriting shared by all three macros
//! (`types`), the structure of a struct or enum shared by `#[model]` and
//! the derive (`structure`), and `#[derive(TypeFingerprint)]` itself.

pub mod structure;
pub mod types;

use crate::args::{self, Args};
use crate::errors::Errors;
use proc_macro2::TokenStream;
use quote::quote;

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
        &quote!(::playground_runtime::__private::TypeFingerprint),
    )
}

pub fn derive(item: TokenStream) -> TokenStream {
    match parse(item) {
        Ok(derive) => generate(&derive),
        Err(error) => error.to_compile_error(),
    }
}
