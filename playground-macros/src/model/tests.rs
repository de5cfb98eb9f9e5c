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
