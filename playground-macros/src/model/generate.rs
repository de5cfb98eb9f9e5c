//! Writes the code of a model: its serde impls (`codec`'s own for a plain
//! struct with named fields, serde's derives through the runtime's re-export
//! for any other; each field not made of std types encoded, and its
//! fingerprint read, through `__private::Field<T>`, whose bound reports an
//! unsaveable field type once, at the field), `impl Model`, and a link-time
//! registration.

use super::codec;
use super::ir::{Model, Rejected};
use crate::register::{self, Registrations, Slice};
use crate::site::{self, quote};
use proc_macro2::TokenStream;
use quote::quote_spanned;
use syn::spanned::Spanned;

pub fn generate(model: &Model) -> TokenStream {
    let mut item = model.item.clone();
    let own_codec = codec::applies(&item);
    let routed = match own_codec {
        true => routes(&item, &model.structure.fields),
        false => route_fields_through_saveable(&mut item, &model.structure.fields),
    };
    let ident = &item.ident;
    let name = site::text(&model.name, site::span());
    let id = crate::hash::hex(model.id);
    // The fields' fingerprints are written once, in `Model::FIELDS`, and
    // folded from there (a field type without one is one error).
    let structure = crate::fingerprint::structure::Structure {
        seed: model.structure.seed,
        parts: model
            .structure
            .parts
            .iter()
            .enumerate()
            .map(|(index, part)| match index < model.structure.fields.len() {
                true => {
                    let index = site::number(index, site::span());
                    quote!(<Self as __playground::Model>::FIELDS[#index].fingerprint)
                }
                false => part.clone(),
            })
            .collect(),
        fields: Vec::new(),
    };
    let fingerprint = crate::fingerprint::structure::generate(
        &model.item,
        &structure,
        &quote!(__playground::Model),
    );

    let mut generics = item.generics.clone();
    for param in generics.type_params_mut() {
        site::bound(param, site::parse_quote!(__playground::Model));
    }
    let (impl_generics, type_generics, where_clause) = generics.split_for_impl();

    // A generic model's id depends on its parameters (its fingerprint, and
    // so its version, folds theirs through its fields).
    let params = &model.type_params;
    let (model_id, serde_bound) = if params.is_empty() {
        (quote!(#id), None)
    } else {
        let bound = params
            .iter()
            .map(|p| format!("{p}: ::playground_runtime::__private::Model"))
            .collect::<Vec<_>>()
            .join(", ");
        (
            quote!(__playground::fold_versions(#id, &[#(<#params as __playground::Model>::MODEL_ID.get()),*])),
            Some({
                let bound = site::text(&bound, site::span());
                quote!(#[serde(bound = #bound)])
            }),
        )
    };

    let migrate = (!model.migrate_from.is_empty()).then(|| {
        let steps = model.migrate_from.iter().map(|old| {
            quote_spanned! {old.span()=>
                if saved_version == <#old as __playground::Model>::STATE_VERSION {
                    return __playground::Option::Some(
                        <#old as __playground::Model>::decode(bytes).map(<Self as ::core::convert::From<#old>>::from),
                    );
                }
                if let __playground::Option::Some(older) = <#old as __playground::Model>::migrate(saved_version, bytes) {
                    return __playground::Option::Some(older.map(<Self as ::core::convert::From<#old>>::from));
                }
            }
        });
        let olds = model.migrate_from.iter().map(|old| {
            quote_spanned!(old.span()=> .and::<#old>())
        });
        quote! {
            const MIGRATIONS: __playground::Migrations =
                __playground::Migrations::NONE #(#olds)*;
            fn migrate(
                saved_version: __playground::StateVersion,
                bytes: &[u8],
            ) -> __playground::Option<__playground::Result<Self, __playground::StateError>> {
                #(#steps)*
                __playground::Option::None
            }
        }
    });

    // Each field's name, type as written and fingerprint, for listings and
    // for refusals that name what changed.
    let fields = model
        .structure
        .fields
        .iter()
        .zip(&model.structure.parts)
        .zip(&routed)
        .map(|((field, fingerprint), routed)| {
            let (name, ty) = (
                site::text(&field.name, site::span()),
                site::text(&field.ty, site::span()),
            );
            let fingerprint = match routed {
                Some(written) => quote_spanned! {written.span()=>
                    __playground::Field::fingerprint(__playground::PhantomData::<#written>)
                },
                None => fingerprint.clone(),
            };
            quote!(__playground::FieldDescriptor::new(#name, #ty, #fingerprint))
        });
    // A generic model has no concrete type to register until it is used.
    let registration = params.is_empty().then(|| {
        let module = register::module_path();
        let mut registrations = Registrations::default();
        registrations.add(
            Slice::Models,
            quote!(__playground::ModelDescriptor::of::<#ident>(MODULE)),
        );
        // Its fields', then the older formats it reads, for a loader to
        // judge saved state by.
        let count = 1 + model.structure.fields.len() + usize::from(!model.migrate_from.is_empty());
        let records = site::number(count, site::span());
        registrations.add_records(
            quote!(__playground::ManifestRecord::model_and_fields::<#ident, #records>(MODULE)),
            count,
        );
        quote!(#module #registrations)
    });

    let (derives, impls) = match own_codec {
        true => {
            let saveable: Vec<bool> = routed.iter().map(Option::is_some).collect();
            (None, Some(codec::generate(&item, &saveable)))
        }
        false => (
            Some(quote! {
                #[derive(::playground_runtime::__private::serde::Serialize, ::playground_runtime::__private::serde::Deserialize)]
                #[serde(crate = "::playground_runtime::__private::serde")]
                #serde_bound
            }),
            None,
        ),
    };
    let beside = crate::site::beside(quote! {
        #impls

        unsafe impl #impl_generics __playground::Model for #ident #type_generics #where_clause {
            const NAME: &'static str = #name;
            const MODEL_ID: __playground::ModelId =
                __playground::ModelId::new(#model_id);
            const FIELDS: &'static [__playground::FieldDescriptor] = &[#(#fields),*];
            #migrate
        }

        #fingerprint

        #registration
    });
    quote! {
        #derives
        #item
        #beside
    }
}

/// Routes every field the user did not customise, and whose type is not
/// made of std types only (`types::std_saveable`), through the runtime: a
/// field whose fingerprint is its written type's through `Field<T>`
/// (`#[serde(with = "::playground_runtime::__private::Field")]`, spanned at
/// the field's type), which then also gives its fingerprint; any other
/// (one holding an opaque type or the model itself) through `serde_field`.
/// Returns, for each field, its type if it goes through `Field<T>`.
fn route_fields_through_saveable(
    item: &mut syn::DeriveInput,
    listed: &[crate::fingerprint::structure::Field],
) -> Vec<Option<syn::Type>> {
    let fields: Vec<&mut syn::Field> = match &mut item.data {
        syn::Data::Struct(data) => data.fields.iter_mut().collect(),
        syn::Data::Enum(data) => data
            .variants
            .iter_mut()
            .flat_map(|v| v.fields.iter_mut())
            .collect(),
        syn::Data::Union(_) => Vec::new(),
    };
    let mut routed = Vec::new();
    for (field, listed) in fields.into_iter().zip(listed) {
        if has_custom_serde(&field.attrs) || (listed.as_written && !through_field(field, listed)) {
            routed.push(None);
            continue;
        }
        let (module, through_field) = match listed.as_written {
            true => ("::playground_runtime::__private::Field", true),
            false => ("::playground_runtime::__private::serde_field", false),
        };
        let path = syn::LitStr::new(module, field.ty.span());
        field
            .attrs
            .push(crate::site::parse_quote!(#[serde(with = #path)]));
        routed.push(through_field.then(|| field.ty.clone()));
    }
    routed
}

/// For a model with its own serde impls (`codec`): each field's type if it
/// goes through `Field<T>` (as `route_fields_through_saveable` would route
/// it), the item unchanged.
fn routes(
    item: &syn::DeriveInput,
    listed: &[crate::fingerprint::structure::Field],
) -> Vec<Option<syn::Type>> {
    let syn::Data::Struct(data) = &item.data else {
        return Vec::new();
    };
    data.fields
        .iter()
        .zip(listed)
        .map(|(field, listed)| through_field(field, listed).then(|| field.ty.clone()))
        .collect()
}

/// Whether a field goes through `Field<T>`: its fingerprint is its written
/// type's, and that type is not made of std types only.
fn through_field(field: &syn::Field, listed: &crate::fingerprint::structure::Field) -> bool {
    listed.as_written && !crate::fingerprint::types::std_saveable(&field.ty)
}

fn has_custom_serde(attrs: &[syn::Attribute]) -> bool {
    const CUSTOM: &[&str] = &[
        "with",
        "serialize_with",
        "deserialize_with",
        "skip",
        "skip_serializing",
        "skip_deserializing",
    ];
    let mut custom = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        // Malformed serde attributes are serde's to report; here they only
        // mean "not customised".
        let _ = attr.parse_nested_meta(|meta| {
            custom |= CUSTOM.iter().any(|c| meta.path.is_ident(c));
            crate::args::skip_value(&meta)
        });
    }
    custom
}

/// The errors of a refused struct or enum, and beside them what keeps the
/// code that uses it quiet: the item without its `#[serde]` attributes
/// (without the derives the model would have added, each would be one more
/// error), and where it brings no error of its own, a stub `impl Model`
/// with serde impls that are never run (the crate does not build), so that
/// `models(..)`, `state(..)` and view methods taking it report nothing more.
/// Not a struct or enum: the item as written.
pub fn rejected(rejected: &Rejected, written: TokenStream) -> TokenStream {
    let errors = rejected.errors.to_compile_error();
    let Some(item) = &rejected.item else {
        return quote!(#errors #written);
    };
    let mut item = (**item).clone();
    strip_serde(&mut item);
    let ident = &item.ident;
    let name = site::text(&ident.to_string(), site::span());
    let (impl_generics, type_generics, where_clause) = item.generics.split_for_impl();
    let fingerprint = quote! {
        unsafe impl #impl_generics __playground::TypeFingerprint for #ident #type_generics #where_clause {
            const FINGERPRINT: u64 = 0;
        }
    };
    if !rejected.stub {
        let fingerprint = crate::site::beside(fingerprint);
        return quote!(#errors #item #fingerprint);
    }
    let mut generics = item.generics.clone();
    for param in generics.type_params_mut() {
        site::bound(param, site::parse_quote!(__playground::Model));
    }
    let (impl_generics, type_generics, where_clause) = generics.split_for_impl();
    let mut de_generics = generics.clone();
    de_generics.params.insert(0, crate::site::parse_quote!('de));
    let (de_impl_generics, _, _) = de_generics.split_for_impl();
    let serde = quote!(__playground::serde);
    let beside = crate::site::beside(quote! {
        #fingerprint

        impl #impl_generics #serde::Serialize for #ident #type_generics #where_clause {
            fn serialize<S: #serde::Serializer>(&self, _: S) -> __playground::Result<S::Ok, S::Error> {
                ::core::unreachable!()
            }
        }

        impl #de_impl_generics #serde::Deserialize<'de> for #ident #type_generics #where_clause {
            fn deserialize<D: #serde::Deserializer<'de>>(_: D) -> __playground::Result<Self, D::Error> {
                ::core::unreachable!()
            }
        }

        unsafe impl #impl_generics __playground::Model for #ident #type_generics #where_clause {
            const NAME: &'static str = #name;
            const MODEL_ID: __playground::ModelId =
                __playground::ModelId::new(0);
        }
    });
    quote!(#errors #item #beside)
}

/// Removes the `#[serde]` attributes of the item, its variants and fields.
fn strip_serde(item: &mut syn::DeriveInput) {
    let strip = |attrs: &mut Vec<syn::Attribute>| attrs.retain(|a| !codec::adds_serde(a));
    strip(&mut item.attrs);
    match &mut item.data {
        syn::Data::Struct(data) => data.fields.iter_mut().for_each(|f| strip(&mut f.attrs)),
        syn::Data::Enum(data) => {
            for variant in &mut data.variants {
                strip(&mut variant.attrs);
                variant.fields.iter_mut().for_each(|f| strip(&mut f.attrs));
            }
        }
        syn::Data::Union(data) => data
            .fields
            .named
            .iter_mut()
            .for_each(|f| strip(&mut f.attrs)),
    }
}
