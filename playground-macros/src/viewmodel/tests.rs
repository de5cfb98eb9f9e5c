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

/// The impl comes out as it went in, bodies and all, though only its
/// signatures are read (a brace group in a signature, as a const generic
/// argument, is no body).
#[test]
fn the_impl_is_written_out_as_it_came() {
    let item = quote! {
        impl Physics for Euler {
            fn step(&self, dt: f32) -> Grid<{ 2 }> {
                let grid = Grid::<{ 2 }>::new();
                grid.scaled(dt)
            }
            async fn energy(&self) -> f32 { { 1.0 } }
        }
    };
    let out = super::expand(quote!(), item.clone()).to_string();
    assert!(out.contains(&item.to_string()), "{out}");
    assert!(
        out.contains("async_trait"),
        "an async method still goes through async-trait: {out}"
    );
}
