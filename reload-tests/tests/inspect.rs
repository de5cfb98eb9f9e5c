//! The `playground-inspect` binary, run as a process on real libraries and
//! a real program: what it prints and its exit status.

use counter_api::Counter;
use playground_runtime::{Manifest, View};
use reload_tests::{Fixture, alloc_host, fixture_builder, inspector, library, workspace};
use std::path::Path;
use std::process::Command;

/// The API version of `Counter` the module at `path` was compiled against,
/// from its manifest.
fn module_api_version(path: &Path) -> u64 {
    let manifest = Manifest::read_library(path).unwrap();
    let counter = manifest.views.iter().find(|v| v.name == "Counter").unwrap();
    counter.api_version.get()
}

/// Runs the inspector with `args`: its exit code, stdout and stderr.
fn inspect(args: &[&Path]) -> (Option<i32>, String, String) {
    let mut command = Command::new(inspector());
    for (i, arg) in args.iter().enumerate() {
        if i == 1 {
            command.arg("--against");
        }
        command.arg(arg);
    }
    let output = command.output().expect("run playground-inspect");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_inspector_lists_a_module() {
    let path = library(Fixture::V1);
    let (code, out, err) = inspect(&[&path]);
    assert_eq!(code, Some(0), "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("library: {}", path.display()));
    assert_eq!(lines[1], "crate: counter_module");
    assert!(lines[2].starts_with("build: rustc "), "{out}");
    let counter = <dyn Counter as View>::DESCRIPTOR;
    let view = format!(
        "view counter_api::Counter  id {:016x}  api {:016x}",
        counter.view_id, counter.api_version
    );
    let at = lines.iter().position(|l| *l == view).expect(&out);
    for (i, method) in counter.methods.iter().enumerate() {
        assert_eq!(lines[at + 1 + i], format!("    {}", method.signature));
    }
    let tally = lines
        .iter()
        .position(|l| l.starts_with("model counter_module::Tally  id "))
        .expect(&out);
    assert_eq!(
        lines[tally + 1..tally + 4],
        [
            "    total: u64",
            "    records: Vec<Record>",
            "    scratch: Scratch"
        ]
    );
    assert!(
        out.contains(&format!(
            "viewmodel counter_module::Counting  implements Counter (api {:016x})\n",
            counter.api_version
        )),
        "{out}"
    );
    assert!(
        out.contains("viewmodel counter_api::SharedClock  implements Clock (api "),
        "{out}"
    );
    assert!(out.contains("  [another crate's: not bound]\n"), "{out}");
}

#[test]
fn the_inspector_says_a_compatible_module_would_load() {
    let path = library(Fixture::V1);
    let program = alloc_host(&[]);
    let (code, out, err) = inspect(&[&path, &program]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.ends_with(&format!(
            "program: {}\nverdict: would load, binding Counter to Counting\n",
            program.display()
        )),
        "{out}"
    );
    // The program agrees.
    let ran = Command::new(&program).arg(&path).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&ran.stdout), "loaded: total 2\n");
}

#[test]
fn the_inspector_explains_why_an_incompatible_module_would_be_refused() {
    let path = library(Fixture::ApiV2);
    let program = alloc_host(&[]);
    let (code, out, err) = inspect(&[&path, &program]);
    assert_eq!(code, Some(1), "{out}{err}");
    let refusal = format!(
        "{}: viewmodel `Counting` was compiled against API version {:016x} of view \
         `Counter`, but this program has {:016x}; the view changed, so the module is \
         refused; what changed:\n  \
         - added method `reset`: `fn reset(&self)`",
        path.display(),
        module_api_version(&path),
        <dyn Counter as View>::API_VERSION,
    );
    assert!(
        out.ends_with(&format!(
            "program: {}\nverdict: would be refused: {refusal}\n",
            program.display()
        )),
        "{out}"
    );
    // The program refuses it with the same words.
    let ran = Command::new(&program).arg(&path).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        format!("refused: {refusal}\n")
    );
}

#[test]
fn the_inspector_refuses_what_is_not_a_module() {
    let plain = library(Fixture::Plain);
    let (code, out, err) = inspect(&[&plain]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert_eq!(out, "");
    assert_eq!(
        err,
        format!(
            "playground-inspect: {}: no `playground_module_v1` symbol, so not a playground \
             module; build a crate with `crate-type = [\"cdylib\", \"rlib\"]` and \
             `playground_runtime::export_module!();` at its root (the library does not export \
             `playground_module_v1`)\n",
            plain.display()
        )
    );

    let text = std::env::temp_dir().join(format!("inspect-{}.txt", std::process::id()));
    std::fs::write(&text, "not a library\n").unwrap();
    let (code, out, err) = inspect(&[&text]);
    std::fs::remove_file(&text).unwrap();
    assert_eq!(code, Some(2), "{out}{err}");
    assert_eq!(out, "");
    assert!(
        err.starts_with(&format!(
            "playground-inspect: {}: not a loadable library: not an object file",
            text.display()
        )),
        "{err}"
    );

    // A library is not a program to check against.
    let (code, _, err) = inspect(&[&library(Fixture::V1), &plain]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "playground-inspect: {}: not a playground program: no `playground_program_v1` symbol",
            plain.display()
        )),
        "{err}"
    );
}

#[test]
fn the_inspector_refuses_a_fifo_or_a_device_as_the_program_without_waiting() {
    let fifo = std::env::temp_dir().join(format!("inspect-fifo-{}", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    reload_tests::fifo(&fifo);
    let module = library(Fixture::V1);
    // A FIFO no one writes would block a plain open forever; /dev/zero
    // would be read until memory runs out.
    for (program, kind) in [
        (fifo.as_path(), "a FIFO (named pipe)"),
        (Path::new("/dev/zero"), "a device"),
    ] {
        let (sender, receiver) = std::sync::mpsc::channel();
        let (module, program_path) = (module.clone(), program.to_owned());
        std::thread::spawn(move || {
            let _ = sender.send(inspect(&[&module, &program_path]));
        });
        let (code, out, err) = receiver
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the inspector returned in time");
        assert_eq!(code, Some(2), "{out}{err}");
        assert_eq!(
            err,
            format!(
                "playground-inspect: {}: not a playground program: {kind}\n",
                program.display()
            )
        );
    }
    std::fs::remove_file(&fifo).unwrap();
}

#[test]
fn the_inspector_runs_from_a_workspace_of_its_own() {
    // A crate outside this workspace, depending on playground-runtime by
    // path, with the one-line binary the README gives.
    let dir = workspace().join("target/build-tests/inspect-user");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src/bin")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"inspect-user\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
             [dependencies]\nplayground-runtime = {{ path = {:?} }}\n\n[workspace]\n",
            workspace().join("playground-runtime")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("src/bin/playground-inspect.rs"),
        "fn main() -> std::process::ExitCode {\n    playground_runtime::inspect::main()\n}\n",
    )
    .unwrap();
    let users = fixture_builder(&dir.join("Cargo.toml"))
        .run_executable("playground-inspect")
        .unwrap_or_else(|e| panic!("{e}"));

    let module = library(Fixture::V1);
    let output = Command::new(&users)
        .arg(&module)
        .arg("--against")
        .arg(alloc_host(&[]))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("view counter_api::Counter  id "),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("verdict: would load, binding Counter to Counting\n"),
        "{stdout}"
    );
    // The same lines as this repository's own inspector.
    let (_, own, _) = inspect(&[&module, &alloc_host(&[])]);
    assert_eq!(stdout, own);
}

#[test]
fn the_inspector_gives_the_verdict_load_gives_on_the_state_a_module_takes_over() {
    let (v1, changed, migrating) = (
        library(Fixture::V1),
        library(Fixture::StateV2),
        library(Fixture::StateV2Migrate),
    );
    let program = alloc_host(&[]);
    let after = |path: &Path| {
        let output = Command::new(inspector())
            .arg(path)
            .arg("--against")
            .arg(&program)
            .arg("--after")
            .arg(&v1)
            .output()
            .expect("run playground-inspect");
        let out = String::from_utf8_lossy(&output.stdout).into_owned();
        let verdict = out.lines().last().unwrap_or_default().to_owned();
        (output.status.code(), out, verdict)
    };

    // What a registry running build 1 says when the changed build loads.
    let registry = playground_runtime::Registry::linked();
    registry.load(&v1).unwrap();
    let refused = registry.load(&changed).unwrap_err();

    let (code, out, _) = after(&changed);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&format!("after: {}\n", v1.display())), "{out}");
    // The manifest lists the state field and the older format the
    // migrating build reads.
    assert!(out.contains("    state tally: Tally  state "), "{out}");
    let refused = refused.to_string();
    assert!(
        refused.contains("field `tally` holds model `Tally`"),
        "{refused}"
    );
    assert_eq!(
        out.split_once("verdict: would be refused: ")
            .map(|(_, v)| v.trim_end()),
        Some(refused.as_str()),
        "the inspector's words are load's"
    );

    let (code, out, verdict) = after(&migrating);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(verdict, "verdict: would load, binding Counter to Counting");
    assert!(out.contains("migrations Tally  state "), "{out}");
    registry.load(&migrating).unwrap();

    // Without `--after`, the state is the program's own: it binds no
    // `Counter`, so there is nothing to take over.
    let (code, out, _) = inspect(&[&changed, &program]);
    assert_eq!(code, Some(0), "{out}");
}
