//! Link-time registrations as the macros write them: values spanned at the
//! user's item (so that rustc keeps their evaluation between builds), put
//! into their distributed slices by the runtime's `register!`.

use crate::site::{self, quote};
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident};

/// The distributed slices a registration goes into (the runtime's
/// `register!` gives each its element type).
#[derive(Clone, Copy)]
pub enum Slice {
    Manifest,
    Views,
    Models,
    ViewModels,
}

/// The registrations beside one item, in the item's block: each a static
/// `ITEM_n`, the manifest records all in one static array that reads the
/// const `RECORDS` (so that evaluating them is kept between builds, and an
/// item adds one const and one static, not one each per record: every
/// static is a few macro expansions that rustc redoes on every rebuild).
#[derive(Default)]
pub struct Registrations {
    records: Vec<TokenStream>,
    statics: Vec<TokenStream>,
}

impl Registrations {
    /// Puts `value` into `slice`.
    pub fn add(&mut self, slice: Slice, value: TokenStream) {
        let name = match slice {
            Slice::Manifest => return self.records.push(value),
            Slice::Views => quote!(VIEWS),
            Slice::Models => quote!(MODELS),
            Slice::ViewModels => quote!(VIEWMODELS),
        };
        let item = format_ident!("ITEM_{}", self.statics.len(), span = site::span());
        self.statics.push(quote! {
            __playground::register!(#name #item = #value);
        });
    }
}

impl ToTokens for Registrations {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(self.statics.iter().cloned());
        if self.records.is_empty() {
            return;
        }
        let records = &self.records;
        let count = site::number(records.len(), site::span());
        tokens.extend(quote! {
            const RECORDS: [__playground::ManifestRecord; #count] = [#(#records),*];
            __playground::register!(MANIFEST ITEMS[#count] = RECORDS);
        });
    }
}

/// `MODULE`, the path of the module the item is in, for the registrations
/// beside it (written once: `module_path!()` is a macro, whose output rustc
/// checks again on every rebuild; what reads the const is kept).
pub fn module_path() -> TokenStream {
    quote!(
        const MODULE: &str = ::core::module_path!();
    )
}
