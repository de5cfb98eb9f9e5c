//! Thin links: a direct rebuild links the module's own code only, against
//! a shared support library that holds everything else the module links
//! (its dependencies, the runtime, std), made once per set of
//! dependencies.
//!
//! A module's rebuild compiles one crate, but a full link reads every
//! library that crate depends on, std included, and copies what it uses
//! into the module: most of a link's time, on every edit. The support
//! library is a Rust `dylib` that links the module's dependencies whole
//! and exports their symbols. A thin link is rustc's own link line for the
//! module with the dependencies' `rlib`s left out and the support library
//! put in their place, so the module's code calls the same functions of
//! the same builds of the same crates, and uses one std: a panic unwinds
//! through one runtime, memory is allocated and freed by one allocator.
//!
//! Each image keeps what must be its own: the module's registrations and
//! exports are the module crate's code ([`export_module!`](crate::export_module)),
//! read by the loader from the module's file and from its support
//! library's. rustc writes the allocator's entry points into the module
//! (hidden symbols that call std's, which a `dylib` does not export); a
//! small object made with the support library gives them the same
//! implementation, the system allocator's, through std's own code.

use std::ffi::{OsStr, OsString};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Bumped when what a support directory holds changes.
const LAYOUT: u32 = 8;

/// Why a module cannot be linked thin: it is then linked in full, as
/// without thin links.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SupportError {
    /// A file of the support library could not be written or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// rustc failed to build the support library or the allocator's
    /// entry points.
    #[error("building {what} failed: {stderr}")]
    Rustc {
        /// What was built.
        what: &'static str,
        /// rustc's messages.
        stderr: String,
    },
    /// The support library does not export the allocator rustc's entry
    /// points call (a `#[global_allocator]` among the dependencies).
    #[error("{library} exports no `__rust_alloc`: not the system allocator")]
    NoAllocator {
        /// The support library.
        library: PathBuf,
    },
    /// This program exports Rust symbols of its own (linked with
    /// `-rdynamic`, say): a module's calls could bind to this program's
    /// copies of its dependencies instead of the support library's.
    #[error("this program exports Rust symbols, which a thin module's calls could bind to")]
    HostExportsRust,
}

/// A support library, ready: what a thin link adds to rustc's command.
#[derive(Debug, Clone)]
pub(crate) struct Support {
    /// The shared library of the module's dependencies.
    pub(crate) library: PathBuf,
    /// The program rustc runs as its linker: the C compiler rustc would
    /// run, given rustc's arguments less the dependencies' `rlib`s, plus
    /// the allocator's entry points and the support library.
    pub(crate) linker: PathBuf,
}

impl Support {
    /// The support library for the module built by `program` `args` (its
    /// direct rebuild's rustc command), made in `dir` if it is not there
    /// yet. Takes about a second when it is made (rustc links every
    /// dependency once); found, it is a few file checks.
    pub(crate) fn prepare(
        program: &OsStr,
        args: &[OsString],
        dir: &Path,
    ) -> Result<Support, SupportError> {
        if host_exports_rust() {
            return Err(SupportError::HostExportsRust);
        }
        let key = key(program, args);
        let name = format!("playground_support_{key:016x}");
        // One directory per module crate, one support library in it: the
        // one for its current dependencies.
        let krate = args
            .windows(2)
            .find(|w| w[0] == "--crate-name")
            .map_or_else(|| "module".into(), |w| w[1].to_string_lossy().into_owned());
        let crate_dir = dir.join(&krate);
        let dir = crate_dir.join(format!("{key:016x}"));
        let files = |dir: &Path| {
            (
                dir.join(format!("lib{name}.so")),
                dir.join("allocator.o"),
                // Named as a C compiler: rustc tells a linker's kind by
                // its name.
                dir.join("cc"),
            )
        };
        let (library, bridge, linker) = files(&dir);
        if library.is_file() && bridge.is_file() && linker.is_file() {
            return Ok(Support { library, linker });
        }
        // Made aside and moved into place whole: another program making
        // the same one meanwhile (two hosts of one module) never sees, or
        // links against, half of it.
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| SupportError::Io { path, source }
        };
        let aside = dir.with_extension(format!("partial-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&aside);
        std::fs::create_dir_all(&aside).map_err(io(&aside))?;
        let made = make(program, args, &name, &aside, &dir);
        let moved = made.and_then(|()| match std::fs::rename(&aside, &dir) {
            Ok(()) => Ok(()),
            // Made by another meanwhile: theirs is as good.
            Err(_) if linker.is_file() => Ok(()),
            Err(source) => Err(SupportError::Io {
                path: dir.clone(),
                source,
            }),
        });
        let _ = std::fs::remove_dir_all(&aside);
        moved?;
        // The ones for the crate's earlier dependencies: no rebuild links
        // against them again (a library loaded from one keeps its copy);
        // and what a program that stopped while making one left.
        for entry in std::fs::read_dir(&crate_dir)
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = entry.path();
            let maker = path
                .extension()
                .and_then(|e| e.to_str()?.strip_prefix("partial-"))
                .map(|pid| Path::new("/proc").join(pid));
            if path != dir && maker.is_none_or(|maker| !maker.exists()) {
                let _ = std::fs::remove_dir_all(&path);
            }
        }
        tracing::info!(library = %library.display(), "support library made: rebuilds link thin");
        Ok(Support { library, linker })
    }

    /// rustc's arguments that link thin: this support's linker, which
    /// runs the C compiler rustc would have run.
    pub(crate) fn linker_args(&self) -> Vec<OsString> {
        let mut linker = OsString::from("linker=");
        linker.push(&self.linker);
        vec!["-C".into(), linker]
    }
}

/// Whether `library`, linked thin, reads its own registrations: the
/// bounds of its sections (`__start_linkme_*`, `__stop_linkme_*`) are
/// defined in it, not left for another image to provide. A linker that
/// does not make them for a library linked against one that exports
/// them would leave the module reading that library's registrations.
pub(crate) fn reads_its_own_sections(library: &Path) -> bool {
    use object::{Object, ObjectSymbol};
    let Ok(bytes) = std::fs::read(library) else {
        return false;
    };
    let Ok(file) = object::File::parse(&*bytes) else {
        return false;
    };
    !file.dynamic_symbols().any(|symbol| {
        symbol.is_undefined()
            && symbol.name().is_ok_and(|name| {
                name.starts_with("__start_linkme_") || name.starts_with("__stop_linkme_")
            })
    })
}

/// Makes the support library `name` of the module built by `program`
/// `args` in `aside`, to be moved to `dir` (which the linker script names).
fn make(
    program: &OsStr,
    args: &[OsString],
    name: &str,
    aside: &Path,
    dir: &Path,
) -> Result<(), SupportError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| SupportError::Io { path, source }
    };
    let library = format!("lib{name}.so");
    // The linker is compiled meanwhile, on the other core, and linked by
    // the C compiler the module's command names.
    let cc = original_linker(args);
    let linking = Linker::start(
        program,
        &linker_source(&cc, &dir.join("allocator.o"), &dir.join(&library)),
        &cc,
        aside,
    )?;
    let source = aside.join("lib.rs");
    std::fs::write(&source, support_source(args)).map_err(io(&source))?;
    let mut command = Command::new(program);
    command
        .arg("--crate-name")
        .arg(name)
        .args(["--edition", "2021", "--crate-type", "dylib", "--emit=link"])
        .args(["--cap-lints", "allow", "--out-dir"])
        .arg(aside)
        .arg(&source)
        .args(shared_options(args))
        // The bounds of its registration sections stay its own: a
        // module's must be the module's, which some linkers (wild) would
        // otherwise take from the support library.
        .args(["-C", "link-arg=-Wl,-z,start-stop-visibility=hidden"]);
    rustc(command, "the support library")?;
    let prefix = allocator_prefix(&aside.join(&library))?;
    let bridge_source = aside.join("allocator.rs");
    std::fs::write(&bridge_source, bridge_source_text(&prefix)).map_err(io(&bridge_source))?;
    let mut command = Command::new(program);
    command
        .args(["--crate-name", "playground_allocator"])
        .args(["--edition", "2021", "--crate-type", "lib"])
        .args(["--cap-lints", "allow", "-C", "opt-level=1"])
        .arg(format!(
            "--emit=obj={}",
            aside.join("allocator.o").display()
        ))
        .arg(&bridge_source)
        .args(target_options(args));
    rustc(command, "the allocator's entry points")?;
    linking.wait()
}

/// Names the support library: a hash of the rustc command (its
/// dependencies' paths, the options they were built for) and of each
/// dependency's size and modification time (cargo rebuilds a path
/// dependency into the same file name).
fn key(program: &OsStr, args: &[OsString]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    LAYOUT.hash(&mut hasher);
    program.hash(&mut hasher);
    args.hash(&mut hasher);
    for (_, path) in externs(args) {
        crate::tools::direct::stamp(Path::new(&path)).hash(&mut hasher);
    }
    hasher.finish()
}

/// The `--extern NAME=PATH` of the command whose `PATH` is an `rlib`
/// (proc macros are not linked).
fn externs(args: &[OsString]) -> impl Iterator<Item = (String, String)> + '_ {
    args.windows(2)
        .filter(|w| w[0] == "--extern")
        .filter_map(|w| {
            let (name, path) = w[1].to_str()?.split_once('=')?;
            let name = name.rsplit(':').next()?; // `priv:` and other modifiers
            path.ends_with(".rlib")
                .then(|| (name.to_owned(), path.to_owned()))
        })
}

/// The support crate: every dependency of the module, linked whole.
fn support_source(args: &[OsString]) -> String {
    let mut text =
        String::from("//! Made by playground-runtime: a module's dependencies, linked whole.\n");
    for (name, _) in externs(args) {
        text.push_str(&format!("pub extern crate {name};\n"));
    }
    text
}

/// The options of the module's command the support library is built
/// with: where the dependencies are, the target, and every codegen
/// option but the module crate's own (its incremental directory, its
/// symbol hash).
fn shared_options(args: &[OsString]) -> Vec<OsString> {
    let mut kept = Vec::new();
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let text = word.to_string_lossy();
        match text.as_ref() {
            "-L" | "--extern" | "--target" | "--sysroot" | "-Z" => {
                kept.push(word.clone());
                kept.extend(words.next().cloned());
            }
            "-C" => {
                if let Some(option) = words.next()
                    && codegen_shared(&option.to_string_lossy())
                {
                    kept.extend([word.clone(), option.clone()]);
                }
            }
            _ if text.starts_with("-C") && codegen_shared(&text[2..]) => kept.push(word.clone()),
            _ if text.starts_with("-L") || text.starts_with("--target=") => kept.push(word.clone()),
            _ => {}
        }
    }
    kept
}

/// Whether a codegen option of the module's command applies to its
/// support library too.
fn codegen_shared(option: &str) -> bool {
    let name = option.split('=').next().unwrap_or(option);
    !matches!(
        name,
        "incremental" | "metadata" | "extra-filename" | "embed-bitcode"
    )
}

/// The target and panic strategy of the module's command: what the
/// allocator's entry points are compiled for.
fn target_options(args: &[OsString]) -> Vec<OsString> {
    let mut kept = Vec::new();
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let text = word.to_string_lossy();
        if text == "--target" || text == "--sysroot" {
            kept.push(word.clone());
            kept.extend(words.next().cloned());
        } else if text == "-C" {
            if let Some(option) = words.next()
                && option.to_string_lossy().starts_with("panic=")
            {
                kept.extend([word.clone(), option.clone()]);
            }
        } else if text.starts_with("-Cpanic=") || text.starts_with("--target=") {
            kept.push(word.clone());
        }
    }
    kept
}

/// The linker the module's command names (`-C linker=`), else the C
/// compiler rustc runs by default.
fn original_linker(args: &[OsString]) -> OsString {
    let mut found = OsString::from("cc");
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let text = word.to_string_lossy();
        let option = if text == "-C" {
            words.next().map(|o| o.to_string_lossy().into_owned())
        } else {
            text.strip_prefix("-C").map(str::to_owned)
        };
        if let Some(linker) = option.as_deref().and_then(|o| o.strip_prefix("linker=")) {
            found = linker.into();
        }
    }
    found
}

fn rustc(mut command: Command, what: &'static str) -> Result<(), SupportError> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|error| SupportError::Rustc {
            what,
            stderr: error.to_string(),
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(SupportError::Rustc {
            what,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}

/// How the allocator's symbols are named in this toolchain, read from
/// the support library's exported `__rust_alloc`: rustc names them in
/// v0 mangling under a crate of its own (`_RNvCs..._7___rustc12___rust_alloc`),
/// or plainly in older toolchains.
fn allocator_prefix(library: &Path) -> Result<String, SupportError> {
    use object::{Object, ObjectSymbol};
    let bytes = std::fs::read(library).map_err(|source| SupportError::Io {
        path: library.to_owned(),
        source,
    })?;
    let file = object::File::parse(&*bytes).map_err(|error| SupportError::Io {
        path: library.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, error),
    })?;
    let missing = || SupportError::NoAllocator {
        library: library.to_owned(),
    };
    file.dynamic_symbols()
        .filter(|symbol| !symbol.is_undefined())
        .find_map(|symbol| {
            let name = symbol.name().ok()?;
            if name == "__rust_alloc" {
                return Some(String::new());
            }
            name.strip_suffix("12___rust_alloc")
                .filter(|prefix| prefix.starts_with("_R") && prefix.ends_with("___rustc"))
                .map(str::to_owned)
        })
        .ok_or_else(missing)
}

/// The allocator's entry point `name` (`__rdl_alloc`, ...) as rustc names
/// it with `prefix` (see [`allocator_prefix`]).
fn allocator_symbol(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        // v0: the identifier's length, `_` since it starts with one.
        format!("{prefix}{}_{name}", name.len())
    }
}

/// The allocator's entry points, as std defines them for the system
/// allocator: what the module's `__rust_alloc` and the others call.
fn bridge_source_text(prefix: &str) -> String {
    let alloc = allocator_symbol(prefix, "__rdl_alloc");
    let dealloc = allocator_symbol(prefix, "__rdl_dealloc");
    let realloc = allocator_symbol(prefix, "__rdl_realloc");
    let zeroed = allocator_symbol(prefix, "__rdl_alloc_zeroed");
    format!(
        r#"//! Made by playground-runtime: the allocator's entry points of a thin module.
#![no_std]
extern crate std;
use core::alloc::{{GlobalAlloc, Layout}};
use std::alloc::System;

#[unsafe(export_name = "{alloc}")]
pub unsafe fn alloc(size: usize, align: usize) -> *mut u8 {{
    unsafe {{ System.alloc(Layout::from_size_align_unchecked(size, align)) }}
}}

#[unsafe(export_name = "{dealloc}")]
pub unsafe fn dealloc(ptr: *mut u8, size: usize, align: usize) {{
    unsafe {{ System.dealloc(ptr, Layout::from_size_align_unchecked(size, align)) }}
}}

#[unsafe(export_name = "{realloc}")]
pub unsafe fn realloc(ptr: *mut u8, size: usize, align: usize, new_size: usize) -> *mut u8 {{
    unsafe {{ System.realloc(ptr, Layout::from_size_align_unchecked(size, align), new_size) }}
}}

#[unsafe(export_name = "{zeroed}")]
pub unsafe fn alloc_zeroed(size: usize, align: usize) -> *mut u8 {{
    unsafe {{ System.alloc_zeroed(Layout::from_size_align_unchecked(size, align)) }}
}}
"#
    )
}

/// The program rustc runs as a thin module's linker
/// (`thin-linker/main.rs`), with what it adds to the link line: `CC`, the
/// C compiler rustc would run; the allocator's entry points `bridge`; the
/// support `library`, found at run time where it was made.
fn linker_source(cc: &OsStr, bridge: &Path, library: &Path) -> String {
    let dir = library.parent().unwrap_or(Path::new("."));
    format!(
        "{}\nconst CC: &[u8] = {};\nconst BRIDGE: &[u8] = {};\nconst SUPPORT: &[u8] = {};\n\
         const DIR: &[u8] = {};\n",
        include_str!("../../thin-linker/main.rs"),
        byte_string(cc),
        byte_string(bridge.as_os_str()),
        byte_string(library.as_os_str()),
        byte_string(dir.as_os_str()),
    )
}

/// `text`'s bytes as a Rust byte string literal: a path that is not UTF-8
/// is written as it is.
fn byte_string(text: &OsStr) -> String {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(text);
    #[cfg(not(unix))]
    let lossy = text.to_string_lossy();
    #[cfg(not(unix))]
    let bytes = lossy.as_bytes();
    let escaped: String = bytes
        .iter()
        .flat_map(|&byte| std::ascii::escape_default(byte))
        .map(char::from)
        .collect();
    format!("b\"{escaped}\"")
}

/// The linker of a support library, being compiled.
struct Linker {
    /// rustc, compiling it.
    child: Option<std::process::Child>,
    /// Its source, for errors.
    source: PathBuf,
}

impl Linker {
    /// Starts compiling `source` into `dir/cc` (named as a C compiler:
    /// rustc tells a linker's kind by its name) with rustc `program`,
    /// linked by the C compiler `cc`.
    fn start(
        program: &OsStr,
        source: &str,
        cc: &OsStr,
        dir: &Path,
    ) -> Result<Linker, SupportError> {
        let mut linker = OsString::from("linker=");
        linker.push(cc);
        let path = dir.join("linker.rs");
        std::fs::write(&path, source).map_err(|source| SupportError::Io {
            path: path.clone(),
            source,
        })?;
        let child = Command::new(program)
            .args([
                "--crate-name",
                "playground_thin_linker",
                "--edition",
                "2021",
            ])
            .args(["--crate-type", "bin", "--cap-lints", "allow"])
            .args([
                "-C",
                "opt-level=1",
                "-C",
                "debuginfo=0",
                "-C",
                "strip=symbols",
            ])
            .arg("-C")
            .arg(linker)
            .arg("-o")
            .arg(dir.join("cc"))
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| SupportError::Rustc {
                what: "the linker",
                stderr: error.to_string(),
            })?;
        Ok(Linker {
            child: Some(child),
            source: path,
        })
    }

    /// Waits until it is compiled.
    fn wait(mut self) -> Result<(), SupportError> {
        let Some(child) = self.child.take() else {
            return Ok(());
        };
        let output = child
            .wait_with_output()
            .map_err(|source| SupportError::Io {
                path: self.source.clone(),
                source,
            })?;
        if output.status.success() {
            Ok(())
        } else {
            Err(SupportError::Rustc {
                what: "the linker",
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            })
        }
    }
}

impl Drop for Linker {
    /// Not waited for (the support library failed): stopped.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether this program's dynamic symbol table holds Rust symbols (it was
/// linked with `-rdynamic` or `-Z export-executable-symbols`): read once.
fn host_exports_rust() -> bool {
    static EXPORTS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *EXPORTS.get_or_init(|| {
        use object::{Object, ObjectSymbol};
        // Read in the parts needed only: a debug build's program is large.
        let Ok(exe) = std::fs::File::open("/proc/self/exe") else {
            return true;
        };
        let cache = object::ReadCache::new(exe);
        let Ok(file) = object::File::parse(&cache) else {
            return true;
        };
        file.dynamic_symbols().any(|symbol| {
            !symbol.is_undefined()
                && symbol
                    .name()
                    .is_ok_and(|name| name.starts_with("_ZN") || name.starts_with("_R"))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<OsString> {
        text.split(' ').map(OsString::from).collect()
    }

    #[test]
    fn the_support_library_shares_the_modules_dependencies_and_codegen_options() {
        let args = words(
            "--crate-name m --edition=2024 src/lib.rs --crate-type cdylib -C opt-level=0 \
             -C incremental=/t/inc -Cmetadata=abc -C strip=debuginfo -C linker=clang \
             -L dependency=/t/deps --extern api=/t/deps/libapi-1.rlib \
             --extern macros=/t/deps/libmacros-2.so --extern priv:serde=/t/deps/libserde-3.rlib",
        );
        assert_eq!(
            shared_options(&args),
            words(
                "-C opt-level=0 -C strip=debuginfo -C linker=clang -L dependency=/t/deps \
                 --extern api=/t/deps/libapi-1.rlib --extern macros=/t/deps/libmacros-2.so \
                 --extern priv:serde=/t/deps/libserde-3.rlib"
            )
        );
        assert_eq!(
            support_source(&args).lines().skip(1).collect::<Vec<_>>(),
            ["pub extern crate api;", "pub extern crate serde;"]
        );
        assert_eq!(original_linker(&args), "clang");
        assert_eq!(original_linker(&words("-C opt-level=0")), "cc");
    }

    #[test]
    fn the_allocators_entry_points_are_named_as_rustc_names_them() {
        let prefix = "_RNvCsfLfy6EI15iL_7___rustc";
        assert_eq!(
            allocator_symbol(prefix, "__rdl_alloc"),
            "_RNvCsfLfy6EI15iL_7___rustc11___rdl_alloc"
        );
        assert_eq!(
            allocator_symbol(prefix, "__rdl_alloc_zeroed"),
            "_RNvCsfLfy6EI15iL_7___rustc18___rdl_alloc_zeroed"
        );
        assert_eq!(allocator_symbol("", "__rdl_alloc"), "__rdl_alloc");
    }

    /// The linker, compiled in `dir` as `make` compiles it, with a fake
    /// C compiler (`dir/cc-fake`) and the support library under a
    /// directory whose name needs quoting.
    fn compile_linker(dir: &Path) -> (PathBuf, PathBuf) {
        use std::os::unix::ffi::OsStrExt;
        // Quotes, a backslash and a byte that is not UTF-8.
        let support = dir.join(std::ffi::OsStr::from_bytes(b"it's \"here\" \\ \xff"));
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let source = linker_source(
            dir.join("cc-fake").as_os_str(),
            &support.join("allocator.o"),
            &support.join("libplayground_support_1.so"),
        );
        let out = dir.join("bin");
        std::fs::create_dir_all(&out).unwrap();
        Linker::start(&rustc, &source, OsStr::new("cc"), &out)
            .unwrap()
            .wait()
            .unwrap();
        (out.join("cc"), support)
    }

    /// Runs `linker` with `args`, a fake linker (`dir/ld`) and a fake C
    /// compiler (`dir/cc-fake`) that write what they were given: which
    /// ran, and its arguments.
    fn run_linker(linker: &Path, dir: &Path, args: &[&OsStr]) -> (String, Vec<OsString>) {
        use std::os::unix::ffi::OsStringExt;
        let record = |name: &str| {
            let path = dir.join(name);
            let partial = path.with_extension("partial");
            std::fs::write(
                &partial,
                format!(
                    "#!/bin/sh\necho {name} > {out}\nprintf '%s\\n' \"$@\" >> {out}\n",
                    out = dir.join("ran").display()
                ),
            )
            .unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::rename(&partial, &path).unwrap();
        };
        record("ld");
        record("cc-fake");
        let _ = std::fs::remove_file(dir.join("ran"));
        let status = Command::new(linker).args(args).status().unwrap();
        assert!(status.success());
        let ran = std::fs::read(dir.join("ran")).unwrap();
        let mut lines = ran
            .strip_suffix(b"\n")
            .unwrap()
            .split(|&b| b == b'\n')
            .map(|line| OsString::from_vec(line.to_vec()));
        let which = lines.next().unwrap().into_string().unwrap();
        (which, lines.collect())
    }

    /// `items` as arguments.
    fn os(items: &[&dyn AsRef<OsStr>]) -> Vec<OsString> {
        items.iter().map(|item| item.as_ref().to_owned()).collect()
    }

    #[test]
    fn the_linker_runs_the_linker_itself_when_it_knows_every_argument() {
        let dir = std::env::temp_dir().join(format!("playground-thin-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (linker, support_dir) = compile_linker(&dir);
        let b = format!("-B{}", dir.display());
        let support = support_dir.join("libplayground_support_1.so");
        let bridge = support_dir.join("allocator.o");
        let line = [
            "-Wl,--version-script=/t/list",
            "-Wl,--no-undefined-version",
            "-m64",
            "/t/m.o",
            "/t/deps/libserde-1.rlib",
            "/t/libcompiler_builtins-2.rlib",
            "-Wl,-Bdynamic",
            "-lgcc_s",
            "-lc",
            "-L",
            "/t/raw",
            &b,
            "-o",
            "/t/libm.so",
            "-Wl,-z,relro,-z,now",
            "-nodefaultlibs",
            "-shared",
        ];
        let (which, args) = run_linker(&linker, &dir, &line.map(OsStr::new));
        assert_eq!(which, "ld");
        assert_eq!(
            args,
            os(&[
                &"--version-script=/t/list",
                &"/t/m.o",
                &"/t/libcompiler_builtins-2.rlib",
                &"-Bdynamic",
                &"-L",
                &"/t/raw",
                &"-o",
                &"/t/libm.so",
                &"-z",
                &"relro",
                &"-z",
                &"now",
                &"-shared",
                &bridge,
                &support,
                &"-rpath",
                &support_dir,
            ])
        );

        // An option it does not know: the C compiler, given the line as it
        // was (less the rlibs).
        let (which, args) = run_linker(
            &linker,
            &dir,
            &["-fancy", "/t/m.o", "/t/libserde-1.rlib", &b].map(OsStr::new),
        );
        assert_eq!(which, "cc-fake");
        let mut rpath = OsString::from("-Wl,-rpath,");
        rpath.push(&support_dir);
        assert_eq!(
            args,
            os(&[&"-fancy", &"/t/m.o", &b, &bridge, &support, &rpath])
        );

        // A response file: the link fails (and is done in full), since the
        // rlibs in it cannot be left out.
        let status = Command::new(&linker)
            .args(["/t/m.o", "@/t/args"])
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(!status.success());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
