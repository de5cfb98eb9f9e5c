//! A user's own cargo workspace, made the way the README says and nothing
//! more: a view crate, a module crate and a host that runs the watcher,
//! no `[profile]` section, playground-runtime as a dependency. The
//! edit-to-swap benchmark measures it beside this repository's tuned
//! example, so the figure it prints is the one a user gets by copying the
//! README.
//!
//! The workspace lives outside this repository (under the system's
//! temporary directory) with a target directory of its own. Its host,
//! built with the dev profile as `cargo run` would, prints one line per
//! swap (`swapped <answer> <build ms> <load phases>`), so the benchmark
//! times from its write of the source to that line.

use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// The view crate: a view with a model and an async method.
const API: &str = r#"use playground_runtime::{model, view};

/// One visit.
#[model]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub name: String,
    pub number: u32,
}

/// A greeter that remembers its visitors.
#[view(models(Visit))]
pub trait Greeter: Send + Sync {
    fn greet(&self, name: &str) -> String;
    fn visits(&self) -> Vec<Visit>;
    async fn last(&self) -> Option<Visit>;
}
"#;

/// The module: a viewmodel with `Shared` model state. `GREETING` is what
/// the benchmark edits.
const MODULE: &str = r#"use greeter_api::{Greeter, Visit};
use playground_runtime::{Shared, model, viewmodel};

playground_runtime::export_module!();

/// Carried into every rebuilt version.
#[model]
#[derive(Default)]
pub struct Guestbook {
    pub visits: Vec<Visit>,
    pub rejected: u64,
}

#[derive(Default)]
pub struct Doorman {
    book: Shared<Guestbook>,
}

impl Doorman {
    fn record(&self, name: &str) -> u32 {
        let mut book = self.book.write();
        if name.is_empty() {
            book.rejected += 1;
            return 0;
        }
        let number = book.visits.len() as u32 + 1;
        book.visits.push(Visit {
            name: name.to_owned(),
            number,
        });
        number
    }
}

#[viewmodel(state(book))]
impl Greeter for Doorman {
    fn greet(&self, name: &str) -> String {
        let number = self.record(name);
        if number == 0 {
            return String::from("Who is there?");
        }
        GREETING
    }

    fn visits(&self) -> Vec<Visit> {
        self.book.read().visits.clone()
    }

    async fn last(&self) -> Option<Visit> {
        self.book.read().visits.last().cloned()
    }
}
"#;

/// The host: the README's shortest code (`Build::new`, the watcher's
/// default options), printing what the benchmark reads.
const HOST: &str = r#"use greeter_api::Greeter;
use playground_runtime::{Build, Registry, WatchEvent, Watcher};
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Arc::new(Registry::linked());
    // `host --load LIBRARY`: one load of a library file, its phases.
    if let Some(library) = std::env::args().nth(2) {
        let report = registry.load(&library)?;
        for (name, took) in &report.phases {
            println!("{name} {}", took.as_micros());
        }
        return Ok(());
    }
    let build = Build::new("module/Cargo.toml");
    let built = build.run()?;
    registry.load_bytes(built.bytes())?;
    let watcher = Watcher::build(Arc::clone(&registry), build, Default::default())?;
    println!("ready {}", registry.get::<dyn Greeter>()?.greet("Ada"));
    for event in watcher.events() {
        match event {
            WatchEvent::Loaded { report, .. } => {
                let answer = registry.get::<dyn Greeter>()?.greet("Ada");
                let phases: Vec<String> = report
                    .phases
                    .iter()
                    .map(|(name, took)| format!("{name}={}", took.as_micros()))
                    .collect();
                println!("swapped {answer} {}", phases.join(","));
            }
            WatchEvent::BuildFailed { message } => println!("failed {}", message.replace('\n', " ")),
            WatchEvent::Refused(error) => println!("refused {error}"),
            _ => {}
        }
    }
    Ok(())
}
"#;

/// The workspace: its directory and what a benchmark round edits.
pub struct UserWorkspace {
    /// The workspace's root.
    pub root: PathBuf,
}

impl UserWorkspace {
    /// Writes the workspace under `root` (keeping its target directory and
    /// lockfile if they are there, so a second run does not compile the
    /// dependencies again), with `greeting` as `greet`'s answer;
    /// `runtime` is playground-runtime's directory, `lockfile` the lockfile
    /// to start from.
    pub fn create(
        root: &Path,
        runtime: &Path,
        lockfile: &Path,
        greeting: &str,
    ) -> std::io::Result<UserWorkspace> {
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("a file in a folder"))?;
            std::fs::write(path, text)
        };
        write(
            "Cargo.toml",
            "[workspace]\nmembers = [\"api\", \"module\", \"host\"]\nresolver = \"3\"\n",
        )?;
        let runtime = format!("playground-runtime = {{ path = {:?} }}\n", runtime);
        write(
            "api/Cargo.toml",
            &format!(
                "[package]\nname = \"greeter-api\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                 [dependencies]\n{runtime}"
            ),
        )?;
        write("api/src/lib.rs", API)?;
        write(
            "module/Cargo.toml",
            &format!(
                "[package]\nname = \"greeter\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                 [lib]\ncrate-type = [\"cdylib\", \"rlib\"]\n\n\
                 [dependencies]\ngreeter-api = {{ path = \"../api\" }}\n{runtime}"
            ),
        )?;
        let workspace = UserWorkspace {
            root: root.to_owned(),
        };
        workspace.set_greeting(greeting)?;
        write(
            "host/Cargo.toml",
            &format!(
                "[package]\nname = \"host\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                 [dependencies]\ngreeter-api = {{ path = \"../api\" }}\n{runtime}"
            ),
        )?;
        write("host/src/main.rs", HOST)?;
        // The dependencies' versions this repository is tested with (cargo
        // drops what the workspace does not use).
        if !root.join("Cargo.lock").exists() {
            std::fs::copy(lockfile, root.join("Cargo.lock"))?;
        }
        Ok(workspace)
    }

    /// The module's source.
    pub fn module_source(&self) -> PathBuf {
        self.root.join("module/src/lib.rs")
    }

    /// Rewrites the module with `greeting` (an expression) as `greet`'s
    /// answer: one save, as an editor makes it.
    pub fn set_greeting(&self, greeting: &str) -> std::io::Result<()> {
        let path = self.module_source();
        std::fs::create_dir_all(path.parent().expect("module/src"))?;
        std::fs::write(path, MODULE.replace("GREETING", greeting))
    }

    /// `cargo build -p host`, as `cargo run` would before running it.
    pub fn build_host(&self) -> std::io::Result<PathBuf> {
        self.cargo(&["build", "-p", "host"])?;
        Ok(self.root.join("target/debug/host"))
    }

    /// The bare `cargo build` of the module: what a plain reloader runs
    /// after each save.
    pub fn cargo_build_module(&self) -> std::io::Result<()> {
        self.cargo(&["build", "-q", "-p", "greeter"])
    }

    fn cargo(&self, args: &[&str]) -> std::io::Result<()> {
        cargo_in(&self.root, args)
    }

    /// Loads `library` once with this workspace's `host --load` (a dev
    /// build, as the user's): each phase of the load, in microseconds.
    pub fn load_phases(&self, host: &Path, library: &Path) -> std::io::Result<Vec<(String, u64)>> {
        let output = Command::new(host)
            .arg("--load")
            .arg(library)
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .output()?;
        if !output.status.success() {
            return Err(std::io::Error::other(format!(
                "host --load failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        Ok(String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_once(' '))
            .map(|(name, micros)| (name.to_owned(), micros.parse().unwrap_or(0)))
            .collect())
    }

    /// Starts the host (its first build of the module included) and waits
    /// for its first answer.
    pub fn start_host(&self, host: &Path, path: Option<&std::ffi::OsStr>) -> std::io::Result<Host> {
        let mut command = Command::new(host);
        command
            .current_dir(&self.root)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_PROFILE_DEV_DEBUG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        if let Some(path) = path {
            command.env("PATH", path);
        }
        Host::start(command)
    }
}

/// A running host of the user's workspace.
pub struct Host {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

/// One swap as the host reported it.
pub struct Swap {
    /// What the new code answered.
    pub answer: String,
    /// The load's phases, in microseconds.
    pub phases: Vec<(String, u64)>,
}

impl Host {
    /// Runs `command` (its stdout piped), a host that prints `ready
    /// <answer>` once it answers and `swapped <answer> <phases>` after each
    /// swap, and waits for its first answer.
    pub fn start(mut command: Command) -> std::io::Result<Host> {
        let mut child = command.stdout(Stdio::piped()).spawn()?;
        let lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let mut host = Host { child, lines };
        let first = host.next_line()?;
        if !first.starts_with("ready ") {
            return Err(std::io::Error::other(format!("the host said {first:?}")));
        }
        Ok(host)
    }

    /// The host's next line.
    pub fn next_line(&mut self) -> std::io::Result<String> {
        self.lines
            .next()
            .unwrap_or_else(|| Err(std::io::Error::other("the host exited")))
    }

    /// Waits for the next swap.
    pub fn next_swap(&mut self) -> std::io::Result<Swap> {
        let line = self.next_line()?;
        let Some(rest) = line.strip_prefix("swapped ") else {
            return Err(std::io::Error::other(format!("the host said {line:?}")));
        };
        let (answer, phases) = rest.rsplit_once(' ').unwrap_or((rest, ""));
        let phases = phases
            .split(',')
            .filter_map(|p| p.split_once('='))
            .map(|(name, micros)| (name.to_owned(), micros.parse().unwrap_or(0)))
            .collect();
        Ok(Swap {
            answer: answer.to_owned(),
            phases,
        })
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs cargo with `args` in the workspace at `root`, in the user's
/// environment (not the one `cargo bench` runs in).
pub fn cargo_in(root: &Path, args: &[&str]) -> std::io::Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(args)
        .current_dir(root)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_PROFILE_DEV_DEBUG")
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "cargo {args:?} failed: {status}"
        )))
    }
}

/// Where the benchmark keeps the user's workspace: outside this
/// repository, in the system's temporary directory.
pub fn default_root() -> PathBuf {
    std::env::temp_dir().join("playground-edit-to-swap/user-workspace")
}

/// How long a round may take before the benchmark gives up.
pub const ROUND_TIMEOUT: Duration = Duration::from_secs(120);
