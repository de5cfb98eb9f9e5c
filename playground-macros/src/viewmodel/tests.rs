//! Expansion snapshots of `#[viewmodel]`.

use proc_macro2::TokenStream;
use quote::quote;

fn expand(args: TokenStream, item: TokenStream) -> String {
    crate::pretty(super::expand(args, item))
}

#[test]
fn stateless_viewmodel() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            impl Physics for Euler {
                fn step(&self, dt: f32) {}
            }
        }
    ));
}

#[test]
fn viewmodel_with_state_constructor_and_async() {
    insta::assert_snapshot!(expand(
        quote!(state(bodies, 0), new = Verlet::with_gravity),
        quote! {
            impl crate::api::Physics for Verlet {
                fn step(&self, dt: f32) {}
                async fn save(&self) -> Vec<u8> { Vec::new() }
            }
        }
    ));
}
