//! playground-ecs hot reload: the game logic (systems and the components it
//! defines) is rebuilt and swapped in while the world keeps every entity
//! and component; then the ECS itself is rebuilt from edited sources and
//! swapped in, taking the running world over.
//!
//! `cargo run -p ecs_hot_reload` plays the story by itself; with `--watch`
//! it runs the game and reloads your edits to
//! `examples/ecs_hot_reload/logic/src/lib.rs`.

use ecs_hot_reload_api::{GameLogic, Position};
use hot_reload::{Work, edit};
use playground_ecs::Ecs;
use playground_runtime::{Registry, ViewHandle, WatchEvent, WatchOptions, Watcher};
use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Seconds per tick.
const DT: f32 = 1.0 / 60.0;

/// The game: the ECS (bound in the host's registry as `dyn Ecs`; it holds
/// the world, the systems and the clock), and the logic driving it.
struct Game {
    registry: Registry,
    logic: Option<ViewHandle<dyn GameLogic>>,
}

impl Game {
    fn new() -> Result<Game, Box<dyn Error>> {
        // Binds every viewmodel this program links: `dyn Ecs` to its own
        // playground-ecs `EcsModule`, with an empty world.
        let game = Game {
            registry: Registry::linked(),
            logic: None,
        };
        // The host reads positions for its report: same model, same columns.
        game.ecs()?
            .run_exclusive(&mut |world| drop(world.register_model::<Position>()))?;
        Ok(game)
    }

    /// The ECS, as the registry binds it now.
    fn ecs(&self) -> Result<ViewHandle<dyn Ecs>, Box<dyn Error>> {
        Ok(self.registry.get_owned::<dyn Ecs>()?)
    }

    /// Installs `logic` (its components, migrated if needed, and its
    /// systems). On an error nothing changed and the old logic runs on.
    fn adopt(&mut self, logic: ViewHandle<dyn GameLogic>) -> Result<(), Box<dyn Error>> {
        let ecs = self.ecs()?;
        let mut installed = Ok(());
        ecs.run_exclusive(&mut |world| installed = logic.install(world))?;
        installed?;
        ecs.clear_systems();
        for system in logic.systems() {
            ecs.add_system(system);
        }
        ecs.validate()?;
        self.logic = Some(logic);
        Ok(())
    }

    fn populate(&self, count: usize) -> Result<(), Box<dyn Error>> {
        let logic = self.logic.as_ref().ok_or("no logic yet")?;
        self.ecs()?
            .run_exclusive(&mut |world| logic.populate(world, count))?;
        Ok(())
    }

    fn run(&self, ticks: u32) -> Result<(), Box<dyn Error>> {
        self.ecs()?.step(ticks, DT)?;
        Ok(())
    }

    fn report(&self) -> Result<String, Box<dyn Error>> {
        let ecs = self.ecs()?;
        let (mut count, mut sum_x, mut sum_y) = (0usize, 0f32, 0f32);
        ecs.typed().for_each::<&Position>(|p| {
            count += 1;
            sum_x += p.x;
            sum_y += p.y;
        })?;
        let logic = self
            .logic
            .as_ref()
            .map_or_else(String::new, |l| l.describe());
        Ok(format!(
            "tick {:>3}: {count} entities, mean position ({:.2}, {:.2}) [{logic}]",
            ecs.frame(),
            sum_x / count.max(1) as f32,
            sum_y / count.max(1) as f32
        ))
    }
}

/// Loads the logic library into a registry of its own and hands its logic
/// over.
fn load(game: &mut Game, library: &Path) -> Result<Duration, Box<dyn Error>> {
    let start = Instant::now();
    let registry = Registry::linked();
    registry.load(library)?;
    let logic = registry.get_owned::<dyn GameLogic>()?;
    game.adopt(logic)?;
    Ok(start.elapsed())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn example_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host sits in examples/ecs_hot_reload")
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().any(|a| a == "--watch") {
        watch()
    } else {
        story()
    }
}

fn story() -> Result<(), Box<dyn Error>> {
    println!("playground-ecs hot reload: game logic swapped while the world keeps its entities\n");
    let work = Work::create(example_dir(), "ecs-hot-reload", &["api", "logic"], "logic")?;
    let mut game = Game::new()?;

    println!(
        "[1/5] building the logic module, version 1 (the first build also compiles its dependencies)"
    );
    let built = work.build()?;
    let took = built.elapsed;
    let loaded = load(&mut game, &built.library)?;
    game.populate(1000)?;
    println!(
        "      built in {:.1} s, swapped in {}",
        took.as_secs_f64(),
        ms(loaded)
    );
    game.run(60)?;
    println!("      {}", game.report()?);

    println!("\n[2/5] editing the logic: entities move three times as fast; rebuilding");
    let edited = Instant::now();
    edit(
        &work.module_source(),
        "const SPEED: f32 = 1.0;",
        "const SPEED: f32 = 3.0;",
    )?;
    let built = work.build()?;
    let loaded = load(&mut game, &built.library)?;
    println!(
        "      swapped in {} (edit to swap {}); the world kept every entity:",
        ms(loaded),
        ms(edited.elapsed())
    );
    println!("      {}", game.report()?);
    game.run(60)?;
    println!("      {}", game.report()?);

    println!("\n[3/5] changing the layout of the module's Spin component, without a migration");
    edit(
        &work.module_source(),
        "pub struct Spin {\n    pub rate: f32,\n}",
        "pub struct Spin {\n    pub rate: f32,\n    pub wobble: f32,\n}",
    )?;
    edit(
        &work.module_source(),
        "Spin { rate: 0.5 }",
        "Spin { rate: 0.5, wobble: 0.0 }",
    )?;
    let built = work.build()?;
    match load(&mut game, &built.library) {
        Ok(_) => return Err("a layout change without migration was accepted".into()),
        Err(error) => println!("      refused: {error}"),
    }
    game.run(60)?;
    println!("      version 2 runs on: {}", game.report()?);

    println!("\n[4/5] adding the migration from the old layout; rebuilding");
    edit(
        &work.module_source(),
        "/// The module's own component: entities that turn as they move.\n#[model]",
        "/// The layout of version 2, to migrate from.\n#[model(name = \"Spin\")]\npub struct SpinV1 {\n    pub rate: f32,\n}\n\nimpl From<SpinV1> for Spin {\n    fn from(old: SpinV1) -> Self {\n        Spin { rate: old.rate, wobble: 0.0 }\n    }\n}\n\n/// The module's own component: entities that turn as they move.\n#[model(migrate_from(SpinV1))]",
    )?;
    let built = work.build()?;
    let loaded = load(&mut game, &built.library)?;
    println!("      migrated and swapped in {}:", ms(loaded));
    game.run(60)?;
    println!("      {}", game.report()?);

    println!(
        "\n[5/5] editing the ECS itself (playground-ecs's `describe`), rebuilding it as a module and \
         swapping it in (the first build compiles the copy of playground-ecs)"
    );
    let ecs_work = Work::create(example_dir(), "ecs-hot-reload-ecs", &["ecs"], "ecs")?
        .with_workspace_crate("playground-ecs")?;
    edit(
        &ecs_work.file("playground-ecs", "src/module.rs"),
        "if stats.paused { \" (paused)\" } else { \"\" }\n        )",
        "if stats.paused { \" (paused)\" } else { \"\" }\n        ) + \", rebuilt from edited sources\"",
    )?;
    println!("      the ECS before: {}", game.ecs()?.describe());
    let built = ecs_work.build()?;
    let start = Instant::now();
    let report = game.registry.load(&built.library)?;
    let carried: Vec<String> = report
        .bound
        .iter()
        .map(|b| format!("{} ({:?})", b.view, b.state))
        .collect();
    println!(
        "      the ECS module itself was swapped in {} ({}); the world kept every entity, \
         component and system:",
        ms(start.elapsed()),
        carried.join(", ")
    );
    println!("      the ECS after:  {}", game.ecs()?.describe());
    game.run(60)?;
    println!("      {}", game.report()?);

    println!(
        "\nDone. Run `cargo run -p ecs_hot_reload -- --watch` and edit {} yourself.",
        example_dir().join("logic/src/lib.rs").display()
    );
    Ok(())
}

fn watch() -> Result<(), Box<dyn Error>> {
    let build = hot_reload::module_build(
        &example_dir().join("logic/Cargo.toml"),
        &hot_reload::target_dir(),
    );
    println!("building the logic module...");
    let built = build.run()?;
    let mut game = Game::new()?;
    load(&mut game, &built.library)?;
    game.populate(1000)?;
    let registry = Arc::new(Registry::linked());
    let watcher = Watcher::build(Arc::clone(&registry), build, WatchOptions::default())?;
    println!(
        "watching {}: edit the systems and save; Ctrl-C to stop",
        example_dir().join("logic/src").display()
    );
    loop {
        game.run(60)?;
        println!("{}", game.report()?);
        while let Ok(event) = watcher.events().recv_timeout(Duration::from_secs(1)) {
            match event {
                WatchEvent::Building { changed } => {
                    println!("      rebuilding ({} changed)...", changed.display())
                }
                WatchEvent::BuildFailed { message } => {
                    println!("      build failed, the old logic runs on:\n{message}")
                }
                WatchEvent::Loaded { since_change, .. } => {
                    match registry.get_owned::<dyn GameLogic>() {
                        Ok(logic) => match game.adopt(logic) {
                            Ok(()) => println!(
                                "      new logic running (change to swap {})",
                                ms(since_change)
                            ),
                            Err(error) => println!("      refused, the old logic runs on: {error}"),
                        },
                        Err(error) => println!("      refused, the old logic runs on: {error}"),
                    }
                }
                WatchEvent::Refused(error) => {
                    println!("      refused, the old logic runs on: {error}")
                }
                _ => {}
            }
        }
    }
}
