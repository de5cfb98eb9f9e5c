//! [`WorldView`]: the world as a whole: ticks, time, resources, and its
//! [`WorldStats`].

use crate::storage::value::ModelValue;
use crate::system::error::ScheduleError;
use crate::world::error::EcsError;
use playground_runtime::{model, view};

/// Counts of the whole world.
#[model]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorldStats {
    /// The world's name.
    pub name: String,
    /// Ticks run.
    pub frame: u64,
    /// Simulated seconds.
    pub time: f64,
    /// Live entities.
    pub entities: u64,
    /// Systems.
    pub systems: u64,
    /// Resources.
    pub resources: u64,
    /// Whether ticks are paused.
    pub paused: bool,
}

/// The world as a whole: ticks, time, resources: 21 operations.
#[view(abi(crate::view::abi::ABI_VERSION))]
pub trait WorldView: Send + Sync {
    /// One tick: dispatch queued events, run the systems, advance time.
    fn tick(&self, dt: f32) -> Result<(), ScheduleError>;
    /// `count` ticks.
    fn step(&self, count: u32, dt: f32) -> Result<(), ScheduleError>;
    /// Ticks run.
    fn frame(&self) -> u64;
    /// Simulated seconds.
    fn time(&self) -> f64;
    /// Ticks do nothing until resumed.
    fn pause(&self);
    /// Ticks run again.
    fn resume(&self);
    /// Whether ticks are paused.
    fn is_paused(&self) -> bool;
    /// Multiplies every tick's `dt`.
    fn set_time_scale(&self, scale: f32);
    /// The time scale.
    fn time_scale(&self) -> f32;
    /// Adds or replaces a resource (one value per model).
    fn insert_resource(&self, value: ModelValue);
    /// A resource.
    fn resource(&self, model_id: u64) -> Option<ModelValue>;
    /// Removes a resource.
    fn remove_resource(&self, model_id: u64) -> Option<ModelValue>;
    /// Whether a resource exists.
    fn has_resource(&self, model_id: u64) -> bool;
    /// The models of every resource.
    fn resource_models(&self) -> Vec<u64>;
    /// Despawns everything, drops events and resources, restarts time;
    /// systems stay.
    fn reset(&self);
    /// The world's name.
    fn name(&self) -> String;
    /// Renames the world.
    fn set_name(&self, name: String);
    /// Counts of the world.
    fn stats(&self) -> WorldStats;
    /// The world, encoded (entities' model components and resources).
    fn save(&self) -> Result<Vec<u8>, EcsError>;
    /// Replaces the world with [`WorldView::save`]'s output.
    fn load(&self, bytes: Vec<u8>) -> Result<(), EcsError>;
    /// A summary a person can read.
    fn describe(&self) -> String;
}
