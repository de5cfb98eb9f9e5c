//! The program rustc runs as the linker of a thin module.
//!
//! playground-runtime compiles this file once per support library, next to
//! it, with four constants written after it, the bytes of four paths: `CC`
//! (the C compiler rustc would have run), `BRIDGE` (the allocator's entry
//! points), `SUPPORT` (the support library) and `DIR` (where the support
//! library is found
//! at run time). It is a compiled program, not a shell script, because a
//! shell takes longer to rewrite rustc's link line (about 25 ms for 170
//! arguments here) than lld takes to link a thin module.
//!
//! It takes rustc's link line, leaves out the dependencies' `rlib`s (but
//! compiler-builtins', which a `dylib` does not export) and adds the
//! allocator's entry points and the support library. When every argument
//! is one it knows and the line names its linker (rustc's lld, or a
//! directory whose `ld` is the linker), it runs that linker itself, with
//! the C compiler's options turned into the linker's; otherwise it runs
//! the C compiler.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let line: Vec<OsString> = std::env::args_os().skip(1).collect();
    if let Some(file) = line.iter().find(|arg| arg.as_bytes().starts_with(b"@")) {
        // A response file (rustc writes one when the line is too long for
        // the system): its rlibs cannot be left out here, so this link
        // fails and the module is linked in full.
        eprintln!(
            "playground thin linker: response files are not supported ({})",
            file.to_string_lossy()
        );
        return ExitCode::FAILURE;
    }
    let mut kept = Vec::with_capacity(line.len() + 4);
    let mut lld = false;
    let mut ld: Option<PathBuf> = None;
    let mut rust_lld: Option<PathBuf> = None;
    let mut direct = true;
    for arg in line {
        let bytes = arg.as_bytes();
        if bytes.ends_with(b".rlib") {
            let name = Path::new(&arg)
                .file_name()
                .map_or(&[][..], OsStrExt::as_bytes);
            if name.starts_with(b"libcompiler_builtins-") {
                kept.push(arg);
            }
            continue;
        }
        match bytes {
            b"-Wl,--no-undefined-version" => continue,
            b"-fuse-ld=lld" => lld = true,
            _ if bytes.starts_with(b"-B") => {
                let dir = Path::new(OsStr::from_bytes(&bytes[2..]));
                if ld.is_none() && executable(&dir.join("ld")) {
                    ld = Some(dir.join("ld"));
                }
                if executable(&dir.join("../rust-lld")) {
                    rust_lld = Some(dir.join("../rust-lld"));
                }
            }
            b"-l" => direct = false,
            b"-m64" | b"-nodefaultlibs" | b"-shared" | b"-o" | b"-L" => {}
            _ if bytes.starts_with(b"-Wl,")
                || bytes.starts_with(b"-L")
                || bytes.starts_with(b"-l")
                || bytes.starts_with(b"-fuse-ld=") => {}
            _ if bytes.starts_with(b"-") => direct = false,
            _ => {}
        }
        kept.push(arg);
    }
    if lld {
        ld = rust_lld;
    }
    let error = match ld.filter(|_| direct) {
        Some(ld) => {
            let mut args: Vec<OsString> = Vec::with_capacity(kept.len() + 8);
            if lld {
                args.extend(["-flavor".into(), "gnu".into()]);
            }
            for arg in kept {
                let bytes = arg.as_bytes();
                if let Some(words) = bytes.strip_prefix(b"-Wl,") {
                    args.extend(
                        words
                            .split(|&b| b == b',')
                            .filter(|word| !word.is_empty())
                            .map(|word| OsStr::from_bytes(word).to_owned()),
                    );
                } else if !(matches!(bytes, b"-m64" | b"-nodefaultlibs")
                    || bytes.starts_with(b"-fuse-ld=")
                    || bytes.starts_with(b"-B")
                    || bytes.starts_with(b"-l"))
                {
                    args.push(arg);
                }
            }
            if lld {
                // rustc lists every `#[no_mangle]` symbol of every crate
                // it links in the version script; those are now the
                // support library's.
                args.push("--undefined-version".into());
            }
            args.extend([os(BRIDGE), os(SUPPORT), "-rpath".into(), os(DIR)]);
            Command::new(ld).args(args).exec()
        }
        None => {
            if lld {
                kept.push("-Wl,--undefined-version".into());
            }
            kept.extend([os(BRIDGE), os(SUPPORT), os(&[b"-Wl,-rpath,", DIR].concat())]);
            Command::new(os(CC)).args(kept).exec()
        }
    };
    eprintln!("playground thin linker: {error}");
    ExitCode::FAILURE
}

/// A path's bytes as an argument.
fn os(bytes: &[u8]) -> OsString {
    OsStr::from_bytes(bytes).to_owned()
}

fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
