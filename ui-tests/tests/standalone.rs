//! Builds and runs `standalone/`, a crate outside the workspace that depends
//! on `playground-runtime` by path and nothing else.

use playground_runtime::Build;
use std::path::Path;
use std::process::Command;

#[test]
fn a_crate_outside_the_workspace_uses_the_macros_with_only_the_runtime() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = here.parent().expect("ui-tests sits in the workspace");
    let crate_dir = here.join("standalone");
    // Reuse the workspace's resolved versions: no new resolution, no surprise.
    std::fs::copy(workspace.join("Cargo.lock"), crate_dir.join("Cargo.lock"))
        .expect("copy Cargo.lock");
    // Its own target directory: the outer one is locked by the running cargo.
    let target = workspace.join("target").join("standalone");
    let program = Build::new(crate_dir.join("Cargo.toml"))
        .target_dir(target)
        .run_executable("standalone")
        .unwrap_or_else(|e| panic!("{e}"));
    let output = Command::new(program).output().expect("run standalone");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "standalone failed\n{stdout}\n{stderr}"
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
    assert_eq!(stdout.matches("ok  ").count(), 6, "{stdout}");
    assert!(
        stdout.contains("view standalone::compact::Greeter"),
        "{stdout}"
    );
    assert!(
        stdout.contains("viewmodel standalone::Polite  implements Greeter"),
        "{stdout}"
    );
}
