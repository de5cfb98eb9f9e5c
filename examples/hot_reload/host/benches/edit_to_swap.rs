//! Edit-to-swap as users live it: a watcher runs; a scripted edit of a
//! module's source is saved; the time is taken from the save until a call
//! to the view is answered by the new code. Eight setups, interleaved
//! round by round, each on an edit of its own:
//!
//! - **user, least code**: a fresh cargo workspace outside this repository,
//!   made the way the README says (no `[profile]` section), whose host is
//!   the README's shortest code (`Build::new`, the watcher's default
//!   options), built with the dev profile and run as its own process;
//!   nothing installed (rustc's own linker).
//! - **user, wild on PATH**: the same, with the one line the README
//!   recommends to copy (wild installed), found by `Build` itself.
//! - **user, bare cargo build**: a plain `cargo build` of the same module
//!   in a third copy of that workspace: what a simpler reloader runs.
//! - **hot-lib-reloader, 20 ms** and **hot-lib-reloader, its default**:
//!   the same greeter in a workspace of its own set up as hot-lib-reloader's
//!   README shows, with the debounce its README suggests for small
//!   libraries (`file_watch_debounce = 20`) and with its default (500 ms);
//!   each save followed at once by the `cargo build -p lib` its README's
//!   `cargo watch` runs, the clock stopped when the running binary answers
//!   with the new code.
//! - **subsecond**: the same greeter in a plain binary hot patched by
//!   subsecond under `dx serve --hot-patch`, set up as subsecond's docs
//!   show for a program that is not a Dioxus app; the clock stopped when
//!   the running program's `subsecond::call` answers with the new code.
//! - **tuned example**: this repository's examples/hot_reload (its
//!   workspace's `debug = 0`, wild from `target/tools`), the watcher in
//!   this process.
//! - **tuned, bare cargo build**: the plain `cargo build` of the tuned
//!   example's module.
//!
//! `cargo bench -p hot_reload --bench edit_to_swap` (20 rounds;
//! `EDIT_TO_SWAP_ROUNDS=n` for another count). A harness of its own, not
//! criterion: each sample is a compiler run, and what matters is the
//! distribution (median, p90, max), printed at the end. The first run
//! installs wild and dioxus-cli into `target/tools` and compiles the
//! workspaces' dependencies (about twenty minutes); later runs reuse them.

use hot_reload::hot_lib_workspace::{self, HotLibWorkspace};
use hot_reload::subsecond_workspace::{self, SubsecondWorkspace};
use hot_reload::user_workspace::{Host, UserWorkspace};
use hot_reload::{Work, edit, user_workspace, workspace_dir};
use hot_reload_api::Greeter;
use playground_runtime::{Build, Registry, WatchEvent, WatchOptions, Watcher};
use std::collections::BTreeMap;
use std::ffi::OsString;
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

/// Samples of one setup, and of each phase it reports.
#[derive(Default)]
struct Samples {
    total: Vec<Duration>,
    parts: BTreeMap<String, Vec<Duration>>,
}

impl Samples {
    fn part(&mut self, name: &str, took: Duration) {
        self.parts.entry(name.to_owned()).or_default().push(took);
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    let rounds: u32 = std::env::var("EDIT_TO_SWAP_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    if hot_reload::fast_linker().is_none() && std::env::var_os("PLAYGROUND_LINKER").is_none() {
        println!(
            "installing wild {} into target/tools (once, a few minutes)...",
            hot_reload::WILD_VERSION
        );
        hot_reload::install_wild().expect("install wild");
    }
    let wild = hot_reload::fast_linker();
    let dx = hot_reload::dx().unwrap_or_else(|| {
        println!(
            "installing dioxus-cli {} into target/tools (once, about fifteen minutes)...",
            subsecond_workspace::VERSION
        );
        hot_reload::install_dx().expect("install dioxus-cli")
    });
    match &wild {
        Some(linker) => println!("the tuned example links with {}", linker.display()),
        None => println!("the tuned example links with rustc's lld"),
    }

    // The user's workspaces, outside this repository.
    let root = user_workspace::default_root();
    let make = |name: &str| {
        UserWorkspace::create(
            &root.join(name),
            &workspace_dir().join("playground-runtime"),
            &workspace_dir().join("Cargo.lock"),
            &greeting(0),
        )
        .expect("write the user's workspace")
    };
    let least = make("least-code");
    let with_wild = make("wild-on-path");
    let bare = make("bare");
    println!(
        "user workspaces in {} (the first run compiles their dependencies)...",
        root.display()
    );
    let least_host = least.build_host().expect("build the user's host");
    let wild_host = with_wild.build_host().expect("build the user's host");
    bare.cargo_build_module()
        .expect("first build of the bare module");
    // PATH without any wild of this repository; and with it first.
    let path = std::env::var_os("PATH").unwrap_or_default();
    let wild_path = wild.as_ref().and_then(|wild| {
        let dir = wild.parent()?.to_owned();
        let mut dirs = vec![dir];
        dirs.extend(std::env::split_paths(&path));
        std::env::join_paths(dirs).ok()
    });
    let mut least_running = least
        .start_host(&least_host, Some(&path))
        .expect("start the user's host");
    let mut wild_running = wild_path.as_ref().map(|wild_path: &OsString| {
        with_wild
            .start_host(&wild_host, Some(wild_path))
            .expect("start the user's host with wild on PATH")
    });

    // hot-lib-reloader's workspaces, beside the user's.
    let peer_root = root.with_file_name("hot-lib-reloader");
    println!(
        "hot-lib-reloader {} workspaces in {}...",
        hot_lib_workspace::VERSION,
        peer_root.display()
    );
    let make_peer = |name: &str, debounce: Option<u32>| {
        let workspace = HotLibWorkspace::create(&peer_root.join(name), &greeting(0), debounce)
            .expect("write hot-lib-reloader's workspace");
        let bin = workspace
            .build()
            .expect("build hot-lib-reloader's workspace");
        let running = workspace
            .start(&bin)
            .expect("start hot-lib-reloader's binary");
        (workspace, running)
    };
    let (peer_fast, mut peer_fast_running) = make_peer("debounce-20", Some(20));
    let (peer_default, mut peer_default_running) = make_peer("default", None);

    // subsecond's, served by `dx serve --hot-patch` (its first build
    // compiles the dependencies and links the program whole).
    let subsecond = SubsecondWorkspace::create(&root.with_file_name("subsecond"), &greeting(0))
        .expect("write subsecond's workspace");
    println!(
        "subsecond {} in {}, served by {}...",
        subsecond_workspace::VERSION,
        subsecond.root.display(),
        dx.display()
    );
    let mut served = subsecond
        .serve(&dx, Duration::from_secs(1800))
        .expect("dx serve --hot-patch");

    // The tuned example, in this process.
    let work = Work::hot_reload().expect("scratch copy of the example");
    let build = work.module_build();
    println!("first build of the tuned example (compiles the module's dependencies)...");
    let first = build.run().expect("first build");
    match build.support_library() {
        Some(support) => println!("its rebuilds link thin, against {}", support.display()),
        None => println!("its rebuilds link in full: no support library"),
    }
    // The same build with rebuilds linked in full, for comparison.
    let full_build = build.clone().thin_links(false);
    let registry = Arc::new(Registry::linked());
    registry.load(&first.library).expect("load version 1");
    let source = work.module_source();
    let mut current = "format!(\"Hello, {name}.\")".to_owned();
    let mut next = 1u32;
    let mut edit_to = |n: u32| {
        let replacement = greeting(n);
        edit(&source, &current, &replacement).expect("edit the module");
        current = replacement;
    };

    // One warm-up of each, not measured: the first rebuild after a cold
    // build goes through cargo and does more work than the following ones.
    edit_to(next);
    registry
        .load(build.run().expect("warm-up build").library)
        .expect("warm-up load");
    let warm_up = |host: &mut Host, workspace: &UserWorkspace, n: u32| {
        workspace.set_greeting(&greeting(n)).expect("edit");
        let swap = host.next_swap().expect("warm-up swap");
        assert_eq!(swap.answer, format!("Hello{n}, Ada."));
    };
    warm_up(&mut least_running, &least, next);
    if let Some(host) = &mut wild_running {
        warm_up(host, &with_wild, next);
    }
    // One round of a hot-lib-reloader workspace: the save, its README's
    // `cargo build -p lib`, then its watcher's reload.
    let peer_round = |host: &mut Host, workspace: &HotLibWorkspace, n: u32| {
        let saved = Instant::now();
        workspace.set_greeting(&greeting(n)).expect("edit");
        workspace.cargo_build_lib().expect("cargo build -p lib");
        let built = saved.elapsed();
        let swap = host.next_swap().expect("a reload");
        let took = saved.elapsed();
        assert_eq!(
            swap.answer,
            format!("Hello{n}, Ada."),
            "the new code answers"
        );
        (took, built)
    };
    peer_round(&mut peer_fast_running, &peer_fast, next);
    peer_round(&mut peer_default_running, &peer_default, next);
    // One round of subsecond: the save, then `dx`'s patch.
    let mut subsecond_round = |n: u32| {
        let saved = Instant::now();
        subsecond.set_greeting(&greeting(n)).expect("edit");
        let answer = served
            .next_swap(Duration::from_secs(60))
            .expect("a hot patch");
        let took = saved.elapsed();
        assert_eq!(answer, format!("Hello{n}, Ada."), "the new code answers");
        took
    };
    subsecond_round(next);
    next += 1;

    let mut user_least = Samples::default();
    let mut user_wild = Samples::default();
    let mut user_bare = Samples::default();
    let mut hot_lib_fast = Samples::default();
    let mut hot_lib_default = Samples::default();
    let mut subsecond_samples = Samples::default();
    let mut tuned = Samples::default();
    let mut tuned_full = Samples::default();
    let mut tuned_bare = Samples::default();
    // A round of the tuned example: the save, the watcher's rebuild, the
    // new code answering.
    let tuned_round =
        |build: &Build, n: u32, samples: &mut Samples, edit_to: &mut dyn FnMut(u32)| -> Duration {
            let watcher = Watcher::build(
                Arc::clone(&registry),
                build.clone(),
                WatchOptions::default(),
            )
            .expect("watch the module");
            let expected = format!("Hello{n}, Ada.");
            let saved = Instant::now();
            edit_to(n);
            let mut building_at = None;
            let took = loop {
                match watcher.events().recv_timeout(Duration::from_secs(60)) {
                    Ok(WatchEvent::Building { .. }) => building_at = Some(saved.elapsed()),
                    Ok(WatchEvent::Loaded { report, .. }) => {
                        let answer = registry.get::<dyn Greeter>().expect("bound").greet("Ada");
                        let swap = saved.elapsed();
                        assert_eq!(answer, expected, "the new code answers");
                        let building_at = building_at.expect("a Building event first");
                        samples.part("save to build start", building_at);
                        samples.part("load", report.elapsed);
                        samples.part("build", swap.saturating_sub(building_at + report.elapsed));
                        break swap;
                    }
                    Ok(WatchEvent::BuildFailed { message }) => panic!("build failed: {message}"),
                    Ok(WatchEvent::Refused(error)) => panic!("refused: {error}"),
                    Ok(_) => {}
                    Err(_) => panic!("no swap in 60 s"),
                }
            };
            drop(watcher);
            samples.total.push(took);
            took
        };
    for round in 0..rounds {
        let n = next;
        next += 1;

        // The user's workspaces.
        let user_round = |host: &mut Host, workspace: &UserWorkspace, samples: &mut Samples| {
            let saved = Instant::now();
            workspace.set_greeting(&greeting(n)).expect("edit");
            let swap = host.next_swap().expect("a swap");
            let took = saved.elapsed();
            assert_eq!(
                swap.answer,
                format!("Hello{n}, Ada."),
                "the new code answers"
            );
            samples.total.push(took);
            let mut load = Duration::ZERO;
            for (phase, micros) in &swap.phases {
                let phase_took = Duration::from_micros(*micros);
                load += phase_took;
                samples.part(&format!("load: {phase}"), phase_took);
            }
            samples.part("load", load);
            took
        };
        let least_took = user_round(&mut least_running, &least, &mut user_least);
        let wild_took = wild_running
            .as_mut()
            .map(|host| user_round(host, &with_wild, &mut user_wild));
        bare.set_greeting(&greeting(n)).expect("edit");
        let started = Instant::now();
        bare.cargo_build_module().expect("bare cargo build");
        let bare_took = started.elapsed();
        user_bare.total.push(bare_took);
        let peer = |host: &mut Host, workspace: &HotLibWorkspace, samples: &mut Samples| {
            let (took, built) = peer_round(host, workspace, n);
            samples.total.push(took);
            samples.part("cargo build -p lib", built);
            samples.part("after the build", took.saturating_sub(built));
            took
        };
        let fast_took = peer(&mut peer_fast_running, &peer_fast, &mut hot_lib_fast);
        let default_took = peer(
            &mut peer_default_running,
            &peer_default,
            &mut hot_lib_default,
        );
        let subsecond_took = subsecond_round(n);
        subsecond_samples.total.push(subsecond_took);

        // The tuned example, with the watcher as `cargo run -p hot_reload
        // -- --watch` runs it; then the same with rebuilds linked in full.
        let tuned_took = tuned_round(&build, n, &mut tuned, &mut edit_to);
        let n = next;
        next += 1;
        let full_took = tuned_round(&full_build, n, &mut tuned_full, &mut edit_to);

        // The tuned example's floor: the same kind of edit, then the same
        // `cargo build` (target directory, profile settings, environment).
        let n = next;
        next += 1;
        edit_to(n);
        let mut cargo = build.command().expect("the cargo command");
        let started = Instant::now();
        let status = cargo.arg("--quiet").status().expect("run cargo");
        let tuned_bare_took = started.elapsed();
        assert!(status.success(), "bare cargo build failed");
        tuned_bare.total.push(tuned_bare_took);
        println!(
            "round {:>2}: user least code {:>6.1} ms, wild on PATH {:>6.1} ms, bare cargo {:>6.1} ms, \
             hot-lib-reloader {:>6.1} ms ({:>6.1} ms by default), subsecond {:>6.1} ms | \
             tuned {:>6.1} ms, linked in full {:>6.1} ms, bare cargo {:>6.1} ms",
            round + 1,
            ms(least_took),
            wild_took.map_or(f64::NAN, ms),
            ms(bare_took),
            ms(fast_took),
            ms(default_took),
            ms(subsecond_took),
            ms(tuned_took),
            ms(full_took),
            ms(tuned_bare_took),
        );
    }
    println!();
    report("user, least code", &mut user_least);
    report("user, wild on PATH", &mut user_wild);
    report("user, bare cargo build", &mut user_bare);
    report("hot-lib-reloader, debounce 20 ms", &mut hot_lib_fast);
    report("hot-lib-reloader, its default", &mut hot_lib_default);
    report("subsecond (dx serve --hot-patch)", &mut subsecond_samples);
    report("tuned example", &mut tuned);
    report("tuned, linked in full", &mut tuned_full);
    report("tuned, bare cargo build", &mut tuned_bare);
    let ratio =
        |a: &Samples, b: &Samples| median(&a.total).as_secs_f64() / median(&b.total).as_secs_f64();
    println!(
        "medians: least code / bare cargo {:.2}x; wild on PATH / bare cargo {:.2}x; \
         tuned / its bare cargo {:.2}x",
        ratio(&user_least, &user_bare),
        if user_wild.total.is_empty() {
            f64::NAN
        } else {
            ratio(&user_wild, &user_bare)
        },
        ratio(&tuned, &tuned_bare),
    );
    println!(
        "medians: least code / hot-lib-reloader (20 ms) {:.2}x; wild on PATH / hot-lib-reloader \
         (20 ms) {:.2}x; least code / hot-lib-reloader (its default) {:.2}x",
        ratio(&user_least, &hot_lib_fast),
        if user_wild.total.is_empty() {
            f64::NAN
        } else {
            ratio(&user_wild, &hot_lib_fast)
        },
        ratio(&user_least, &hot_lib_default),
    );
    println!(
        "medians: tuned / subsecond {:.2}x; tuned linked in full / subsecond {:.2}x; \
         wild on PATH / subsecond {:.2}x; least code / subsecond {:.2}x",
        ratio(&tuned, &subsecond_samples),
        ratio(&tuned_full, &subsecond_samples),
        if user_wild.total.is_empty() {
            f64::NAN
        } else {
            ratio(&user_wild, &subsecond_samples)
        },
        ratio(&user_least, &subsecond_samples),
    );
    drop(served);
    drop(peer_fast_running);
    drop(peer_default_running);
    // A load from the file (read and hash included), in the user's dev
    // build, of the lean library `Build` makes and of the one with debug
    // info a plain `cargo build` makes; five each, the median per phase.
    drop(least_running);
    for (name, workspace) in [("Build's", &least), ("plain cargo build's", &bare)] {
        let library = workspace.root.join("target/debug/libgreeter.so");
        let mut phases = Samples::default();
        for _ in 0..5 {
            for (phase, micros) in least
                .load_phases(&least_host, &library)
                .expect("host --load")
            {
                phases.part(&phase, Duration::from_micros(micros));
            }
        }
        println!(
            "a load of {name} library, {} bytes, from its file:",
            std::fs::metadata(&library).map_or(0, |m| m.len())
        );
        for (phase, times) in &mut phases.parts {
            line(&format!("  {phase}"), times);
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(sorted: &[Duration]) -> Duration {
    let mut sorted = sorted.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn report(what: &str, samples: &mut Samples) {
    line(what, &mut samples.total);
    for (part, times) in &mut samples.parts {
        line(&format!("  {part}"), times);
    }
}

fn line(what: &str, samples: &mut [Duration]) {
    if samples.is_empty() {
        return;
    }
    samples.sort();
    let p90 = samples[(samples.len() * 9).div_ceil(10).saturating_sub(1)];
    println!(
        "{what:<28} n={:<3} median {:>7.2} ms  p90 {:>7.2} ms  max {:>7.2} ms  min {:>7.2} ms",
        samples.len(),
        ms(samples[samples.len() / 2]),
        ms(p90),
        ms(*samples.last().expect("samples")),
        ms(samples[0]),
    );
}
