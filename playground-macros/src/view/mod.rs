//! `#[view]`: a trait becomes the API contract of a module.

mod generate;
mod ir;
mod parse;

pub(crate) use parse::reject_cfg;

use proc_macro2::TokenStream;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    match parse::parse(args, item.clone()) {
        Ok(view) => generate::generate(&view),
        // Keep the user's item so that one error does not cascade into many.
        Err(error) => {
            let mut out = error.to_compile_error();
            out.extend(item);
            out
        }
    }
}

#[cfg(test)]
mod tests;
