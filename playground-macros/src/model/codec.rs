//! `#[model]`'s own serde impls for a struct with named fields, no type
//! parameters and no serde attributes (the runtime's `contract::codec`): a
//! line or two per field over generic code, instead of serde's derives,
//! which the compiler would expand and check again on every rebuild of the
//! module. The format is the derives' own. Any other model keeps serde's
//! derives.

use crate::site::{self, quote};
use proc_macro2::TokenStream;
use quote::quote_spanned;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

/// At most this many fields: a map's fields are gathered in a tuple of
/// `Option`s, and `Default` is implemented for tuples of up to 12.
const MAX_FIELDS: usize = 12;

/// Whether `item` gets `#[model]`'s own serde impls.
pub fn applies(item: &syn::DeriveInput) -> bool {
    let syn::Data::Struct(data) = &item.data else {
        return false;
    };
    let syn::Fields::Named(fields) = &data.fields else {
        return false;
    };
    item.generics.params.is_empty()
        && fields.named.len() <= MAX_FIELDS
        && !item.attrs.iter().any(adds_serde)
        && !fields.named.iter().any(|f| f.attrs.iter().any(adds_serde))
}

/// The impls of `Serialize`, `Deserialize` and `NamedFields` for `item`
/// (which [`applies`]); a field whose entry in `saveable` is true is
/// encoded through `Field<T>`, whose bound reports a type that cannot be
/// saved once, at the field; any other through `serde_field`.
pub fn generate(item: &syn::DeriveInput, saveable: &[bool]) -> TokenStream {
    let syn::Data::Struct(syn::DataStruct {
        fields: syn::Fields::Named(fields),
        ..
    }) = &item.data
    else {
        unreachable!("`applies` holds");
    };
    let ident = &item.ident;
    let name = ident.unraw().to_string();
    let count = fields.named.len();
    let expecting = format!("struct {name} with {count} elements");
    let idents: Vec<_> = fields
        .named
        .iter()
        .map(|f| f.ident.as_ref().expect("named"))
        .collect();
    let names: Vec<String> = idents.iter().map(|i| i.unraw().to_string()).collect();
    let types: Vec<_> = fields.named.iter().map(|f| &f.ty).collect();
    // Each call is spanned at its field's type. Through `Field<T>`, it
    // names the type by an argument, as `Model::FIELDS` does, so that a
    // type that cannot be saved is reported once, at the field; through
    // `serde_field`, the type is the field's own, inferred (fewer tokens
    // for rustc to take from the macro and parse on every rebuild).
    let (mut puts, mut elements, mut values, mut takes) = (vec![], vec![], vec![], vec![]);
    for (i, (ty, &saveable)) in types.iter().zip(saveable).enumerate() {
        let (route, marker) = match saveable {
            true => (
                quote_spanned!(ty.span()=> __playground::Field),
                quote_spanned!(ty.span()=> __playground::PhantomData::<#ty>,),
            ),
            false => (
                quote_spanned!(ty.span()=> __playground::serde_field),
                quote!(),
            ),
        };
        let span = ty.span();
        let (name, ident) = (site::text(&names[i], span), idents[i]);
        let index = syn::Index {
            index: i as u32,
            span,
        };
        let expecting = site::text(&expecting, span);
        puts.push(quote_spanned! {ty.span()=>
            #route::put(#marker &mut __fields, #name, &self.#ident)?;
        });
        elements.push(quote_spanned! {ty.span()=>
            #route::element(#marker __seq, #index, #expecting)?
        });
        values.push(quote_spanned! {ty.span()=>
            #route::value(#marker &mut __slots.#index, #name, __map)
        });
        takes.push(quote_spanned! {ty.span()=>
            #route::take(#marker __slots.#index, #name)?
        });
    }
    let serde = quote!(__playground::serde);
    let at = site::span();
    let name = site::text(&name, at);
    let count = site::number(count, at);
    let expecting = site::text(&expecting, at);
    let names = names.iter().map(|name| site::text(name, at));
    let indices = (0..idents.len()).map(|index| site::number(index, at));
    quote! {
        impl #serde::Serialize for #ident {
            fn serialize<__S: #serde::Serializer>(&self, __serializer: __S) -> __playground::Result<__S::Ok, __S::Error> {
                #[allow(unused_mut)]
                let mut __fields = #serde::Serializer::serialize_struct(__serializer, #name, #count)?;
                #(#puts)*
                #serde::ser::SerializeStruct::end(__fields)
            }
        }

        impl<'de> #serde::Deserialize<'de> for #ident {
            fn deserialize<__D: #serde::Deserializer<'de>>(__deserializer: __D) -> __playground::Result<Self, __D::Error> {
                __playground::deserialize_named(__deserializer)
            }
        }

        impl __playground::NamedFields for #ident {
            const NAME: &'static str = #name;
            const FIELDS: &'static [&'static str] = &[#(#names),*];
            const EXPECTING: &'static str = #expecting;
            type Slots = (#(__playground::Option<#types>,)*);
            fn from_seq<'de, __A: #serde::de::SeqAccess<'de>>(__seq: &mut __A) -> __playground::Result<Self, __A::Error> {
                __playground::Result::Ok(Self { #(#idents: #elements),* })
            }
            fn read_field<'de, __A: #serde::de::MapAccess<'de>>(__slots: &mut Self::Slots, __index: usize, __map: &mut __A) -> __playground::Result<(), __A::Error> {
                match __index {
                    #(#indices => #values,)*
                    _ => __playground::Result::Ok(()),
                }
            }
            fn from_slots<__E: #serde::de::Error>(__slots: Self::Slots) -> __playground::Result<Self, __E> {
                __playground::Result::Ok(Self { #(#idents: #takes),* })
            }
        }
    }
}

/// Whether `attr` is `#[serde(..)]`, or a `#[cfg_attr(..)]` that may add
/// one (already refused; kept, it would be one more error once expanded).
pub fn adds_serde(attr: &syn::Attribute) -> bool {
    if attr.path().is_ident("serde") {
        return true;
    }
    if !attr.path().is_ident("cfg_attr") {
        return false;
    }
    let Ok(list) = attr.meta.require_list() else {
        return false;
    };
    list.tokens
        .clone()
        .into_iter()
        .any(|token| matches!(&token, proc_macro2::TokenTree::Ident(ident) if ident == "serde"))
}
