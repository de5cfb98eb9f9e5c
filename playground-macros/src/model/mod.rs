//! `#[model]`: a struct or enum becomes data that can be saved and restored.

mod codec;
mod generate;
mod ir;
mod parse;

use proc_macro2::TokenStream;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    match parse::parse(args, item.clone()) {
        Ok(model) => generate::generate(&model),
        Err(rejected) => generate::rejected(&rejected, item),
    }
}

#[cfg(test)]
mod tests;
