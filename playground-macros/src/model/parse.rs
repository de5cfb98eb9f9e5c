//! Reads `#[model(...)] struct Name { ... }` (or an enum) and checks that every
//! field can be saved.

use super::ir::Model;
use crate::args::{self, Args, error};
use crate::hash::{self, Hasher};
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::visit::Visit;
use syn::{Data, DeriveInput, Fields, GenericParam, Type};

pub fn parse(args: TokenStream, item: TokenStream) -> syn::Result<Model> {
    let mut name: Option<String> = None;
    let mut migrate_from = Vec::new();
    Args::new("model", &["name", "migrate_from"]).parse(args, |arg, meta| {
        match arg {
            "name" => name = Some(meta.value()?.parse::<syn::LitStr>()?.value()),
            _ => migrate_from = args::parse_list::<syn::Path>(&meta)?,
        }
        Ok(())
    })?;

    let parsed: syn::Item = syn::parse2(item)?;
    let item: DeriveInput = match parsed {
        syn::Item::Struct(s) => s.into(),
        syn::Item::Enum(e) => e.into(),
        syn::Item::Union(u) => {
            return Err(syn::Error::new_spanned(
                u.union_token,
                "#[model] cannot save a union: which field is live is not known; \
                 use an enum with one variant per field",
            ));
        }
        other => {
            let span = other.to_token_stream().into_iter().next().map(|t| t.span());
            return Err(error(
                span.unwrap_or_else(proc_macro2::Span::call_site),
                "#[model] goes on a struct or an enum holding data; \
                 use #[view] for a trait and #[viewmodel] for an impl",
            ));
        }
    };
    check_derives(&item)?;

    let mut type_params = Vec::new();
    for param in &item.generics.params {
        match param {
            GenericParam::Type(t) => type_params.push(t.ident.clone()),
            GenericParam::Lifetime(l) => {
                return Err(syn::Error::new_spanned(
                    l,
                    "a model owns its data so that it can outlive a reload; \
                     remove the lifetime and own the borrowed data (`String`, `Vec<T>`)",
                ));
            }
            GenericParam::Const(c) => {
                return Err(syn::Error::new_spanned(
                    c,
                    "a model cannot have const parameters: its state version must be known \
                     from its definition; use a field or a fixed size",
                ));
            }
        }
    }

    let mut version = Hasher::new("playground model state");
    version.tokens(item.generics.to_token_stream());
    for attr in hash::strip_docs(&item.attrs) {
        if !attr.path().is_ident("derive") {
            version.tokens(attr.to_token_stream());
        }
    }
    match &item.data {
        Data::Struct(data) => {
            version.str("struct");
            hash_fields(&mut version, &data.fields)?;
        }
        Data::Enum(data) => {
            version.str("enum");
            for variant in &data.variants {
                hash::reject_cfg(&variant.attrs)?;
                version.str(&variant.ident.to_string());
                for attr in hash::strip_docs(&variant.attrs) {
                    version.tokens(attr.to_token_stream());
                }
                if let Some((_, discriminant)) = &variant.discriminant {
                    version.str("=").tokens(discriminant.to_token_stream());
                }
                hash_fields(&mut version, &variant.fields)?;
            }
        }
        Data::Union(_) => unreachable!("unions are refused above"),
    }

    let name = name.unwrap_or_else(|| item.ident.to_string());
    let mut id = Hasher::new("playground model id");
    id.str(&hash::crate_name()).str(&name);
    Ok(Model {
        id: id.finish(),
        own_version: version.finish(),
        name,
        type_params,
        migrate_from,
        item,
    })
}

fn hash_fields(version: &mut Hasher, fields: &Fields) -> syn::Result<()> {
    version.str(match fields {
        Fields::Named(_) => "named",
        Fields::Unnamed(_) => "unnamed",
        Fields::Unit => "unit",
    });
    for (index, field) in fields.iter().enumerate() {
        hash::reject_cfg(&field.attrs)?;
        match &field.ident {
            Some(ident) => version.str(&ident.to_string()),
            None => version.str(&index.to_string()),
        };
        for attr in hash::strip_docs(&field.attrs) {
            version.tokens(attr.to_token_stream());
        }
        version.str(":").tokens(field.ty.to_token_stream());
        check_owned(&field.ty)?;
    }
    Ok(())
}

/// Types that can never be saved, refused before the compiler sees them.
fn check_owned(ty: &Type) -> syn::Result<()> {
    struct Finder(Option<syn::Error>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_type(&mut self, ty: &'ast Type) {
            if self.0.is_some() {
                return;
            }
            let what = match ty {
                Type::Reference(_) => "a reference",
                Type::Ptr(_) => "a raw pointer",
                Type::BareFn(_) => "a function pointer",
                Type::ImplTrait(_) => "an `impl Trait`",
                Type::TraitObject(_) => "a trait object",
                Type::Infer(_) => "`_`",
                _ => return syn::visit::visit_type(self, ty),
            };
            self.0 = Some(syn::Error::new_spanned(
                ty,
                format!(
                    "this field holds {what}, which cannot be saved and restored; \
                     a model owns plain data: use an owned type (`String`, `Vec<T>`, \
                     `Box<T>`) or another #[model]"
                ),
            ));
        }
    }
    let mut finder = Finder(None);
    finder.visit_type(ty);
    finder.0.map_or(Ok(()), Err)
}

/// `#[model]` derives serde itself; a second derive would conflict.
fn check_derives(item: &DeriveInput) -> syn::Result<()> {
    for attr in item.attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let mut found = None;
        attr.parse_nested_meta(|meta| {
            let last = meta.path.segments.last().map(|s| s.ident.to_string());
            if matches!(last.as_deref(), Some("Serialize" | "Deserialize")) {
                found = Some(meta.path.clone());
            }
            Ok(())
        })?;
        if let Some(path) = found {
            return Err(syn::Error::new_spanned(
                &path,
                "#[model] derives serde's `Serialize` and `Deserialize` itself; \
                 remove them from this derive",
            ));
        }
    }
    Ok(())
}
