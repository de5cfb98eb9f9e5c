//! Scratch copies of an example's crates that a story edits and rebuilds,
//! so the repository's sources stay untouched. Shared by the hot_reload
//! and ecs_hot_reload examples.

pub mod hot_lib_workspace;
pub mod plain_greeter;
pub mod subsecond_workspace;
pub mod user_workspace;

use playground_runtime::{Build, BuildError, BuildProgress, Built, Linker};
use std::path::{Path, PathBuf};

/// `examples/hot_reload`.
pub fn example_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host sits in examples/hot_reload")
}

/// The workspace root.
pub fn workspace_dir() -> &'static Path {
    example_dir()
        .parent()
        .and_then(Path::parent)
        .expect("examples/hot_reload sits in the workspace")
}

/// A scratch copy of an example's crates under `target/<name>/work`, built
/// into the workspace's own target directory: cargo releases its lock
/// while `cargo run` runs the program, and the copy's dependencies (the
/// runtime and everything under it) are the artifacts the host was built
/// with, so the first build compiles only the copied crates. The story
/// edits the copy, so the repository's sources stay as they are.
pub struct Work {
    pub root: PathBuf,
    pub target: PathBuf,
    module: String,
}

/// The build of a module of an example: into `target`, with `Build`'s
/// defaults (the module crate without its own debug info, rebuilt by
/// rustc alone when only its sources changed, linked by the fastest linker
/// on `PATH`), linked by [`fast_linker`] if there is one, cargo's progress
/// shown for crates it compiles.
pub fn module_build(manifest: &Path, target: &Path) -> Build {
    let build = match fast_linker() {
        // The wild in target/tools, or `PLAYGROUND_LINKER`.
        Some(linker) => Build::new(manifest).linker(linker),
        None if std::env::var_os("PLAYGROUND_LINKER").is_some() => {
            Build::new(manifest).link_with(Linker::Rustc)
        }
        None => Build::new(manifest),
    };
    build.target_dir(target).on_progress(|progress| {
        if let BuildProgress::Compiled {
            krate,
            fresh: false,
            done,
        } = progress
        {
            eprintln!("      compiled {krate} ({done} crates ready)");
        }
    })
}

impl Work {
    /// Copies the crates `crates` (directories of `example`, each with a
    /// `Cargo.toml` and `src/`) into a fresh scratch workspace; `module` is
    /// the one whose library is loaded.
    pub fn create(
        example: &Path,
        name: &str,
        crates: &[&str],
        module: &str,
    ) -> std::io::Result<Work> {
        let root = target_dir().join(name).join("work");
        let _ = std::fs::remove_dir_all(&root);
        for krate in crates {
            playground_build::copy_sources(
                &example.join(krate).join("src"),
                &root.join(krate).join("src"),
            )?;
            let mut manifest = standalone_manifest(&std::fs::read_to_string(
                example.join(krate).join("Cargo.toml"),
            )?);
            if *krate == module {
                // Its own library name: the workspace's copy of the crate
                // writes `target/debug/lib<name>.so` too.
                manifest = manifest.replacen("-module\"\n", "-module-scratch\"\n", 1);
                manifest = manifest.replacen("-logic\"\n", "-logic-scratch\"\n", 1);
                manifest = manifest.replacen("-ecs\"\n", "-ecs-scratch\"\n", 1);
            }
            std::fs::write(root.join(krate).join("Cargo.toml"), manifest)?;
        }
        let members: Vec<String> = crates.iter().map(|c| format!("{c:?}")).collect();
        std::fs::write(
            root.join("Cargo.toml"),
            format!(
                "[workspace]\nmembers = [{}]\nresolver = \"3\"\n\n{}",
                members.join(", "),
                // The same profiles, or no artifact would be shared.
                profiles(&std::fs::read_to_string(
                    workspace_dir().join("Cargo.toml")
                )?)
            ),
        )?;
        std::fs::copy(workspace_dir().join("Cargo.lock"), root.join("Cargo.lock"))?;
        Ok(Work {
            root,
            target: target_dir(),
            module: module.to_owned(),
        })
    }

    /// Adds a copy of the workspace's crate `krate` (`playground-ecs`, say)
    /// to the scratch workspace, which the copied crates then build
    /// against instead of the original: so a story can edit a framework
    /// crate too. The copy is renamed `<krate>-scratch` (its library keeps
    /// its name) so that its artifacts do not overwrite the original's in
    /// the shared target directory.
    pub fn with_workspace_crate(self, krate: &str) -> std::io::Result<Work> {
        let from = workspace_dir().join(krate);
        let to = self.root.join(krate);
        playground_build::copy_sources(&from.join("src"), &to.join("src"))?;
        if from.join("build.rs").exists() {
            std::fs::copy(from.join("build.rs"), to.join("build.rs"))?;
        }
        // Its path dependencies on its siblings, by absolute path.
        let manifest = std::fs::read_to_string(from.join("Cargo.toml"))?.replace(
            "path = \"../",
            &format!("path = \"{}/", workspace_dir().display()),
        );
        let manifest = standalone_manifest(&manifest).replacen(
            &format!("name = \"{krate}\"\n"),
            &format!("name = \"{krate}-scratch\"\n"),
            1,
        );
        let library = krate.replace('-', "_");
        std::fs::write(
            to.join("Cargo.toml"),
            format!("{manifest}\n[lib]\nname = \"{library}\"\n"),
        )?;
        let original = format!("{krate} = {{ path = {:?} }}", from.display().to_string());
        let copy = format!("{krate} = {{ package = \"{krate}-scratch\", path = \"../{krate}\" }}");
        for entry in std::fs::read_dir(&self.root)? {
            let path = entry?.path().join("Cargo.toml");
            if path.exists() && path.parent() != Some(to.as_path()) {
                let text = std::fs::read_to_string(&path)?;
                std::fs::write(&path, text.replace(&original, &copy))?;
            }
        }
        let root = self.root.join("Cargo.toml");
        let text = std::fs::read_to_string(&root)?;
        std::fs::write(
            &root,
            text.replacen("members = [", &format!("members = [{krate:?}, "), 1),
        )?;
        Ok(self)
    }

    /// The hot_reload example's copy: `api/` and `module/`.
    pub fn hot_reload() -> std::io::Result<Work> {
        Work::create(example_dir(), "hot-reload", &["api", "module"], "module")
    }

    /// A file of the copy, e.g. `("module", "src/lib.rs")`.
    pub fn file(&self, krate: &str, path: &str) -> PathBuf {
        self.root.join(krate).join(path)
    }

    /// The copy's `module/src/lib.rs`.
    pub fn module_source(&self) -> PathBuf {
        self.file(&self.module, "src/lib.rs")
    }

    /// The copy's `api/src/lib.rs`.
    pub fn api_source(&self) -> PathBuf {
        self.file("api", "src/lib.rs")
    }

    /// The build of the copy's module.
    pub fn module_build(&self) -> Build {
        module_build(&self.file(&self.module, "Cargo.toml"), &self.target)
    }

    /// `cargo build` of the module copy: the library, its hash, how long.
    pub fn build(&self) -> Result<Built, BuildError> {
        self.module_build().run()
    }
}

/// The version of [wild](https://github.com/davidlattimore/wild) that
/// [`install_wild`] installs (the newest that builds with Rust 1.95).
pub const WILD_VERSION: &str = "0.10.0";

/// The linker module rebuilds link with, if this machine has one:
/// `PLAYGROUND_LINKER` (a path; empty for rustc's own lld), else `wild`
/// in `target/tools/bin` (where [`install_wild`] puts it) or on `PATH`.
pub fn fast_linker() -> Option<PathBuf> {
    if let Some(linker) = std::env::var_os("PLAYGROUND_LINKER") {
        return (!linker.is_empty()).then(|| PathBuf::from(linker));
    }
    let installed = tools_dir().join("bin/wild");
    if installed.is_file() {
        return Some(installed);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("wild"))
        .find(|path| path.is_file())
}

/// Installs wild into `target/tools` with cargo (a few minutes on two
/// cores, once) and returns its path.
pub fn install_wild() -> std::io::Result<PathBuf> {
    install_tool("wild-linker", WILD_VERSION, "wild")
}

/// dioxus-cli's `dx`, which runs subsecond's hot patching: in
/// `target/tools/bin` (where [`install_dx`] puts it) or on `PATH`, if it
/// is the version measured.
pub fn dx() -> Option<PathBuf> {
    let installed = tools_dir().join("bin/dx");
    let found = if installed.is_file() {
        installed
    } else {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join("dx"))
            .find(|path| path.is_file())?
    };
    let version = std::process::Command::new(&found)
        .arg("--version")
        .output()
        .ok()?;
    String::from_utf8_lossy(&version.stdout)
        .contains(subsecond_workspace::VERSION)
        .then_some(found)
}

/// Installs dioxus-cli into `target/tools` with cargo (about fifteen
/// minutes on two cores, once) and returns the path of its `dx`.
pub fn install_dx() -> std::io::Result<PathBuf> {
    install_tool("dioxus-cli", subsecond_workspace::VERSION, "dx")
}

/// `cargo install KRATE --locked --version VERSION` into `target/tools`;
/// the path of its binary `bin`.
fn install_tool(krate: &str, version: &str, bin: &str) -> std::io::Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["install", krate, "--locked", "--version", version])
        .arg("--root")
        .arg(tools_dir())
        .status()?;
    if !status.success() {
        return Err(std::io::Error::other(format!(
            "cargo install {krate} {version} failed: {status}"
        )));
    }
    Ok(tools_dir().join("bin").join(bin))
}

/// Where tools the examples' benchmarks install go: `target/tools`.
fn tools_dir() -> PathBuf {
    target_dir().join("tools")
}

/// The workspace's target directory (`CARGO_TARGET_DIR` if cargo was told
/// another one).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_dir().join("target"))
}

/// The `[profile...]` sections of a manifest.
fn profiles(manifest: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            inside = line.starts_with("[profile");
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A crate manifest of the workspace, made to stand alone: workspace-
/// inherited fields written out, the workspace's crates by absolute path.
fn standalone_manifest(manifest: &str) -> String {
    manifest
        // Lints are the workspace's, which the copy is not in.
        .replace("[lints]\nworkspace = true\n", "")
        .lines()
        .filter(|line| {
            !line.starts_with("license.workspace") && !line.starts_with("rust-version.workspace")
        })
        .map(|line| {
            if line == "edition.workspace = true" {
                return "edition = \"2024\"".to_owned();
            }
            if line == "version.workspace = true" {
                return format!("version = {:?}", env!("CARGO_PKG_VERSION"));
            }

            match line.strip_suffix(".workspace = true") {
                Some(krate) if krate.starts_with("playground-") => {
                    format!(
                        "{krate} = {{ path = {:?} }}",
                        workspace_dir().join(krate).display().to_string()
                    )
                }
                _ => line.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Replaces `from` by `to` in `file`; an error if `from` is not there.
pub fn edit(file: &Path, from: &str, to: &str) -> std::io::Result<()> {
    let text = std::fs::read_to_string(file)?;
    if !text.contains(from) {
        return Err(std::io::Error::other(format!(
            "{} does not contain {from:?}",
            file.display()
        )));
    }
    std::fs::write(file, text.replacen(from, to, 1))
}
