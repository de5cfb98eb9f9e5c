//! `#[view]`: a trait becomes the API contract of a module.

mod forward;
mod generate;
mod ir;
mod parse;

use proc_macro2::TokenStream;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    crate::expand_with(args, item, parse::parse, generate::generate)
}

#[cfg(test)]
mod tests;
