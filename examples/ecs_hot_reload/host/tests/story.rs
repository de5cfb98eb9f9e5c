//! Runs the example's self-playing story: real libraries built by cargo,
//! loaded, swapped; the world keeps its entities; a layout change refused,
//! then migrated; the ECS itself rebuilt from edited sources and swapped
//! in, taking the running world over.

use std::process::Command;

#[test]
fn the_story_runs_end_to_end() {
    let output = Command::new(env!("CARGO_BIN_EXE_ecs_hot_reload"))
        .output()
        .expect("run the example");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for expected in [
        "tick  60: 1000 entities",
        "the world kept every entity",
        "tick 120: 1000 entities",
        "refused: model component `Spin` has no migration",
        "version 2 runs on: tick 180: 1000 entities",
        "migrated and swapped in",
        "tick 240: 1000 entities",
        "the ECS before: world: frame 240, 4.00 s, 1000 entities in 4 tables, 2 systems",
        "the ECS module itself was swapped in",
        "(Ecs (Restored))",
        "the ECS after:  world: frame 240, 4.00 s, 1000 entities in 4 tables, 2 systems, 0 resources, rebuilt from edited sources",
        "tick 300: 1000 entities",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    // Version 2 moves three times as fast as version 1: the new code ran.
    let mean_x = |tick: &str| -> f32 {
        let line = stdout
            .lines()
            .find(|l| l.contains(tick))
            .expect("the tick is reported");
        let start = line.find("mean position (").expect("a position") + "mean position (".len();
        line[start..]
            .split(',')
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    assert!(
        mean_x("tick 120") - mean_x("tick  60") > 2.0 * mean_x("tick  60"),
        "{stdout}"
    );
    // The rebuilt ECS ran the logic's systems: the entities moved on.
    assert!(mean_x("tick 300") > mean_x("tick 240"), "{stdout}");
}
