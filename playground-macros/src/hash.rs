//! Content hashes over a normalised token form.
//!
//! Versions and ids are the first 8 bytes of a SHA-256 over a canonical
//! encoding of tokens (the walk of `playground_build::walk_tokens`, which
//! the runtime's build fingerprint uses too): whitespace and comments are
//! not tokens, doc comments are left out, and punctuation spacing (`>>` or
//! `> >`) is ignored, so only what a change means reaches the hash.

use playground_build::{Token, walk_tokens};
use proc_macro2::TokenStream;
use sha2::{Digest, Sha256};

/// An incremental, domain-separated hasher that produces a `u64`.
pub struct Hasher(Sha256);

impl Hasher {
    /// Starts a hash for one purpose; different domains never collide by accident.
    pub fn new(domain: &str) -> Self {
        let mut hasher = Hasher(Sha256::new());
        hasher.str(domain);
        hasher
    }

    /// Adds a string, length-prefixed so that `("ab", "c")` differs from `("a", "bc")`.
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.0.update((s.len() as u64).to_le_bytes());
        self.0.update(s.as_bytes());
        self
    }

    /// Adds tokens in their canonical form (the build helper's walk: doc
    /// comments left out, punctuation without its spacing).
    pub fn tokens(&mut self, tokens: TokenStream) -> &mut Self {
        walk_tokens(tokens, &mut |token| match token {
            Token::Open(delimiter) | Token::Close(delimiter) => {
                self.str(delimiter);
            }
            Token::Ident(ident) => {
                self.str("i").str(&ident.to_string());
            }
            Token::Punct(punct) => {
                let mut buf = [0; 4];
                self.str("p").str(punct.as_char().encode_utf8(&mut buf));
            }
            Token::Literal(literal) => {
                self.str("l").str(&literal.to_string());
            }
        });
        self
    }

    /// The first 8 bytes of the digest, little-endian.
    pub fn finish(self) -> u64 {
        let digest = self.0.finalize();
        let mut first = [0; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }
}

/// `0x1234_5678_9abc_def0`: ids and versions as they appear in listings.
pub fn hex(value: u64) -> syn::LitInt {
    let digits = format!("{value:016x}");
    let literal = format!(
        "0x{}_{}_{}_{}",
        &digits[..4],
        &digits[4..8],
        &digits[8..12],
        &digits[12..]
    );
    syn::LitInt::new(&literal, crate::site::span())
}

/// The name of the crate being compiled, as cargo tells rustc.
///
/// Ids are scoped by crate so that two crates may both declare a `Physics`
/// view; module paths inside the crate are not part of the id, so moving an
/// item between modules keeps its id.
pub fn crate_name() -> String {
    std::env::var("CARGO_CRATE_NAME").unwrap_or_default()
}

/// A `#[cfg]` inside an item reaches an attribute macro unevaluated: the
/// version would be the same with and without the method or field, for
/// two different layouts.
pub fn reject_cfg(attrs: &[syn::Attribute], errors: &mut crate::errors::Errors) {
    for attr in attrs {
        if attr.path().is_ident("cfg") {
            errors.spanned(
                attr,
                "`#[cfg]` inside a view or model would give two different layouts the same version; \
                 put the `#[cfg]` on the whole trait or type and declare each variant in full",
            );
        }
        if attr.path().is_ident("cfg_attr") && !only_docs(attr) {
            errors.spanned(
                attr,
                "`#[cfg_attr]` inside a view or model reaches the macro before it is evaluated, so \
                 what it adds would count in one build and not in another under the same version; \
                 write the attribute unconditionally, or put the `#[cfg]` on the whole trait or type \
                 (a `#[cfg_attr(..., doc = ...)]` is fine: docs do not count)",
            );
        }
    }
}

/// `#[cfg_attr(predicate, doc = ...)]`: adds only documentation.
fn only_docs(attr: &syn::Attribute) -> bool {
    use syn::punctuated::Punctuated;
    let Ok(list) = attr.meta.require_list() else {
        return false;
    };
    let Ok(items) = list.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
    else {
        return false;
    };
    // The first item is the predicate; every attribute after it must be a doc.
    items.len() > 1 && items.iter().skip(1).all(|meta| meta.path().is_ident("doc"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn hash(tokens: TokenStream) -> u64 {
        let mut h = Hasher::new("test");
        h.tokens(tokens);
        h.finish()
    }

    #[test]
    fn spacing_and_line_breaks_do_not_matter() {
        let a: TokenStream = "fn f(&self) -> Vec<Vec<u8>>;".parse().unwrap();
        let b: TokenStream = "fn f ( & self )\n -> Vec < Vec < u8 > > ;".parse().unwrap();
        assert_eq!(hash(a), hash(b));
    }

    #[test]
    fn a_changed_token_changes_the_hash() {
        assert_ne!(hash(quote!(fn f(x: u32))), hash(quote!(fn f(x: u64))));
        assert_ne!(hash(quote!(a b)), hash(quote!(ab)));
        assert_ne!(hash(quote!((a) b)), hash(quote!((a b))));
    }

    #[test]
    fn domains_separate() {
        let mut a = Hasher::new("view");
        a.str("X");
        let mut b = Hasher::new("model");
        b.str("X");
        assert_ne!(a.finish(), b.finish());
    }
}
