//! The same greeter hot patched by subsecond (Dioxus's hot patching), set
//! up as its docs show for a program that is not a Dioxus app: a plain
//! binary that calls `dioxus_devtools::connect_subsecond()` first and
//! then calls its function through `subsecond::call`, run by `dx serve
//! --hot-patch`, which rebuilds, links and sends each patch after a save.
//!
//! The binary calls `greet` through `subsecond::call` every millisecond
//! (a closure capturing the state and the name) and appends each new
//! answer to a file, `ready <answer>` first and then `swapped <answer>`;
//! [`SwapFile`] reads it, so that nothing depends on how `dx` shows the
//! program's output.

use crate::plain_greeter::PLAIN_GREETER;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The dioxus-cli, subsecond and dioxus-devtools version measured.
pub const VERSION: &str = "0.7.10";

/// The program's `main`, after the plain greeter. `ANSWERS` is the file it
/// appends its answers to.
const MAIN: &str = r#"
fn main() {
    dioxus_devtools::connect_subsecond();
    let mut answers = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(ANSWERS)
        .expect("the answers file");
    let mut book = Guestbook::default();
    let name = "Ada";
    let mut last = String::new();
    loop {
        let answer = subsecond::call(|| greet(&mut book, name));
        if answer != last {
            let word = if last.is_empty() { "ready" } else { "swapped" };
            writeln!(answers, "{word} {answer}").expect("write an answer");
            last = answer;
        }
        book.visits.clear();
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}
"#;

/// A subsecond workspace: its directory.
pub struct SubsecondWorkspace {
    /// The package's root.
    pub root: PathBuf,
}

impl SubsecondWorkspace {
    /// Writes the package under `root` (keeping its target directory and
    /// lockfile if they are there) with `greeting` as `greet`'s answer.
    pub fn create(root: &Path, greeting: &str) -> std::io::Result<SubsecondWorkspace> {
        std::fs::create_dir_all(root.join("src"))?;
        std::fs::write(
            root.join("Cargo.toml"),
            format!(
                "[package]\nname = \"greeter-subsecond\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                 [dependencies]\nsubsecond = \"={VERSION}\"\ndioxus-devtools = \"={VERSION}\"\n\n\
                 [workspace]\n"
            ),
        )?;
        let workspace = SubsecondWorkspace {
            root: root.to_owned(),
        };
        workspace.set_greeting(greeting)?;
        Ok(workspace)
    }

    /// The file the program appends its answers to: beside the package,
    /// not in it, which `dx` watches.
    pub fn answers(&self) -> PathBuf {
        self.root.with_file_name("subsecond-answers.txt")
    }

    /// Rewrites the program with `greeting` (an expression) as `greet`'s
    /// answer: one save, as an editor makes it.
    pub fn set_greeting(&self, greeting: &str) -> std::io::Result<()> {
        let source = format!(
            "use std::io::Write;\n\n{}{}",
            PLAIN_GREETER.replace("GREETING", greeting),
            MAIN.replace("ANSWERS", &format!("{:?}", self.answers()))
        );
        std::fs::write(self.root.join("src/main.rs"), source)
    }

    /// What `dx` prints: beside the package.
    pub fn log(&self) -> PathBuf {
        self.root.with_file_name("dx.log")
    }

    /// Starts `dx serve --hot-patch` (`dx` the CLI's path; its output in
    /// [`SubsecondWorkspace::log`]) and waits for the program's first
    /// answer (its first build included, up to `timeout`).
    pub fn serve(&self, dx: &Path, timeout: Duration) -> std::io::Result<Served> {
        let _ = std::fs::remove_file(self.answers());
        let log = File::create(self.log())?;
        let child = Command::new(dx)
            .args(["serve", "--hot-patch", "--interactive", "false"])
            .current_dir(&self.root)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // A group of its own, so that stopping it stops the program it
            // runs too.
            .process_group(0)
            .spawn()?;
        let mut served = Served {
            child,
            answers: SwapFile {
                path: self.answers(),
                offset: 0,
            },
        };
        let first = served.answers.next_line(timeout).map_err(|error| {
            std::io::Error::other(format!("{error} (dx's output: {})", self.log().display()))
        })?;
        if !first.starts_with("ready ") {
            return Err(std::io::Error::other(format!("the program said {first:?}")));
        }
        Ok(served)
    }
}

/// A running `dx serve` and the program's answers.
pub struct Served {
    child: Child,
    /// The answers the program writes.
    pub answers: SwapFile,
}

impl Served {
    /// Waits up to `timeout` for the program's next answer after a patch.
    pub fn next_swap(&mut self, timeout: Duration) -> std::io::Result<String> {
        let line = self.answers.next_line(timeout)?;
        line.strip_prefix("swapped ")
            .map(str::to_owned)
            .ok_or_else(|| std::io::Error::other(format!("the program said {line:?}")))
    }
}

impl Drop for Served {
    /// Stops `dx` and the program it runs (its process group).
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A file another process appends lines to, read line by line as they
/// come (polled every 200 µs, so a line is seen within that of its write).
pub struct SwapFile {
    path: PathBuf,
    offset: u64,
}

impl SwapFile {
    /// The next whole line, waiting up to `timeout` for it.
    pub fn next_line(&mut self, timeout: Duration) -> std::io::Result<String> {
        let start = Instant::now();
        loop {
            if let Ok(mut file) = File::open(&self.path) {
                file.seek(SeekFrom::Start(self.offset))?;
                let mut line = String::new();
                let read = BufReader::new(file).read_line(&mut line)?;
                if read > 0 && line.ends_with('\n') {
                    self.offset += read as u64;
                    return Ok(line.trim_end().to_owned());
                }
            }
            if start.elapsed() > timeout {
                return Err(std::io::Error::other(format!(
                    "no answer in {} within {timeout:?}",
                    self.path.display()
                )));
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}
