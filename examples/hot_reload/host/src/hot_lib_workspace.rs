//! The same greeter in a cargo workspace of its own, reloaded by
//! hot-lib-reloader, set up as that crate's README shows: a root binary
//! package (`bin`) whose `#[hot_module]` wraps the `#[unsafe(no_mangle)]`
//! functions of a `lib` crate built as `rlib` and `dylib`, the state owned
//! by the binary and passed in, a `LibReloadObserver` to wait for each
//! reload. Its README's workflow rebuilds the library with `cargo watch -w
//! lib -x 'build -p lib'`; the edit-to-swap benchmark runs that same
//! `cargo build -p lib` itself right after each save (so cargo-watch's own
//! latency is not counted), and hot-lib-reloader's watcher does the rest.
//!
//! The binary prints `ready <answer>` and, after each reload, `swapped
//! <answer>`, read by [`Host`].

use crate::plain_greeter::PLAIN_GREETER;
use crate::user_workspace::{Host, cargo_in};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The hot-lib-reloader version measured.
pub const VERSION: &str = "0.8.2";

/// The library: the plain greeter, its `greet` exported unmangled, the way
/// hot-lib-reloader takes it.
fn lib_source(greeting: &str) -> String {
    PLAIN_GREETER
        .replace("pub fn greet", "#[unsafe(no_mangle)]\npub fn greet")
        .replace("GREETING", greeting)
}

/// The binary: its README's `hot_module` with a change subscription;
/// `DEBOUNCE` is the attribute's debounce argument, if any.
const BIN: &str = r#"#[hot_lib_reloader::hot_module(dylib = "lib"DEBOUNCE)]
mod hot_lib {
    hot_functions_from_file!("lib/src/lib.rs");

    pub use lib::Guestbook;

    #[lib_change_subscription]
    pub fn subscribe() -> hot_lib_reloader::LibReloadObserver {}
}

fn main() {
    let mut book = hot_lib::Guestbook::default();
    let observer = hot_lib::subscribe();
    println!("ready {}", hot_lib::greet(&mut book, "Ada"));
    loop {
        observer.wait_for_reload();
        println!("swapped {} ", hot_lib::greet(&mut book, "Ada"));
    }
}
"#;

/// A hot-lib-reloader workspace: its directory.
pub struct HotLibWorkspace {
    /// The workspace's root (the binary's package).
    pub root: PathBuf,
}

impl HotLibWorkspace {
    /// Writes the workspace under `root` (keeping its target directory and
    /// lockfile if they are there), with `greeting` as `greet`'s answer and
    /// hot-lib-reloader's file watch debounce set to `debounce_ms`, or left
    /// at its default (500 ms) with `None`.
    pub fn create(
        root: &Path,
        greeting: &str,
        debounce_ms: Option<u32>,
    ) -> std::io::Result<HotLibWorkspace> {
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("a file in a folder"))?;
            std::fs::write(path, text)
        };
        write(
            "Cargo.toml",
            &format!(
                "[workspace]\nresolver = \"2\"\nmembers = [\"lib\"]\n\n\
                 [package]\nname = \"bin\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                 [dependencies]\nhot-lib-reloader = \"={VERSION}\"\nlib = {{ path = \"lib\" }}\n"
            ),
        )?;
        write(
            "lib/Cargo.toml",
            "[package]\nname = \"lib\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [lib]\ncrate-type = [\"rlib\", \"dylib\"]\n",
        )?;
        let debounce =
            debounce_ms.map_or(String::new(), |ms| format!(", file_watch_debounce = {ms}"));
        write("src/main.rs", &BIN.replace("DEBOUNCE", &debounce))?;
        let workspace = HotLibWorkspace {
            root: root.to_owned(),
        };
        workspace.set_greeting(greeting)?;
        Ok(workspace)
    }

    /// Rewrites the library with `greeting` (an expression) as `greet`'s
    /// answer: one save, as an editor makes it.
    pub fn set_greeting(&self, greeting: &str) -> std::io::Result<()> {
        let path = self.root.join("lib/src/lib.rs");
        std::fs::create_dir_all(path.parent().expect("lib/src"))?;
        std::fs::write(path, lib_source(greeting))
    }

    /// `cargo build --workspace`: the binary and the first `liblib.so`.
    pub fn build(&self) -> std::io::Result<PathBuf> {
        cargo_in(&self.root, &["build", "-q", "--workspace"])?;
        Ok(self.root.join("target/debug/bin"))
    }

    /// `cargo build -p lib`: what the README's `cargo watch` runs after a
    /// save.
    pub fn cargo_build_lib(&self) -> std::io::Result<()> {
        cargo_in(&self.root, &["build", "-q", "-p", "lib"])
    }

    /// Starts the binary and waits for its first answer.
    pub fn start(&self, bin: &Path) -> std::io::Result<Host> {
        let mut command = Command::new(bin);
        command.current_dir(&self.root).stdin(Stdio::null());
        Host::start(command)
    }
}
