//! A scratch copy of the example's module (and its API crate) that the
//! story edits and rebuilds, so the repository's sources stay untouched.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

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

/// The file name of a cdylib of `package` on this platform.
pub fn library_file(package: &str) -> String {
    format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        package.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    )
}

/// A copy of `api/` and `module/` under `target/hot-reload/work`, built into
/// `target/hot-reload/target` (a target directory of its own: the one of
/// the running `cargo run` may be locked).
pub struct Work {
    pub root: PathBuf,
    pub target: PathBuf,
}

impl Work {
    /// Makes a fresh copy.
    pub fn create() -> std::io::Result<Work> {
        let base = workspace_dir().join("target").join("hot-reload");
        let root = base.join("work");
        let _ = std::fs::remove_dir_all(&root);
        let runtime = workspace_dir().join("playground-runtime");
        for krate in ["api", "module"] {
            std::fs::create_dir_all(root.join(krate).join("src"))?;
            std::fs::copy(
                example_dir().join(krate).join("src/lib.rs"),
                root.join(krate).join("src/lib.rs"),
            )?;
            let manifest = std::fs::read_to_string(example_dir().join(krate).join("Cargo.toml"))?
                .replace("edition.workspace = true", "edition = \"2024\"")
                .replace("license.workspace = true\n", "")
                .replace(
                    "playground-runtime.workspace = true",
                    &format!(
                        "playground-runtime = {{ path = {:?} }}",
                        runtime.display().to_string()
                    ),
                );
            std::fs::write(root.join(krate).join("Cargo.toml"), manifest)?;
        }
        std::fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"api\", \"module\"]\nresolver = \"3\"\n",
        )?;
        std::fs::copy(workspace_dir().join("Cargo.lock"), root.join("Cargo.lock"))?;
        Ok(Work {
            root,
            target: base.join("target"),
        })
    }

    /// The copy's `module/src/lib.rs`.
    pub fn module_source(&self) -> PathBuf {
        self.root.join("module/src/lib.rs")
    }

    /// The copy's `api/src/lib.rs`.
    pub fn api_source(&self) -> PathBuf {
        self.root.join("api/src/lib.rs")
    }

    /// Where the built module library lands.
    pub fn library(&self) -> PathBuf {
        self.target
            .join("debug")
            .join(library_file("hot-reload-module"))
    }

    /// `cargo build` of the module copy; how long it took.
    pub fn build(&self) -> Result<Duration, String> {
        build(&self.root.join("module/Cargo.toml"), &self.target)
    }
}

/// `cargo build --manifest-path manifest` into `target`; how long it took.
pub fn build(manifest: &Path, target: &Path) -> Result<Duration, String> {
    let start = Instant::now();
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["build", "--quiet", "--manifest-path"])
        .arg(manifest)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if output.status.success() {
        Ok(start.elapsed())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
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
