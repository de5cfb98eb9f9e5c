//! Runs the example's self-playing story: the module built by cargo,
//! rebuilt with a behaviour change and swapped with its state, then a
//! changed API refused while version 2 runs on.

use std::process::Command;

#[test]
fn the_story_runs_end_to_end() {
    let output = Command::new(env!("CARGO_BIN_EXE_hot_reload"))
        .output()
        .expect("run the example");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for expected in [
        "> Hello, Ada.",
        "state carried over: 3 visits (Ada, Grace, Linus)",
        "> Welcome, Edsger! You are visitor number 4.",
        "was compiled against API version",
        "> Welcome, Barbara! You are visitor number 5.",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}
