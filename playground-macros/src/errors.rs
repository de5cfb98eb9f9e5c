//! Every problem found in one item, reported together: each check pushes
//! its error here and goes on, so that a view with three bad methods shows
//! three errors, each at the user's own tokens.

use quote::ToTokens;
use std::fmt::Display;

/// The errors found so far in one item, combined into one `syn::Error`
/// (which emits one `compile_error!` per message, each at its span).
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    /// Records `error` (each of its messages, if it holds several).
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// Records `message` at `tokens`.
    pub fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// The value of `result`, or `None` once its error is recorded.
    pub fn ok<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// `Ok` when nothing was recorded, else every error at once.
    pub fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}
