//! `ABI_VERSION`: a hash of this crate's sources. A module that runs typed
//! systems on the host's `World` must be built from the same sources (the
//! world's layout is not a stable ABI); views that take a `World` fold this
//! constant into their API version with `#[view(abi(...))]`.

fn main() {
    let sources = playground_build::source_hash("src");
    println!("cargo:rustc-env=PLAYGROUND_ECS_SOURCES={sources}");
}
