//! Reads `#[view(...)] trait Name: Send + Sync { ... }` and checks that it can
//! be called through `dyn Name`. Every problem is recorded; a refused trait
//! is handed back made callable through `dyn` (see [`Rejected`]).

use super::ir::{Method, Rejected, View};
use crate::args::{self, Args, error};
use crate::errors::Errors;
use crate::fingerprint::types;
use crate::hash::{self, Hasher};
use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{FnArg, ItemTrait, ReturnType, Signature, TraitItem, TypeParamBound};

pub fn parse(args: TokenStream, item: TokenStream) -> Result<View, Rejected> {
    let mut errors = Errors::default();
    let mut models = Vec::new();
    let mut registered_name: Option<String> = None;
    let mut abi = Vec::new();
    let mut opaque = Vec::new();
    Args::new("view", &["models", "name", "abi", "opaque"]).parse(
        args,
        &mut errors,
        |arg, meta| {
            match arg {
                "models" => models = args::parse_list::<syn::Path>(&meta)?,
                "abi" => abi = args::parse_list::<syn::Expr>(&meta)?,
                "opaque" => opaque = args::parse_list::<syn::Path>(&meta)?,
                _ => registered_name = Some(meta.value()?.parse::<syn::LitStr>()?.value()),
            }
            Ok(())
        },
    );

    let mut item: ItemTrait = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(_) => {
            errors.push(not_a_trait(item));
            return Err(Rejected::new(errors, None));
        }
    };
    let name = &item.ident;
    if !item.generics.params.is_empty() {
        errors.spanned(
            &item.generics,
            format!(
                "a view cannot be generic: the registry binds one implementation per view; \
                 remove the parameters of `{name}` or declare one view per type"
            ),
        );
    }
    check_send_sync(&item, &mut errors);

    let mut version = Hasher::new("playground view api");
    version.str(&name.to_string());
    for bound in &item.supertraits {
        version.tokens(bound.to_token_stream());
    }
    version.tokens(item.generics.where_clause.to_token_stream());
    let cx = types::Context {
        own_names: vec![name.clone()],
        opaque,
    };
    let mut methods = Vec::new();
    // Indices of the items `dyn Name` cannot have, for a refused trait.
    let mut not_dyn = Vec::new();
    for (index, trait_item) in item.items.iter().enumerate() {
        let TraitItem::Fn(method) = trait_item else {
            errors.spanned(
                trait_item,
                format!(
                    "a view holds only methods: associated types and constants make \
                     `dyn {name}` impossible; move this item out of the trait"
                ),
            );
            not_dyn.push(index);
            continue;
        };
        hash::reject_cfg(&method.attrs, &mut errors);
        if !check_method(name, &method.sig, &mut errors) {
            // Its types were reported already: `impl Trait` would be twice.
            not_dyn.push(index);
            continue;
        }
        hash_signature(&mut version, &method.sig);
        let mut shape = Hasher::new("playground view method");
        hash_signature(&mut shape, &method.sig);
        let types = signature_fingerprints(&method.sig, &cx, &mut errors);
        methods.push(Method {
            name: method.sig.ident.to_string(),
            signature: readable(&method.sig),
            is_async: method.sig.asyncness.is_some(),
            shape: shape.finish(),
            fingerprints: types,
            sig: method.sig.clone(),
        });
    }
    if !errors.is_empty() {
        make_dyn_callable(&mut item, &not_dyn);
        return Err(Rejected::new(errors, Some(item)));
    }

    // The registered name sets the id; the contract (the API version) is
    // the trait's own name and signatures.
    let registered_name = registered_name.unwrap_or_else(|| name.to_string());
    let mut id = Hasher::new("playground view id");
    id.str(&hash::crate_name()).str(&registered_name);
    Ok(View {
        name: registered_name,
        id: id.finish(),
        own_version: version.finish(),
        models,
        abi,
        methods,
        item,
    })
}

/// Makes a refused trait callable through `dyn`, so that code using it
/// reports nothing more: `Send + Sync` added if missing, each method `dyn`
/// cannot call (and each associated type) bounded by `where Self: Sized`,
/// associated constants, which `dyn` can never have, left out.
fn make_dyn_callable(item: &mut ItemTrait, not_dyn: &[usize]) {
    for auto in ["Send", "Sync"] {
        if !has_bound(item, auto) {
            let ident = syn::Ident::new(auto, item.ident.span());
            item.supertraits.push(crate::site::parse_quote!(#ident));
        }
    }
    let sized: syn::WherePredicate = crate::site::parse_quote!(Self: Sized);
    let mut index = 0;
    item.items.retain_mut(|trait_item| {
        let refused = not_dyn.contains(&index);
        index += 1;
        match trait_item {
            TraitItem::Fn(method) if refused => {
                let clause = method.sig.generics.make_where_clause();
                clause.predicates.push(sized.clone());
            }
            TraitItem::Type(ty) => {
                let clause = ty.generics.make_where_clause();
                clause.predicates.push(sized.clone());
            }
            TraitItem::Const(_) => return false,
            _ => {}
        }
        true
    });
}

fn not_a_trait(item: TokenStream) -> syn::Error {
    let span = item
        .into_iter()
        .next()
        .map(|t| t.span())
        .unwrap_or_else(proc_macro2::Span::call_site);
    error(
        span,
        "#[view] goes on a trait: `#[view] pub trait Name: Send + Sync { fn f(&self); }`; \
         use #[model] for data and #[viewmodel] for an impl",
    )
}

/// Whether `Self: wanted` is declared, as a supertrait or in `where`.
fn has_bound(item: &ItemTrait, wanted: &str) -> bool {
    // Bounds on `Self` count whether written as supertraits or in `where`.
    let where_bounds = item
        .generics
        .where_clause
        .iter()
        .flat_map(|w| &w.predicates)
        .filter_map(|p| match p {
            syn::WherePredicate::Type(t)
                if quote::ToTokens::to_token_stream(&t.bounded_ty).to_string() == "Self" =>
            {
                Some(&t.bounds)
            }
            _ => None,
        });
    let bounds: Vec<&TypeParamBound> = item
        .supertraits
        .iter()
        .chain(where_bounds.flatten())
        .collect();
    bounds.iter().any(|bound| match bound {
        TypeParamBound::Trait(t) => t.path.segments.last().is_some_and(|s| s.ident == wanted),
        _ => false,
    })
}

fn check_send_sync(item: &ItemTrait, errors: &mut Errors) {
    if has_bound(item, "Send") && has_bound(item, "Sync") {
        return;
    }
    let name = &item.ident;
    errors.spanned(
        name,
        format!("a view is shared between threads: declare it as `trait {name}: Send + Sync`"),
    );
}

/// Records each problem of a method; `false` when `dyn {view}` could not
/// have it at all (a `&mut self` only breaks the contract).
fn check_method(view: &syn::Ident, sig: &Signature, errors: &mut Errors) -> bool {
    let method = &sig.ident;
    let mut callable = true;
    if let Some(param) = sig.generics.type_params().next() {
        callable = false;
        errors.spanned(
            param,
            format!(
                "`{method}` is generic, and generic methods cannot be called through \
                 `dyn {view}`; take a concrete type or a `&dyn Trait` instead"
            ),
        );
    }
    if let Some(param) = sig.generics.const_params().next() {
        callable = false;
        errors.spanned(
            param,
            format!(
                "`{method}` has a const parameter, which `dyn {view}` cannot call; pass it as an argument"
            ),
        );
    }
    match sig.inputs.first() {
        Some(FnArg::Receiver(r))
            if r.reference.is_some() && r.mutability.is_none() && r.colon_token.is_none() => {}
        Some(FnArg::Receiver(r)) => errors.spanned(
            r,
            format!(
                "`{method}` must take `&self`: a view is shared by every caller, so keep \
                 mutable state in `Shared<T>` or `Atomic<T>` fields of the viewmodel"
            ),
        ),
        _ => {
            callable = false;
            errors.spanned(
                &sig.ident,
                format!(
                    "`{method}` has no `&self`: view methods are called on the bound viewmodel \
                     through `dyn {view}`; add `&self` as the first parameter"
                ),
            );
        }
    }
    let inputs = sig.inputs.iter().skip(1).filter_map(|input| match input {
        FnArg::Typed(arg) => Some(arg.ty.to_token_stream()),
        FnArg::Receiver(_) => None,
    });
    for ty in inputs {
        callable &= check_type(view, method, ty, "takes", errors);
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        callable &= check_type(view, method, ty.to_token_stream(), "returns", errors);
    }
    callable
}

/// Records each `Self` and `impl Trait`, unknown or generic behind `dyn`;
/// `false` when there is one.
fn check_type(
    view: &syn::Ident,
    method: &syn::Ident,
    ty: TokenStream,
    verb: &str,
    errors: &mut Errors,
) -> bool {
    let mut callable = true;
    for tree in ty {
        match tree {
            TokenTree::Ident(ident) if ident == "Self" => {
                callable = false;
                errors.spanned(
                    &ident,
                    format!(
                        "`{method}` {verb} `Self`, which is unknown behind `dyn {view}`; \
                         use a concrete type such as a #[model] or `Box<dyn {view}>`"
                    ),
                );
            }
            TokenTree::Ident(ident) if ident == "impl" => {
                callable = false;
                errors.spanned(
                    &ident,
                    format!(
                        "`{method}` {verb} `impl Trait`, which `dyn {view}` cannot call; \
                         use a concrete type or `Box<dyn Trait>`"
                    ),
                );
            }
            TokenTree::Group(group) => {
                callable &= check_type(view, method, group.stream(), verb, errors);
            }
            _ => {}
        }
    }
    callable
}

/// Hashes the shape of a signature: name, `async`, `unsafe`, lifetimes,
/// receiver and arity. The types are not hashed as written: their
/// fingerprints are folded in by the compiler ([`signature_fingerprints`]).
/// Parameter names and default bodies do not count.
fn hash_signature(hasher: &mut Hasher, sig: &Signature) {
    hasher.str("fn").str(&sig.ident.to_string());
    hasher.str(if sig.asyncness.is_some() {
        "async"
    } else {
        "sync"
    });
    hasher.str(if sig.unsafety.is_some() {
        "unsafe"
    } else {
        "safe"
    });
    hasher.tokens(sig.generics.to_token_stream());
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => hasher.str("self").tokens(r.ty.to_token_stream()),
            FnArg::Typed(_) => hasher.str("arg"),
        };
    }
    hasher.str(match sig.output {
        ReturnType::Default => "->()",
        ReturnType::Type(..) => "->",
    });
}

/// The fingerprint of each parameter type, then of the return type.
fn signature_fingerprints(
    sig: &Signature,
    cx: &types::Context,
    errors: &mut Errors,
) -> Vec<TokenStream> {
    let inputs = sig.inputs.iter().filter_map(|input| match input {
        FnArg::Typed(arg) => Some(&*arg.ty),
        FnArg::Receiver(_) => None,
    });
    let output = match &sig.output {
        ReturnType::Type(_, ty) => Some(&**ty),
        ReturnType::Default => None,
    };
    inputs
        .chain(output)
        .filter_map(|ty| errors.ok(types::of(ty, cx)))
        .collect()
}

/// `fn step(&self, dt: f32) -> u32`: the signature as rustfmt prints it.
fn readable(sig: &Signature) -> String {
    let file: syn::File = crate::site::parse_quote!(trait T { #sig; });
    let text = prettyplease::unparse(&file);
    let body = text
        .trim()
        .trim_start_matches("trait T {")
        .trim_end_matches('}');
    let joined: Vec<&str> = body.split_whitespace().collect();
    joined
        .join(" ")
        .trim_end_matches(';')
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(", )", ")")
}
