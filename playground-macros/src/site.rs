//! Where generated code is written: every token the macros make carries the
//! span of a token of the user's item (its name), not the macro's call
//! site.
//!
//! Why: rustc fingerprints a macro's expansion by the absolute position of
//! its call, so every token spanned at a call site changes identity when an
//! edit above it moves the lines. Rustc's incremental cache then type
//! checks, borrow checks and compiles again all such code after the edit
//! (the whole rest of the file), where code spanned at the user's own
//! tokens is hashed relative to its item, as hand-written code is, and is
//! taken from the cache. Resolution is the same either way: a call-site
//! span resolves names as at the call site, as a token of the user's does.
//!
//! The span is set for the duration of one expansion ([`at`]); this
//! module's `quote!` and `parse_quote!` stand in for the crates' own and
//! give every token they make that span, and [`text`] and [`number`] make
//! the literals that code interpolates.

use proc_macro2::{Literal, Span, TokenStream, TokenTree};
use std::cell::Cell;

thread_local! {
    static SITE: Cell<Option<Span>> = const { Cell::new(None) };
}

/// The span generated tokens carry: the item's, inside [`at`]; the call
/// site outside (unit tests).
pub fn span() -> Span {
    SITE.with(Cell::get).unwrap_or_else(Span::call_site)
}

/// Runs `expand` with generated tokens spanned at `item`'s name.
pub fn at(item: TokenStream, expand: impl FnOnce(TokenStream) -> TokenStream) -> TokenStream {
    let before = SITE.with(|cell| cell.replace(Some(name_of(&item))));
    let out = expand(item);
    SITE.with(|cell| cell.set(before));
    out
}

/// A string literal spanned at `span` (`quote!` writes a `String` it
/// interpolates at the call site).
pub fn text(value: &str, span: Span) -> Literal {
    let mut literal = Literal::string(value);
    literal.set_span(span);
    literal
}

/// An integer literal spanned at `span` (`quote!` writes a number it
/// interpolates at the call site).
pub fn number(value: usize, span: Span) -> Literal {
    let mut literal = Literal::usize_unsuffixed(value);
    literal.set_span(span);
    literal
}

/// Adds `bound` to a type parameter (with the colon, which syn would
/// otherwise write at the call site).
pub fn bound(param: &mut syn::TypeParam, bound: syn::TypeParamBound) {
    param.colon_token.get_or_insert(syn::Token![:](span()));
    param.bounds.push(bound);
}

/// The span of an item's name: the identifier after `struct`, `enum`,
/// `union`, `trait` or `fn`; for an `impl`, its keyword; else the first
/// token (attributes skipped).
fn name_of(item: &TokenStream) -> Span {
    let mut tokens = item.clone().into_iter().peekable();
    let mut first = None;
    while let Some(token) = tokens.next() {
        match &token {
            // An outer attribute: `#` and its bracketed group.
            TokenTree::Punct(p) if p.as_char() == '#' && first.is_none() => {
                tokens.next();
                continue;
            }
            TokenTree::Ident(keyword) => {
                let keyword = keyword.to_string();
                if keyword == "impl" {
                    return token.span();
                }
                if matches!(
                    keyword.as_str(),
                    "struct" | "enum" | "union" | "trait" | "fn"
                ) && let Some(TokenTree::Ident(name)) = tokens.peek()
                {
                    return name.span();
                }
            }
            _ => {}
        }
        first.get_or_insert(token.span());
    }
    first.unwrap_or_else(Span::call_site)
}

/// `quote::quote!`, with every token it makes spanned at [`span`].
macro_rules! quote {
    ($($tokens:tt)*) => {
        ::quote::quote_spanned!($crate::site::span()=> $($tokens)*)
    };
}

/// `syn::parse_quote!`, with every token it makes spanned at [`span`].
macro_rules! parse_quote {
    ($($tokens:tt)*) => {
        ::syn::parse_quote_spanned!($crate::site::span()=> $($tokens)*)
    };
}

pub(crate) use {parse_quote, quote};

/// What the macros write beside the user's item, inside one anonymous
/// const whose lints are off: spanned at the user's item, its tokens
/// would otherwise be linted (by rustc and clippy) as the user's own code.
///
/// `warnings` does not cover a lint the user denies by name (the level of
/// `warnings` is only that of lints left at "warn"), so a lint that the
/// generated code could trip is named too: `unused_qualifications` would
/// take `__playground::Model` for a path to a `Model` the user imported,
/// `unused_imports` a block that happens not to use `__playground`.
///
/// Inside it, `__playground` names `::playground_runtime::__private`: the
/// generated code names it 20 to 50 times an item, and rustc takes every
/// token a macro writes through the proc-macro bridge and parses it again
/// on every rebuild (5 tokens less a path; about a sixth of what an item
/// writes). The name is the block's own, seen by nothing outside it.
pub fn beside(generated: TokenStream) -> TokenStream {
    quote! {
        #[allow(warnings, unused_imports, unused_qualifications, clippy::all, clippy::pedantic, clippy::nursery, clippy::restriction)]
        const _: () = {
            use ::playground_runtime::__private as __playground;
            #generated
        };
    }
}
