//! Computes the toolchain fingerprint that a module must share with the host:
//! rustc's exact version, the target, this crate's version and a hash of its
//! code (another build of the runtime may lay out its types differently).
//!
//! The hash leaves out what cannot make two builds incompatible: comments,
//! doc comments and whitespace, and the developer's tools, which no module
//! runs and whose types cannot cross a view (the build helper, the watcher,
//! the inspector).

use std::process::Command;

/// The tools layer and the inspector, relative to `src/`.
const TOOLS: &[&str] = &["tools", "bin"];

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(&rustc)
        .arg("-V")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "rustc (unknown)".into());
    let target = std::env::var("TARGET").unwrap_or_default();
    let sources = playground_build::code_hash("src", TOOLS);
    println!("cargo:rustc-env=PLAYGROUND_RUSTC={version}");
    println!("cargo:rustc-env=PLAYGROUND_TARGET={target}");
    println!("cargo:rustc-env=PLAYGROUND_RUNTIME_SOURCES={sources:016x}");
}
