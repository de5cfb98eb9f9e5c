//! Expansion snapshots of `#[view]`: a change to generated code shows up as a
//! snapshot diff in review. Refresh with `INSTA_UPDATE=always cargo test -p playground-macros`.

use proc_macro2::TokenStream;
use quote::quote;

fn expand(args: TokenStream, item: TokenStream) -> String {
    crate::pretty(super::expand(args, item))
}

#[test]
fn sync_view() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            /// Moves bodies.
            pub trait Physics: Send + Sync {
                fn step(&self, dt: f32);
                fn energy(&self) -> f32;
            }
        }
    ));
}

#[test]
fn async_view_with_models() {
    insta::assert_snapshot!(expand(
        quote!(models(Body, crate::Scene)),
        quote! {
            pub trait Store: Send + Sync {
                async fn save(&self) -> Vec<u8>;
                fn body(&self, index: usize) -> Option<Body>;
            }
        }
    ));
}

#[test]
fn an_error_keeps_the_users_item() {
    let out = super::expand(
        quote!(),
        quote!(
            pub struct NotATrait;
        ),
    )
    .to_string();
    assert!(out.starts_with(":: core :: compile_error !"), "{out}");
    assert!(out.ends_with("pub struct NotATrait ;"), "{out}");
}

#[test]
fn view_with_callbacks() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            pub trait Visits: Send + Sync {
                fn each(&self, visit: &mut dyn FnMut(u32));
                fn subscribe(&self, handler: Box<dyn Fn(&str) -> bool + Send + Sync>) -> u64;
                fn check(&self, test: &(dyn Fn(u8) -> bool + Sync)) -> bool;
            }
        }
    ));
}

#[test]
fn view_returning_callbacks() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            pub trait Makes: Send + Sync {
                fn adder(&self, n: u64) -> Box<dyn Fn(u64) -> u64 + Send + Sync>;
                fn counter(&self) -> Box<dyn FnMut() -> u64 + Send>;
                fn once(&self) -> Box<dyn FnOnce(String) -> usize>;
            }
        }
    ));
}

#[test]
fn a_refused_view_keeps_a_stub() {
    // Each error once, then the trait made callable through `dyn`, an
    // `impl View` and the `Guarded` impl, so that code using it is quiet.
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            pub trait Broken: Send {
                fn step(&self, dt: f32);
                fn add<B: Into<f32>>(&self, body: B);
                fn new() -> Self;
                type Body;
                const LIMIT: usize;
            }
        }
    ));
}
