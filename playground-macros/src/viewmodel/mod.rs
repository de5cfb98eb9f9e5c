//! `#[viewmodel]`: `impl View for Type` becomes the bindable implementation of a view.

mod generate;
mod ir;
mod parse;

use proc_macro2::TokenStream;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    match parse::parse(args, item.clone()) {
        Ok(viewmodel) => generate::generate(&viewmodel),
        Err(error) => {
            let mut out = error.to_compile_error();
            out.extend(item);
            out
        }
    }
}

#[cfg(test)]
mod tests;
