//! Tests of the macros as a whole: what every expansion writes.

use proc_macro2::{TokenStream, TokenTree};

/// The tokens of `tokens` spanned at the call site (which has no
/// extent; every token parsed from text has one).
fn at_call_site(tokens: TokenStream, found: &mut Vec<String>) {
    for token in tokens {
        let span = token.span();
        if span.start() == span.end() {
            found.push(token.to_string());
        }
        if let TokenTree::Group(group) = token {
            at_call_site(group.stream(), found);
        }
    }
}

fn check(expand: fn(TokenStream, TokenStream) -> TokenStream, args: &str, item: &str) {
    let args: TokenStream = args.parse().expect("arguments parse");
    let item: TokenStream = item.parse().expect("item parses");
    let out = crate::site::at(item, |item| expand(args, item));
    let mut found = Vec::new();
    at_call_site(out, &mut found);
    assert!(found.is_empty(), "generated at the call site: {found:?}");
}

#[test]
fn every_token_the_macros_write_is_spanned_at_the_users_code() {
    check(
        crate::model::expand,
        "",
        "#[derive(Clone, Default)] pub struct Visit { pub name: String, pub at: u64, pub tags: Vec<Tag> }",
    );
    check(
        crate::model::expand,
        r#"name = "Shape", migrate_from(OldShape)"#,
        "pub enum Shape { Empty, Circle(f32), Rect { w: f32, h: f32 } }",
    );
    check(
        crate::model::expand,
        "",
        "pub struct Pair<T>(pub T, pub T);",
    );
    check(
        crate::model::expand,
        "",
        "pub struct Wide { #[serde(rename = \"x\")] pub a: u8 }",
    );
    check(
        crate::view::expand,
        "models(Visit)",
        "pub trait Guestbook: Send + Sync { fn greet(&self, name: &str) -> String; \
         async fn visits(&self) -> Vec<Visit>; fn each(&self, f: &dyn Fn(u32)); }",
    );
    check(
        crate::viewmodel::expand,
        "state(book), pools(entries), new = Doorman::open",
        "impl Guestbook for Doorman { fn greet(&self, name: &str) -> String { name.into() } \
         async fn visits(&self) -> Vec<Visit> { Vec::new() } fn each(&self, f: &dyn Fn(u32)) { f(1) } }",
    );
    check(
        |_, item| crate::fingerprint::derive(item),
        "",
        "#[fingerprint(opaque(glam::Vec3))] pub struct Hit<T> { pub at: glam::Vec3, pub what: T }",
    );
}
