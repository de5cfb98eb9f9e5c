//! Reads `#[model(...)] struct Name { ... }` (or an enum) and checks that every
//! field can be saved.

use super::ir::{Model, Rejected};
use crate::args::{self, Args, error};
use crate::errors::Errors;
use crate::fingerprint::{structure, types};
use crate::hash::{self, Hasher};
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::visit::Visit;
use syn::{Data, DeriveInput, GenericParam, Type};

pub fn parse(args: TokenStream, item: TokenStream) -> Result<Model, Rejected> {
    let mut errors = Errors::default();
    let mut name: Option<String> = None;
    let mut migrate_from = Vec::new();
    let mut opaque = Vec::new();
    Args::new("model", &["name", "migrate_from", "opaque"]).parse(
        args,
        &mut errors,
        |arg, meta| {
            match arg {
                "name" => name = Some(meta.value()?.parse::<syn::LitStr>()?.value()),
                "opaque" => opaque = args::parse_list::<syn::Path>(&meta)?,
                _ => migrate_from = args::parse_list::<syn::Path>(&meta)?,
            }
            Ok(())
        },
    );

    let item: DeriveInput = match syn::parse2(item) {
        Ok(syn::Item::Struct(s)) => s.into(),
        Ok(syn::Item::Enum(e)) => e.into(),
        Ok(syn::Item::Union(u)) => {
            errors.spanned(
                u.union_token,
                "#[model] cannot save a union: which field is live is not known; \
                 use an enum with one variant per field",
            );
            return Err(Rejected::new(errors, None, false));
        }
        Ok(other) => {
            let span = other.to_token_stream().into_iter().next().map(|t| t.span());
            errors.push(error(
                span.unwrap_or_else(proc_macro2::Span::call_site),
                "#[model] goes on a struct or an enum holding data; \
                 use #[view] for a trait and #[viewmodel] for an impl",
            ));
            return Err(Rejected::new(errors, None, false));
        }
        Err(unparsed) => {
            errors.push(unparsed);
            return Err(Rejected::new(errors, None, false));
        }
    };
    let derives_serde = check_derives(&item, &mut errors);
    // A `#[cfg_attr]` after `#[model]` reaches it unevaluated: a `repr` or
    // serde attribute behind it would not be counted.
    hash::reject_cfg(&item.attrs, &mut errors);

    let mut type_params = Vec::new();
    for param in &item.generics.params {
        match param {
            GenericParam::Type(t) => type_params.push(t.ident.clone()),
            GenericParam::Lifetime(l) => errors.spanned(
                l,
                "a model owns its data so that it can outlive a reload; \
                 remove the lifetime and own the borrowed data (`String`, `Vec<T>`)",
            ),
            GenericParam::Const(c) => errors.spanned(
                c,
                "a model cannot have const parameters: its state version must be known \
                 from its definition; use a field or a fixed size",
            ),
        }
    }

    check_format(&item.attrs, &mut errors);
    let cx = types::Context {
        own_names: vec![item.ident.clone()],
        opaque,
    };
    // A field refused here is not asked for a fingerprint too.
    let fields = check_fields(&item, &mut errors);
    let owned = fields.refused == 0;
    let mut structure = if owned {
        structure::read(&item, &cx, &mut errors)
    } else {
        structure::Structure::default()
    };
    // A format borrowed from another type (`#[serde(into = "Proxy")]`) is
    // that type's: its fingerprint counts too.
    for proxy in proxies(&item.attrs, &mut errors) {
        structure.parts.extend(errors.ok(types::of(&proxy, &cx)));
    }
    if !errors.is_empty() {
        // A stub `impl Model` must not bring errors of its own: no
        // lifetime or const parameter, no serde derive of the user's, and
        // no refused field that might not be `Send + Sync` (a reference is).
        let stub = !derives_serde
            && fields.refused == fields.references
            && item.generics.lifetimes().next().is_none()
            && item.generics.const_params().next().is_none();
        return Err(Rejected::new(errors, Some(item), stub));
    }

    let name = name.unwrap_or_else(|| item.ident.to_string());
    let mut id = Hasher::new("playground model id");
    id.str(&hash::crate_name()).str(&name);
    Ok(Model {
        id: id.finish(),
        structure,
        name,
        type_params,
        migrate_from,
        item,
    })
}

/// Every field type must be owned data (checked before the compiler sees
/// it), and no field or variant may depend on a `#[cfg]`: an attribute
/// macro sees them before they are evaluated. (A derive sees them after, so
/// `#[derive(TypeFingerprint)]` takes them.) Each field's serde attributes
/// are checked too, so that errors come in the order of the source.
fn check_fields(item: &DeriveInput, errors: &mut Errors) -> RefusedFields {
    let fields: Vec<&syn::Field> = match &item.data {
        Data::Struct(data) => data.fields.iter().collect(),
        Data::Enum(data) => {
            for variant in &data.variants {
                hash::reject_cfg(&variant.attrs, errors);
                check_format(&variant.attrs, errors);
            }
            data.variants.iter().flat_map(|v| &v.fields).collect()
        }
        Data::Union(_) => Vec::new(),
    };
    let mut refused = RefusedFields::default();
    for field in fields {
        hash::reject_cfg(&field.attrs, errors);
        check_format(&field.attrs, errors);
        if let Some(error) = check_owned(&field.ty) {
            errors.push(error);
            refused.refused += 1;
            refused.references += usize::from(matches!(field.ty, Type::Reference(_)));
        }
    }
    refused
}

/// How many field types were refused, and how many of those are references.
#[derive(Default)]
struct RefusedFields {
    refused: usize,
    references: usize,
}

/// serde attributes whose format postcard (not self-describing: no field
/// names, no lengths it did not write) cannot read back.
const UNREADABLE: &[(&str, &str)] = &[
    (
        "flatten",
        "`flatten` writes a map of unknown length, which the save format cannot read back; \
         nest the struct as a field instead",
    ),
    (
        "untagged",
        "an untagged enum is read by guessing from self-describing data, which the save format \
         is not; remove `untagged` (variants are saved by index)",
    ),
    (
        "tag",
        "an internally or adjacently tagged enum is read by guessing from self-describing data, \
         which the save format is not; remove `tag` (variants are saved by index)",
    ),
    (
        "content",
        "an adjacently tagged enum is read by guessing from self-describing data, which the \
         save format is not; remove `tag` and `content` (variants are saved by index)",
    ),
    (
        "skip_serializing_if",
        "`skip_serializing_if` leaves out a field the save format then expects; \
         remove it (use `skip` to never save the field)",
    ),
];

/// Refuses the serde attributes the save format cannot read back.
fn check_format(attrs: &[syn::Attribute], errors: &mut Errors) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        // Malformed serde attributes are serde's to report.
        let _ = attr.parse_nested_meta(|meta| {
            if let Some((_, why)) = UNREADABLE.iter().find(|(name, _)| meta.path.is_ident(name)) {
                errors.spanned(&meta.path, why);
            }
            args::skip_value(&meta)
        });
    }
}

/// The types of `#[serde(from = "..", try_from = "..", into = "..")]`.
fn proxies(attrs: &[syn::Attribute], errors: &mut Errors) -> Vec<Type> {
    let mut types = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if ["from", "try_from", "into"]
                .iter()
                .any(|p| meta.path.is_ident(p))
            {
                let literal: syn::LitStr = meta.value()?.parse()?;
                types.extend(errors.ok(literal.parse::<Type>()));
                return Ok(());
            }
            args::skip_value(&meta)
        });
    }
    types
}

/// Types that can never be saved, refused before the compiler sees them.
fn check_owned(ty: &Type) -> Option<syn::Error> {
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
    finder.0
}

/// `#[model]` derives serde itself; a second derive would conflict.
/// `true` if the item derives either.
fn check_derives(item: &DeriveInput, errors: &mut Errors) -> bool {
    let mut found = false;
    for attr in item.attrs.iter().filter(|a| a.path().is_ident("derive")) {
        // A malformed derive is the compiler's to report.
        let _ = attr.parse_nested_meta(|meta| {
            let last = meta.path.segments.last().map(|s| s.ident.to_string());
            if matches!(last.as_deref(), Some("Serialize" | "Deserialize")) {
                found = true;
                errors.spanned(
                    &meta.path,
                    "#[model] derives serde's `Serialize` and `Deserialize` itself; \
                     remove them from this derive",
                );
            }
            Ok(())
        });
    }
    found
}
