//! `#[view]`: a trait becomes the API contract of a module.

mod forward;
mod generate;
mod ir;
mod parse;

use proc_macro2::TokenStream;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    match parse::parse(args, item.clone()) {
        Ok(view) => generate::generate(&view),
        Err(rejected) => generate::rejected(&rejected, item),
    }
}

#[cfg(test)]
mod tests;
