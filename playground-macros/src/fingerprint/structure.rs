//! The structure of a struct or enum, as its fingerprint sees it: the
//! shared part of `#[model]` and `#[derive(TypeFingerprint)]`.
//!
//! Hashed when the macro runs: whether it is a struct or an enum, field and
//! variant names, discriminants, and the `repr` and `serde` attributes.
//! Folded by the compiler: each field's fingerprint, in order (saved or
//! not: a skipped field is still part of the layout a successor adopts).
//! The type's own name and the names its fields' types are spelled with
//! are not part of it.

use super::types::{self, Context};
use crate::errors::Errors;
use crate::hash::{self, Hasher};
use crate::site::quote;
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Data, DeriveInput, Fields};

/// What a struct's or enum's fingerprint is folded from.
#[derive(Default)]
pub struct Structure {
    /// Hash of everything but the field types.
    pub seed: u64,
    /// `<FieldType as TypeFingerprint>::FINGERPRINT` of each field, in
    /// order, then any further type the format depends on.
    pub parts: Vec<TokenStream>,
    /// Each field's name and type as written, in the order of `parts`.
    pub fields: Vec<Field>,
}

/// A field as a listing shows it.
pub struct Field {
    /// `pos`, `0` in a tuple struct, `Rect.w` in an enum's variant.
    pub name: String,
    /// The type as written, formatted, e.g. `Vec<Record>`.
    pub ty: String,
    /// Whether its fingerprint is the written type's (see
    /// [`types::as_written`]).
    pub as_written: bool,
}

/// Attributes that change a layout or a format.
fn counted(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("repr") || attr.path().is_ident("serde")
}

/// Reads the structure of `item`; a field type with no fingerprint is
/// recorded in `errors` (each one), its part left out.
pub fn read(item: &DeriveInput, cx: &Context, errors: &mut Errors) -> Structure {
    let mut seed = Hasher::new("playground structure");
    let mut parts = Vec::new();
    let mut listed = Vec::new();
    for attr in item.attrs.iter().filter(|a| counted(a)) {
        seed.tokens(attr.to_token_stream());
    }
    match &item.data {
        Data::Struct(data) => {
            seed.str("struct");
            fields(&mut seed, &mut parts, &data.fields, cx, errors);
            list(&mut listed, "", &data.fields, cx);
        }
        Data::Enum(data) => {
            seed.str("enum");
            for variant in &data.variants {
                seed.str(&variant.ident.to_string());
                for attr in variant.attrs.iter().filter(|a| counted(a)) {
                    seed.tokens(attr.to_token_stream());
                }
                if let Some((_, discriminant)) = &variant.discriminant {
                    seed.str("=").tokens(discriminant.to_token_stream());
                }
                fields(&mut seed, &mut parts, &variant.fields, cx, errors);
                list(
                    &mut listed,
                    &format!("{}.", variant.ident),
                    &variant.fields,
                    cx,
                );
            }
            // A discriminant written as an expression (a constant, maybe of
            // another crate) is folded by its value: an edited constant is
            // another structure even where the tokens read the same.
            let fieldless = data.variants.iter().all(|v| v.fields.is_empty());
            let computed = data.variants.iter().any(|v| {
                v.discriminant
                    .as_ref()
                    .is_some_and(|(_, expr)| !literal(expr))
            });
            if fieldless && computed {
                for variant in &data.variants {
                    let ident = &variant.ident;
                    parts.push(quote!((Self::#ident as i128) as u64));
                    parts.push(quote!(((Self::#ident as i128) >> 64) as u64));
                }
            }
        }
        Data::Union(data) => {
            seed.str("union");
            let named = Fields::Named(data.fields.clone());
            fields(&mut seed, &mut parts, &named, cx, errors);
            list(&mut listed, "", &named, cx);
        }
    }
    Structure {
        seed: seed.finish(),
        parts,
        fields: listed,
    }
}

/// Whether a discriminant is a literal (maybe negated): its tokens are its
/// value.
fn literal(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Lit(_) => true,
        syn::Expr::Unary(unary) => {
            matches!(unary.op, syn::UnOp::Neg(_)) && matches!(*unary.expr, syn::Expr::Lit(_))
        }
        syn::Expr::Group(group) => literal(&group.expr),
        syn::Expr::Paren(paren) => literal(&paren.expr),
        _ => false,
    }
}

/// Each field's name (after `prefix`) and type as written.
fn list(listed: &mut Vec<Field>, prefix: &str, fields: &Fields, cx: &Context) {
    for (index, field) in fields.iter().enumerate() {
        let name = match &field.ident {
            Some(ident) => ident.to_string(),
            None => index.to_string(),
        };
        listed.push(Field {
            name: format!("{prefix}{name}"),
            ty: types::readable(&field.ty),
            as_written: types::as_written(&field.ty, cx),
        });
    }
}

fn fields(
    seed: &mut Hasher,
    parts: &mut Vec<TokenStream>,
    fields: &Fields,
    cx: &Context,
    errors: &mut Errors,
) {
    seed.str(match fields {
        Fields::Named(_) => "named",
        Fields::Unnamed(_) => "unnamed",
        Fields::Unit => "unit",
    });
    seed.str(&fields.len().to_string());
    for (index, field) in fields.iter().enumerate() {
        match &field.ident {
            Some(ident) => seed.str(&ident.to_string()),
            None => seed.str(&index.to_string()),
        };
        for attr in field.attrs.iter().filter(|a| counted(a)) {
            seed.tokens(attr.to_token_stream());
        }
        if let Some(part) = errors.ok(types::of(&field.ty, cx)) {
            parts.push(part);
        }
    }
}

/// `impl TypeFingerprint for Item`, each type parameter bounded by `bound`.
pub fn generate(item: &DeriveInput, structure: &Structure, bound: &TokenStream) -> TokenStream {
    let ident = &item.ident;
    let mut generics = item.generics.clone();
    for param in generics.type_params_mut() {
        crate::site::bound(param, syn::parse2(bound.clone()).expect("a bound"));
    }
    let (impl_generics, type_generics, where_clause) = generics.split_for_impl();
    let seed = hash::hex(structure.seed);
    let parts = &structure.parts;
    quote! {
        unsafe impl #impl_generics __playground::TypeFingerprint for #ident #type_generics #where_clause {
            const FINGERPRINT: u64 = __playground::fold_versions(#seed, &[#(#parts),*]);
        }
    }
}
