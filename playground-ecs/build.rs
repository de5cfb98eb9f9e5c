//! `ABI_VERSION`: a hash of what this crate declares (its items with
//! function bodies emptied, see `playground_build::layout_hash`), over
//! every `.rs` file below `src/`, those in its folders too, each with its
//! path; the build script reruns when any of them changes. A module
//! that runs typed systems on the host's `World`, and an ECS module that
//! takes over a running world, must be built from the same declarations
//! (Rust lays out types with no stable ABI); views that take a `World`
//! fold this constant into their API version with `#[view(abi(...))]`.

fn main() {
    let layout = playground_build::layout_hash("src");
    println!("cargo:rustc-env=PLAYGROUND_ECS_SOURCES={layout}");
}
