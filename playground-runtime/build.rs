//! Computes the toolchain fingerprint that a module must share with the host:
//! rustc's exact version, the target, this crate's version and a hash of its
//! sources (another build of the runtime may lay out its types differently).

use std::path::Path;
use std::process::Command;

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

    let mut files = Vec::new();
    collect(Path::new("src"), &mut files);
    files.sort();
    // FNV-1a: a build script should not need a hashing dependency, and
    // this hash only has to tell two builds of these sources apart.
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
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rustc-env=PLAYGROUND_RUSTC={version}");
    println!("cargo:rustc-env=PLAYGROUND_TARGET={target}");
    println!("cargo:rustc-env=PLAYGROUND_RUNTIME_SOURCES={hash:016x}");
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
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
