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
    records: Records,
    statics: Vec<TokenStream>,
}

/// An item's manifest records: each written out, or one call that makes
/// them all (a view's and its methods', a model's and its fields').
enum Records {
    Each(Vec<TokenStream>),
    All { array: TokenStream, count: usize },
}

impl Default for Records {
    fn default() -> Self {
        Records::Each(Vec::new())
    }
}

impl Registrations {
    /// Puts `array`, an expression of `count` manifest records, into the
    /// manifest: all of the item's records.
    pub fn add_records(&mut self, array: TokenStream, count: usize) {
        debug_assert!(matches!(&self.records, Records::Each(each) if each.is_empty()));
        self.records = Records::All { array, count };
    }

    /// Puts `value` into `slice`.
    pub fn add(&mut self, slice: Slice, value: TokenStream) {
        let name = match slice {
            Slice::Manifest => {
                let Records::Each(each) = &mut self.records else {
                    unreachable!("an item's records are written one way");
                };
                return each.push(value);
            }
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
        let (array, count) = match &self.records {
            Records::Each(each) if each.is_empty() => return,
            Records::Each(each) => (quote!([#(#each),*]), each.len()),
            Records::All { array, count } => (array.clone(), *count),
        };
        let count = site::number(count, site::span());
        tokens.extend(quote! {
            const RECORDS: [__playground::ManifestRecord; #count] = #array;
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
