//! Build-script helper: a hash of a crate's sources.
//!
//! The runtime's toolchain fingerprint and the ECS's `ABI_VERSION` tell two
//! builds of a crate apart by hashing its `src/` tree: Rust has no stable
//! ABI, so a library built from other sources may lay its types out
//! differently.
//!
//! ```no_run
//! // build.rs
//! let hash = playground_build::source_hash("src");
//! println!("cargo:rustc-env=MY_SOURCES={hash:016x}");
//! ```

use std::path::{Path, PathBuf};

/// FNV-1a over the paths and contents of every `.rs` file below `dir`, in
/// sorted order; prints `cargo:rerun-if-changed` for each (so call it from
/// a build script). FNV because a build script should stay dependency-free
/// and this hash only has to tell two versions of the sources apart.
pub fn source_hash(dir: impl AsRef<Path>) -> u64 {
    let dir = dir.as_ref();
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &files {
        let mut bytes = file.to_string_lossy().into_owned().into_bytes();
        bytes.extend(std::fs::read(file).unwrap_or_default());
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
