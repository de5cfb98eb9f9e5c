//! `#[model]`: a struct or enum becomes data that can be saved and restored.

mod generate;
mod ir;
mod parse;

use proc_macro2::TokenStream;
use quote::ToTokens;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    match parse::parse(args, item.clone()) {
        Ok(model) => generate::generate(&model),
        Err(error) => {
            let mut out = error.to_compile_error();
            out.extend(without_serde(item));
            out
        }
    }
}

/// The user's item as it was, kept beside an error so that code using it
/// still compiles, minus its `#[serde]` attributes: without the derives
/// the model would have added, each of them would be one more error.
fn without_serde(item: TokenStream) -> TokenStream {
    let Ok(mut item) = syn::parse2::<syn::DeriveInput>(item.clone()) else {
        return item;
    };
    let strip = |attrs: &mut Vec<syn::Attribute>| attrs.retain(|a| !a.path().is_ident("serde"));
    strip(&mut item.attrs);
    match &mut item.data {
        syn::Data::Struct(data) => data.fields.iter_mut().for_each(|f| strip(&mut f.attrs)),
        syn::Data::Enum(data) => {
            for variant in &mut data.variants {
                strip(&mut variant.attrs);
                variant.fields.iter_mut().for_each(|f| strip(&mut f.attrs));
            }
        }
        syn::Data::Union(data) => data
            .fields
            .named
            .iter_mut()
            .for_each(|f| strip(&mut f.attrs)),
    }
    item.into_token_stream()
}

#[cfg(test)]
mod tests;
