//! The game logic: systems over the host's world. Edit and rebuild it
//! while `cargo run -p ecs_hot_reload -- --watch` runs.

use ecs_hot_reload_api::{GameLogic, Position, Velocity};
use playground_ecs::{ModelError, System, World};
use playground_runtime::{model, viewmodel};

// This crate is the module: loading it binds only its own viewmodels, not
// the `EcsModule` of playground-ecs that the library carries too.
playground_runtime::export_module!();

/// The module's own component: entities that turn as they move.
#[model]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spin {
    pub rate: f32,
}

/// Seconds per tick.
const DT: f32 = 1.0 / 60.0;
/// How much faster than their velocity entities move.
const SPEED: f32 = 1.0;

#[derive(Default)]
pub struct Logic;

#[viewmodel]
impl GameLogic for Logic {
    fn install(&self, world: &mut World) -> Result<(), ModelError> {
        world.register_model::<Position>()?;
        world.register_model::<Velocity>()?;
        match world.register_model::<Spin>() {
            Err(ModelError::VersionChanged { .. }) => world.migrate_model::<Spin>().map(drop),
            other => other.map(drop),
        }
    }

    fn populate(&self, world: &mut World, count: usize) {
        for i in 0..count {
            let velocity = Velocity { x: 1.0, y: 0.0 };
            if i % 2 == 0 {
                world.spawn((Position::default(), velocity, Spin { rate: 0.5 }));
            } else {
                world.spawn((Position::default(), velocity));
            }
        }
    }

    fn systems(&self) -> Vec<System> {
        vec![
            System::new("integrate", |world| {
                // `.for_each`: one loop per table, which LLVM vectorises.
                world
                    .query::<(&mut Position, &Velocity)>()?
                    .iter()
                    .for_each(|(p, v)| {
                        p.x += v.x * SPEED * DT;
                        p.y += v.y * SPEED * DT;
                    });
                Ok(())
            })
            .writes::<Position>()
            .reads::<Velocity>(),
            System::new("spin", |world| {
                world
                    .query::<(&mut Velocity, &Spin)>()?
                    .iter()
                    .for_each(|(v, s)| {
                        let (sin, cos) = (s.rate * DT).sin_cos();
                        *v = Velocity {
                            x: v.x * cos - v.y * sin,
                            y: v.x * sin + v.y * cos,
                        };
                    });
                Ok(())
            })
            .writes::<Velocity>()
            .reads::<Spin>()
            .before("integrate"),
        ]
    }

    fn describe(&self) -> String {
        format!("speed x{SPEED}")
    }
}
