//! The contract between the ecs_hot_reload host and its game-logic module.

use playground_ecs::{ModelError, System, World};
use playground_runtime::{model, view};

/// Where an entity is.
#[model]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Position {
    pub x: f32,
    pub y: f32,
}

/// How fast it moves.
#[model]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Velocity {
    pub x: f32,
    pub y: f32,
}

/// Game logic: registers its components in the host's world and hands over
/// its systems. The world (every entity and component) stays in the host
/// across reloads. `abi(...)`: the module runs typed queries on the host's
/// `World`, so it must be built from the same playground-ecs sources.
#[view(abi(playground_ecs::ABI_VERSION))]
pub trait GameLogic: Send + Sync {
    /// Registers (or migrates) the module's model components.
    fn install(&self, world: &mut World) -> Result<(), ModelError>;
    /// Spawns the starting entities.
    fn populate(&self, world: &mut World, count: usize);
    /// The module's systems, to run every tick.
    fn systems(&self) -> Vec<System>;
    /// What this build of the logic does, in a few words.
    fn describe(&self) -> String;
}
