//! Parsing of macro arguments shared by the three macros: each argument may
//! appear once, unknown arguments are errors that list the known ones.

use crate::errors::Errors;
use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;

/// Collects `name = value` / `name(...)` arguments, rejecting duplicates.
pub struct Args {
    macro_name: &'static str,
    known: &'static [&'static str],
    seen: Vec<String>,
}

impl Args {
    pub fn new(macro_name: &'static str, known: &'static [&'static str]) -> Self {
        Args {
            macro_name,
            known,
            seen: Vec::new(),
        }
    }

    /// Parses `tokens` with `on_arg`, which is called with each argument's
    /// name. An unknown or repeated argument is recorded in `errors` and
    /// skipped, so that the ones after it are still read; a malformed value
    /// ends the list (what follows it cannot be told apart).
    pub fn parse(
        mut self,
        tokens: TokenStream,
        errors: &mut Errors,
        mut on_arg: impl FnMut(&str, ParseNestedMeta) -> syn::Result<()>,
    ) {
        let mut refused = Errors::default();
        let parser = syn::meta::parser(|meta| {
            let name = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            if !self.known.contains(&name.as_str()) {
                refused.push(meta.error(self.unknown(&meta)));
                return skip_value(&meta);
            }
            if self.seen.contains(&name) {
                refused.push(meta.error(format!(
                    "`{name}` is given twice to #[{}]; keep one",
                    self.macro_name
                )));
                return skip_value(&meta);
            }
            self.seen.push(name.clone());
            on_arg(&name, meta)
        });
        let malformed = syn::parse::Parser::parse2(parser, tokens);
        if let Some(refused) = refused.finish().err() {
            errors.push(refused);
        }
        errors.ok(malformed);
    }

    fn unknown(&self, meta: &ParseNestedMeta) -> String {
        let path = quote::ToTokens::to_token_stream(&meta.path).to_string();
        let path = path.replace(' ', "");
        if self.known.is_empty() {
            format!("#[{}] takes no arguments, found `{path}`", self.macro_name)
        } else {
            let known: Vec<String> = self.known.iter().map(|k| format!("`{k}`")).collect();
            format!(
                "unknown argument `{path}` to #[{}]; expected one of {}",
                self.macro_name,
                known.join(", ")
            )
        }
    }
}

/// Parses the parenthesised, comma-separated list of an argument such as `models(A, B)`.
pub fn parse_list<T: syn::parse::Parse>(meta: &ParseNestedMeta) -> syn::Result<Vec<T>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let list = content.parse_terminated(T::parse, syn::Token![,])?;
    Ok(list.into_iter().collect())
}

/// An error at `span`, the user's own tokens.
pub fn error(span: Span, message: impl std::fmt::Display) -> syn::Error {
    syn::Error::new(span, message)
}

/// Skips the value of a nested meta item (`name = expr` or `name(...)`), for
/// attributes whose other arguments are someone else's (serde's).
pub fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let arguments;
        syn::parenthesized!(arguments in meta.input);
        arguments.parse::<TokenStream>()?;
    }
    Ok(())
}
