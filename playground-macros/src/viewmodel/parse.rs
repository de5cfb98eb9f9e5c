//! Reads `#[viewmodel(...)] impl View for Type { ... }`.

use super::ir::ViewModel;
use crate::args::{self, Args, error};
use crate::errors::Errors;
use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{ImplItem, ItemImpl, Type};

pub fn parse(args: TokenStream, item: TokenStream) -> syn::Result<ViewModel> {
    let mut errors = Errors::default();
    let mut state = Vec::new();
    let mut pools = Vec::new();
    let mut constructor = None;
    Args::new("viewmodel", &["state", "pools", "new"]).parse(args, &mut errors, |name, meta| {
        match name {
            "state" => state = args::parse_list::<syn::Member>(&meta)?,
            "pools" => pools = args::parse_list::<syn::Member>(&meta)?,
            _ => constructor = Some(meta.value()?.parse::<syn::ExprPath>()?),
        }
        Ok(())
    });

    let written = item.clone();
    let item: ItemImpl = match parse_impl(item.clone()) {
        Ok(item) => item,
        Err(_) => {
            let span = item.into_iter().next().map(|t| t.span());
            errors.push(error(
                span.unwrap_or_else(proc_macro2::Span::call_site),
                "#[viewmodel] goes on an implementation of a view: `impl ViewName for Type { ... }`",
            ));
            return Err(errors.finish().expect_err("recorded above"));
        }
    };
    match &item.trait_ {
        None => errors.spanned(
            &item.self_ty,
            "#[viewmodel] goes on an implementation of a view, and this is an inherent impl; \
             write `impl ViewName for Type` (an inherent impl needs no macro)",
        ),
        Some((Some(bang), _, _)) => errors.spanned(bang, "a viewmodel cannot be a negative impl"),
        Some((None, _, _)) => {}
    }
    if !item.generics.params.is_empty() {
        errors.spanned(
            &item.generics,
            "a viewmodel is registered when the program is linked, so it must be one concrete \
             type; remove the generic parameters (wrap the generic type in a concrete one)",
        );
    }
    if !matches!(&*item.self_ty, Type::Path(_)) {
        errors.spanned(
            &item.self_ty,
            "a viewmodel is a named struct or enum; implement the view for a type of your own",
        );
    }
    errors.finish()?;
    let view = item.trait_.as_ref().expect("checked above").1.clone();
    let name = readable_name(&item.self_ty);
    let is_async = is_async(&item);
    let self_ty = (*item.self_ty).clone();
    // The impl is written out as the user wrote it, but for associated
    // constants (an error: they go apart, see `ViewModel::constants`),
    // for which it is read whole.
    let has_constants = item.items.iter().any(|i| matches!(i, ImplItem::Const(_)));
    let (written, constants) = if has_constants {
        let mut whole: ItemImpl = syn::parse2(written)?;
        let (constants, items) = std::mem::take(&mut whole.items)
            .into_iter()
            .partition(|i| matches!(i, ImplItem::Const(_)));
        whole.items = items;
        let constants = constants
            .into_iter()
            .filter_map(|i| match i {
                ImplItem::Const(constant) => Some(constant),
                _ => None,
            })
            .collect();
        (whole.into_token_stream(), constants)
    } else {
        (written, Vec::new())
    };
    Ok(ViewModel {
        self_ty,
        view,
        name,
        state,
        pools,
        constructor,
        is_async,
        constants,
        item: written,
    })
}

/// Reads an impl's header and its items' signatures, not their bodies.
///
/// A method's body is most of what a user writes in a viewmodel, and
/// nothing here needs it: read by syn, it would be parsed token by token
/// (slow in the unoptimized build a proc macro gets in a debug profile:
/// about 0.1 ms a line) and written out again token by token, on every
/// rebuild. So the braces of every item inside the impl are read as `{}`
/// here, and the impl is written out as it came (a syntax error in a body
/// is then rustc's to report, at its place).
pub fn parse_impl(item: TokenStream) -> syn::Result<ItemImpl> {
    let mut tokens: Vec<TokenTree> = item.into_iter().collect();
    if let Some(TokenTree::Group(body)) = tokens.last_mut()
        && body.delimiter() == Delimiter::Brace
    {
        let items = body
            .stream()
            .into_iter()
            .map(|token| match token {
                TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                    let mut empty = Group::new(Delimiter::Brace, TokenStream::new());
                    empty.set_span(group.span());
                    TokenTree::Group(empty)
                }
                other => other,
            })
            .collect();
        let mut read = Group::new(Delimiter::Brace, items);
        read.set_span(body.span());
        *body = read;
    }
    syn::parse2(tokens.into_iter().collect())
}

/// Whether the impl holds `async fn`s (they go through async-trait).
pub fn is_async(item: &ItemImpl) -> bool {
    item.items
        .iter()
        .any(|i| matches!(i, ImplItem::Fn(f) if f.sig.asyncness.is_some()))
}

/// `Gen<u8>` for `crate::things::Gen<u8>`: the last segment of the type's
/// path with its arguments, as rustfmt prints it.
fn readable_name(ty: &Type) -> String {
    let Type::Path(path) = ty else {
        return ty.to_token_stream().to_string();
    };
    let last = path.path.segments.last().expect("a path has a segment");
    let file: syn::File = crate::site::parse_quote!(type T = #last;);
    let text = prettyplease::unparse(&file);
    text.trim()
        .trim_start_matches("type T = ")
        .trim_end_matches(';')
        .to_owned()
}
