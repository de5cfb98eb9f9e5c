//! [`SystemView`]: systems.

use crate::system::System;
use crate::system::error::ScheduleError;
use crate::world::World;
use crate::world::error::EcsError;
use playground_runtime::view;

/// Systems: 18 operations.
#[view(abi(crate::view::abi::ABI_VERSION))]
pub trait SystemView: Send + Sync {
    /// Adds a system.
    fn add_system(&self, system: System);
    /// Removes a system; whether it existed.
    fn remove_system(&self, name: String) -> bool;
    /// The systems' names.
    fn system_names(&self) -> Vec<String>;
    /// How many systems there are.
    fn system_count(&self) -> u32;
    /// Lets a system run again; whether it exists.
    fn enable(&self, name: String) -> bool;
    /// Skips a system; whether it exists.
    fn disable(&self, name: String) -> bool;
    /// Whether a system runs; `None` if there is none.
    fn is_enabled(&self, name: String) -> Option<bool>;
    /// The stages: systems that run together, in order.
    fn stages(&self) -> Result<Vec<Vec<String>>, ScheduleError>;
    /// Runs every system once.
    fn run_systems(&self) -> Result<(), ScheduleError>;
    /// Runs one system; whether it exists.
    fn run_system(&self, name: String) -> Result<bool, ScheduleError>;
    /// Orders `first` before `then`.
    fn add_order(&self, first: String, then: String);
    /// Removes such an order; whether it existed.
    fn remove_order(&self, first: String, then: String) -> bool;
    /// Removes every system; returns how many.
    fn clear_systems(&self) -> u32;
    /// Runs `f` with the world, exclusively, now (between ticks): the typed
    /// [`World`](crate::World) API for what systems cannot do, such as
    /// registering or migrating components. [`EcsError::WorldBorrowed`] if
    /// this thread holds typed borrows of the world.
    fn run_exclusive(&self, f: &mut dyn FnMut(&mut World)) -> Result<(), EcsError>;
    /// Checks that the order can be built (no cycle, no unknown name).
    fn validate(&self) -> Result<(), ScheduleError>;
    /// Microseconds a recent run took (the first run and one in 32 after
    /// it are timed).
    fn last_run_micros(&self) -> Option<u64>;
    /// How many times a system ran.
    fn run_count(&self, name: String) -> Option<u64>;
    /// Whether stages run their systems in parallel.
    fn set_parallel(&self, parallel: bool);
}
