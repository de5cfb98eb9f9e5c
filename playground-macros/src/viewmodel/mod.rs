//! `#[viewmodel]`: `impl View for Type` becomes the bindable implementation of a view.

mod generate;
mod ir;
mod parse;

use crate::site::quote;
use proc_macro2::TokenStream;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    match parse::parse(args, item.clone()) {
        Ok(viewmodel) => generate::generate(&viewmodel),
        Err(errors) => {
            let errors = errors.to_compile_error();
            // The impl of an async view, as written, needs async-trait too:
            // without it each `async fn` would be one more error.
            let async_attr = parse::parse_impl(item.clone())
                .is_ok_and(|item| item.trait_.is_some() && parse::is_async(&item))
                .then(|| quote!(#[::playground_runtime::__private::async_trait]));
            quote!(#errors #async_attr #item)
        }
    }
}

#[cfg(test)]
mod tests;
