//! Expansion snapshots of `#[model]`.

use proc_macro2::TokenStream;
use quote::quote;

fn expand(args: TokenStream, item: TokenStream) -> String {
    crate::pretty(super::expand(args, item))
}

#[test]
fn struct_model() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            #[derive(Debug, Clone)]
            pub struct Body {
                pub pos: [f32; 3],
                #[serde(with = "my_format")]
                pub vel: [f32; 3],
            }
        }
    ));
}

#[test]
fn generic_model_with_a_stable_name() {
    insta::assert_snapshot!(expand(
        quote!(name = "Pair"),
        quote!(
            pub struct Pair<T>(pub T, pub T);
        )
    ));
}

#[test]
fn enum_model() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote!(
            pub enum Shape {
                Empty,
                Circle(f32),
                Rect { w: f32, h: f32 },
            }
        )
    ));
}

#[test]
fn a_refused_model_keeps_a_stub() {
    // Each error once, then the item without its serde attributes and a
    // stub `impl Model`, so that code using it is quiet.
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            #[derive(Clone)]
            pub struct Player {
                pub name: &'static str,
                #[serde(flatten)]
                pub stats: Stats,
            }
        }
    ));
}
