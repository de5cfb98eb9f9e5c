//! Hot reload end to end.
//!
//! `cargo run -p hot_reload` plays the whole story by itself: it builds the
//! module, accumulates state, rebuilds it with a behaviour change, swaps it
//! in with the state carried over, then builds a module with a changed API
//! and shows it refused while the running version goes on.
//!
//! `cargo run -p hot_reload -- --watch` runs the host and waits for your
//! edits to `examples/hot_reload/module/src/lib.rs`.

use hot_reload::{Work, edit, example_dir, module_build};
use hot_reload_api::Greeter;
use playground_runtime::{Registry, WatchEvent, WatchOptions, Watcher};
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().any(|a| a == "--watch") {
        watch()
    } else {
        story()
    }
}

fn greet(registry: &Registry, name: &str) -> Result<(), Box<dyn Error>> {
    println!("      > {}", registry.get::<dyn Greeter>()?.greet(name));
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn story() -> Result<(), Box<dyn Error>> {
    println!("playground hot reload: a host swaps in a rebuilt module and keeps its state\n");
    let work = Work::hot_reload()?;
    let registry = Registry::linked();

    println!(
        "[1/3] building the module, version 1 (the first build also compiles its dependencies)"
    );
    // One build for the story: its rebuilds run rustc alone, with the
    // command this first cargo build used.
    let build = work.module_build();
    let built = build.run()?;
    let report = registry.load(&built.library)?;
    println!(
        "      built in {:.1} s, loaded in {}",
        built.elapsed.as_secs_f64(),
        ms(report.elapsed)
    );
    // Made in the background after the first build; waited for here so
    // that the rebuild below links against it.
    if build.support_library().is_some() {
        println!("      (its dependencies linked once into a support library for rebuilds)");
    }
    for name in ["Ada", "Grace", "Linus"] {
        greet(&registry, name)?;
    }

    println!("\n[2/3] editing greet() in the module and rebuilding: version 2");
    let edited = Instant::now();
    edit(
        &work.module_source(),
        "format!(\"Hello, {name}.\")",
        "format!(\"Welcome, {name}! You are visitor number {number}.\")",
    )?;
    let built = build.run()?;
    let report = registry.load(&built.library)?;
    let edit_to_swap = edited.elapsed();
    let visits = registry.get::<dyn Greeter>()?.visits();
    println!(
        "      swapped in {} (edit to swap {}); state carried over: {} visits ({})",
        ms(report.elapsed),
        ms(edit_to_swap),
        visits.len(),
        visits
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    greet(&registry, "Edsger")?;

    println!("\n[3/3] adding a method to the view (an API change) and rebuilding");
    edit(
        &work.api_source(),
        "    fn visits(&self) -> Vec<Visit>;\n",
        "    fn visits(&self) -> Vec<Visit>;\n    /// Says goodbye.\n    fn farewell(&self, name: &str) -> String;\n",
    )?;
    edit(
        &work.module_source(),
        "    fn visits(&self) -> Vec<Visit> {",
        "    fn farewell(&self, name: &str) -> String {\n        format!(\"Goodbye, {name}.\")\n    }\n\n    fn visits(&self) -> Vec<Visit> {",
    )?;
    let built = build.run()?;
    match registry.load(&built.library) {
        Ok(_) => return Err("the module with a changed API was accepted".into()),
        Err(error) => println!("      refused: {error}"),
    }
    println!("      version 2 runs on:");
    greet(&registry, "Barbara")?;

    println!(
        "\nDone. Run `cargo run -p hot_reload -- --watch` and edit {} yourself.",
        example_dir().join("module/src/lib.rs").display()
    );
    Ok(())
}

fn watch() -> Result<(), Box<dyn Error>> {
    let build = module_build(
        &example_dir().join("module/Cargo.toml"),
        &hot_reload::target_dir(),
    );
    println!("building the module...");
    let built = build.run()?;
    let registry = Arc::new(Registry::linked());
    registry.load(&built.library)?;
    let watcher = Watcher::build(Arc::clone(&registry), build, WatchOptions::default())?;
    println!(
        "watching {}: edit greet() and save; Ctrl-C to stop",
        example_dir().join("module/src").display()
    );
    let visitors = [
        "Ada", "Grace", "Linus", "Edsger", "Barbara", "Alan", "Margaret",
    ];
    for n in 0.. {
        greet(&registry, visitors[n % visitors.len()])?;
        while let Ok(event) = watcher.events().recv_timeout(Duration::from_secs(2)) {
            match event {
                WatchEvent::Building { changed } => {
                    println!("      rebuilding ({} changed)...", changed.display())
                }
                WatchEvent::BuildFailed { message } => {
                    println!("      build failed, old version runs on:\n{message}")
                }
                WatchEvent::Loaded {
                    report,
                    since_change,
                } => {
                    println!(
                        "      swapped in {} (change to swap {})",
                        ms(report.elapsed),
                        ms(since_change)
                    )
                }
                WatchEvent::Refused(error) => {
                    println!("      refused, old version runs on: {error}")
                }
                _ => {}
            }
        }
    }
    Ok(())
}
