//! Edit-to-swap for examples/hot_reload, as a user lives it: the watcher
//! runs; a scripted edit of the module's source is saved; the time is
//! taken from the save until a call to the view is answered by the new
//! code. Beside it, in the same run and interleaved round by round, the
//! floor: a bare `cargo build` of the same crate after the same kind of
//! edit.
//!
//! `cargo bench -p hot_reload --bench edit_to_swap` (20 rounds;
//! `EDIT_TO_SWAP_ROUNDS=n` for another count). A harness of its own, not
//! criterion: each sample is seconds of cargo, and what matters is the
//! distribution (median, p90, max), printed at the end.

use hot_reload::{Work, edit};
use hot_reload_api::Greeter;
use playground_runtime::{Registry, WatchEvent, WatchOptions, Watcher};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The expression `greet` returns: alternately a changed string and a
/// changed function body, each answering `Hello{n}, {name}.`.
fn greeting(n: u32) -> String {
    if n.is_multiple_of(2) {
        format!("format!(\"Hello{n}, {{name}}.\")")
    } else {
        format!(
            "{{\n        let mut line = String::from(\"Hello{n}, \");\n        \
             line.push_str(name);\n        line.push('.');\n        line\n    }}"
        )
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    let rounds: u32 = std::env::var("EDIT_TO_SWAP_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    // Rebuilds link with wild, installed into target/tools on the first
    // run, unless `PLAYGROUND_LINKER` names another linker (empty: rustc's
    // own lld, to measure what wild buys).
    if hot_reload::fast_linker().is_none() && std::env::var_os("PLAYGROUND_LINKER").is_none() {
        println!(
            "installing wild {} into target/tools (once, a few minutes)...",
            hot_reload::WILD_VERSION
        );
        hot_reload::install_wild().expect("install wild");
    }
    match hot_reload::fast_linker() {
        Some(linker) => println!("rebuilds link with {}", linker.display()),
        None => println!("rebuilds link with rustc's lld"),
    }
    let work = Work::hot_reload().expect("scratch copy of the example");
    let build = work.module_build();
    println!("first build (compiles the module's dependencies)...");
    let first = build.run().expect("first build");
    let built_first = first.library.clone();
    let registry = Arc::new(Registry::linked());
    registry.load(&first.library).expect("load version 1");
    let source = work.module_source();
    let mut current = "format!(\"Hello, {name}.\")".to_owned();
    let mut next = 1u32;
    let edit_to = |n: u32, current: &mut String| {
        let replacement = greeting(n);
        edit(&source, current, &replacement).expect("edit the module");
        *current = replacement;
    };

    // One warm-up of each, not measured: the first incremental build after
    // a cold one does more work than the following ones.
    edit_to(next, &mut current);
    next += 1;
    registry
        .load(build.run().expect("warm-up build").library)
        .expect("warm-up load");

    let mut swaps = Vec::new();
    let mut floors = Vec::new();
    let (mut noticed, mut built, mut loaded) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        // The watcher, as `cargo run -p hot_reload -- --watch` runs it.
        let watcher = Watcher::build(
            Arc::clone(&registry),
            build.clone(),
            WatchOptions::default(),
        )
        .expect("watch the module");
        let n = next;
        next += 1;
        let expected = format!("Hello{n}, Ada.");
        let saved = Instant::now();
        edit_to(n, &mut current);
        // The watcher's events give the breakdown; the clock stops at the
        // first call the new code answers.
        let mut building_at = None;
        let swap = loop {
            match watcher.events().recv_timeout(Duration::from_secs(60)) {
                Ok(WatchEvent::Building { .. }) => building_at = Some(saved.elapsed()),
                Ok(WatchEvent::Loaded { report, .. }) => {
                    let answer = registry.get::<dyn Greeter>().expect("bound").greet("Ada");
                    let swap = saved.elapsed();
                    assert_eq!(answer, expected, "the new code answers");
                    let building_at = building_at.expect("a Building event first");
                    noticed.push(building_at);
                    loaded.push(report.elapsed);
                    built.push(swap.saturating_sub(building_at + report.elapsed));
                    break swap;
                }
                Ok(WatchEvent::BuildFailed { message }) => panic!("build failed: {message}"),
                Ok(WatchEvent::Refused(error)) => panic!("refused: {error}"),
                Ok(_) => {}
                Err(_) => panic!("no swap in 60 s"),
            }
        };
        drop(watcher);
        swaps.push(swap);

        // The floor: the same kind of edit, then the same `cargo build`
        // (same target directory, profile settings and environment), alone.
        let n = next;
        next += 1;
        edit_to(n, &mut current);
        let mut cargo = build.command().expect("the cargo command");
        let started = Instant::now();
        let status = cargo.arg("--quiet").status().expect("run cargo");
        let floor = started.elapsed();
        assert!(status.success(), "bare cargo build failed");
        floors.push(floor);
        println!(
            "round {:>2}: edit to swap {:>6.1} ms (noticed {:>4.1}, build {:>6.1}, load {:>4.1})   \
             bare cargo build {:>6.1} ms",
            round + 1,
            ms(swap),
            ms(noticed[noticed.len() - 1]),
            ms(built[built.len() - 1]),
            ms(loaded[loaded.len() - 1]),
            ms(floor)
        );
    }
    report("edit to swap (watcher)", &mut swaps);
    report("  save to build start", &mut noticed);
    report("  build (rustc)", &mut built);
    report("  load", &mut loaded);
    report("bare cargo build", &mut floors);
    let overhead = median(&swaps).as_secs_f64() - median(&floors).as_secs_f64();
    println!(
        "pipeline overhead (median - median): {:.1} ms; library {} bytes",
        overhead * 1e3,
        std::fs::metadata(&built_first).map_or(0, |m| m.len())
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(sorted: &[Duration]) -> Duration {
    sorted[sorted.len() / 2]
}

fn report(what: &str, samples: &mut [Duration]) {
    if samples.is_empty() {
        return;
    }
    samples.sort();
    let p90 = samples[(samples.len() * 9).div_ceil(10).saturating_sub(1)];
    println!(
        "{what:<24} n={:<3} median {:>6.1} ms  p90 {:>6.1} ms  max {:>6.1} ms  min {:>6.1} ms",
        samples.len(),
        ms(median(samples)),
        ms(p90),
        ms(*samples.last().expect("samples")),
        ms(samples[0]),
    );
}
