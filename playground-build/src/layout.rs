//! A hash of what a crate declares, not of what its functions do.

use std::path::Path;
use syn::visit_mut::{self, VisitMut};

/// A hash of the items below `dir` with every function body emptied (the
/// items declared inside a body kept) and doc comments dropped: types,
/// fields, signatures, traits, consts and statics, macros. Two builds with
/// the same hash declare the same types; they may differ in what their
/// functions do. A file that does not parse is hashed whole.
///
/// For state that outlives the code that made it: a new build whose
/// functions changed may take over the old build's live values, one whose
/// declarations changed may not. Prints `cargo:rerun-if-changed` for every
/// file, so call it from a build script.
pub fn layout_hash(dir: impl AsRef<Path>) -> u64 {
    crate::hash::hash_files(dir.as_ref(), |_, bytes| {
        let Ok(text) = String::from_utf8(bytes) else {
            return Vec::new();
        };
        match syn::parse_file(&text) {
            Ok(mut file) => {
                Declarations.visit_file_mut(&mut file);
                quote::ToTokens::to_token_stream(&file)
                    .to_string()
                    .into_bytes()
            }
            Err(_) => text.into_bytes(),
        }
    })
}

/// Empties function bodies (keeping the items in them) and drops docs.
struct Declarations;

impl Declarations {
    fn body(&mut self, block: &mut syn::Block) {
        block
            .stmts
            .retain(|stmt| matches!(stmt, syn::Stmt::Item(_)));
        visit_mut::visit_block_mut(self, block);
    }
}

impl VisitMut for Declarations {
    fn visit_attributes_mut(&mut self, attrs: &mut Vec<syn::Attribute>) {
        attrs.retain(|attr| !attr.path().is_ident("doc"));
        for attr in attrs {
            self.visit_attribute_mut(attr);
        }
    }

    fn visit_item_fn_mut(&mut self, item: &mut syn::ItemFn) {
        self.body(&mut item.block);
        visit_mut::visit_item_fn_mut(self, item);
    }

    fn visit_impl_item_fn_mut(&mut self, item: &mut syn::ImplItemFn) {
        self.body(&mut item.block);
        visit_mut::visit_impl_item_fn_mut(self, item);
    }

    fn visit_trait_item_fn_mut(&mut self, item: &mut syn::TraitItemFn) {
        if let Some(block) = &mut item.default {
            self.body(block);
        }
        visit_mut::visit_trait_item_fn_mut(self, item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(source: &str) -> String {
        let mut file = syn::parse_file(source).unwrap();
        Declarations.visit_file_mut(&mut file);
        quote::ToTokens::to_token_stream(&file).to_string()
    }

    #[test]
    fn bodies_and_docs_do_not_count() {
        let a = hash("/// A.\nstruct A(u8);\nimpl A { fn f(&self) -> u8 { self.0 + 1 } }");
        let b = hash("struct A(u8);\nimpl A { fn f(&self) -> u8 { // other\n 2 } }");
        assert_eq!(a, b);
    }

    #[test]
    fn declarations_count_even_inside_bodies() {
        let field = hash("struct A(u8);");
        assert_ne!(field, hash("struct A(u16);"));
        let signature = hash("fn f(x: u8) {}");
        assert_ne!(signature, hash("fn f(x: u16) {}"));
        let inner = hash("fn f() { struct B(u8); }");
        assert_ne!(inner, hash("fn f() { struct B(u16); }"));
        assert_eq!(inner, hash("fn f() { let x = 1; struct B(u8); }"));
        let constant = hash("const N: usize = 4;");
        assert_ne!(constant, hash("const N: usize = 5;"));
    }
}
