//! Build-script helper: hashes of a crate's sources, for build fingerprints.
//!
//! Rust has no stable ABI, so a library built from other sources may lay
//! its types out differently. The runtime's build fingerprint hashes the
//! code of its `src/` tree but for the developer's tools ([`code_hash`]:
//! comments, doc comments and whitespace do not count); the ECS's
//! `ABI_VERSION` hashes only what it declares ([`layout_hash`]), so that a
//! build whose function bodies changed can take over a running world.
//!
//! ```no_run
//! // build.rs
//! let hash = playground_build::source_hash("src");
//! println!("cargo:rustc-env=MY_SOURCES={hash:016x}");
//! ```
//!
//! Without its default feature `hash` (which needs syn), it is only
//! [`copy_sources`], for tools and tests that copy a crate: no parser is
//! compiled for them.

#[cfg(feature = "hash")]
mod hash;
#[cfg(feature = "hash")]
mod layout;
#[cfg(feature = "hash")]
pub use hash::{Token, code_hash, source_hash, walk_tokens};
#[cfg(feature = "hash")]
pub use layout::layout_hash;

use std::path::Path;

/// Copies the crate directory (or any source tree) `from` to `to`, folders
/// included, leaving out `target` and `snapshots` folders (build output
/// and test snapshots): what a test or a bench needs to build a crate of
/// the workspace elsewhere.
pub fn copy_sources(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" || name == "snapshots" {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_sources(&entry.path(), &to.join(&name))?;
        } else {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}
