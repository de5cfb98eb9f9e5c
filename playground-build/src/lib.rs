//! Build-script helper: hashes of a crate's sources, for build fingerprints.
//!
//! Rust has no stable ABI, so a library built from other sources may lay
//! its types out differently. The runtime's toolchain fingerprint hashes
//! its whole `src/` tree ([`source_hash`]); the ECS's `ABI_VERSION` hashes
//! only what it declares ([`layout_hash`]), so that a build whose function
//! bodies changed can take over a running world.
//!
//! ```no_run
//! // build.rs
//! let hash = playground_build::source_hash("src");
//! println!("cargo:rustc-env=MY_SOURCES={hash:016x}");
//! ```

use std::path::{Path, PathBuf};

mod layout;
pub use layout::layout_hash;

/// FNV-1a over the paths and contents of every `.rs` file below `dir`, in
/// sorted order; prints `cargo:rerun-if-changed` for each (so call it from
/// a build script). FNV because this hash only has to tell two versions of
/// the sources apart.
pub fn source_hash(dir: impl AsRef<Path>) -> u64 {
    hash_files(dir.as_ref(), |_, bytes| bytes)
}

/// FNV-1a over the sorted `.rs` files below `dir`: each one's path
/// relative to `dir`, then what `content` makes of its bytes.
fn hash_files(dir: &Path, content: impl Fn(&Path, Vec<u8>) -> Vec<u8>) -> u64 {
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &files {
        let relative = file.strip_prefix(dir).unwrap_or(file);
        let mut bytes = relative.to_string_lossy().into_owned().into_bytes();
        bytes.extend(content(file, std::fs::read(file).unwrap_or_default()));
        for byte in bytes {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        println!("cargo:rerun-if-changed={}", file.display());
    }
    println!("cargo:rerun-if-changed={}", dir.display());
    hash
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}
