//! [`SystemView`] of [`EcsModule`]: systems.

use crate::module::EcsModule;
use crate::system::System;
use crate::system::error::ScheduleError;
use crate::view::system::SystemView;
use crate::world::World;
use crate::world::error::EcsError;

impl SystemView for EcsModule {
    fn add_system(&self, system: System) {
        self.write().schedule.add(system);
    }
    fn remove_system(&self, name: String) -> bool {
        self.write().schedule.remove(&name)
    }
    fn system_names(&self) -> Vec<String> {
        self.state
            .simulation
            .read()
            .schedule
            .names()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }
    fn system_count(&self) -> u32 {
        self.read().schedule.len() as u32
    }
    fn enable(&self, name: String) -> bool {
        self.write().schedule.set_enabled(&name, true)
    }
    fn disable(&self, name: String) -> bool {
        self.write().schedule.set_enabled(&name, false)
    }
    fn is_enabled(&self, name: String) -> Option<bool> {
        self.read().schedule.is_enabled(&name)
    }
    fn stages(&self) -> Result<Vec<Vec<String>>, ScheduleError> {
        let simulation = &mut *self.write();
        simulation.schedule.build(&mut simulation.world)
    }
    fn run_systems(&self) -> Result<(), ScheduleError> {
        let simulation = &mut *self.write();
        simulation.schedule.run(&mut simulation.world)
    }
    fn run_system(&self, name: String) -> Result<bool, ScheduleError> {
        let simulation = &mut *self.write();
        simulation.schedule.run_system(&name, &mut simulation.world)
    }
    fn add_order(&self, first: String, then: String) {
        self.write().schedule.add_order(first, then);
    }
    fn remove_order(&self, first: String, then: String) -> bool {
        self.write().schedule.remove_order(&first, &then)
    }
    fn clear_systems(&self) -> u32 {
        self.write().schedule.clear() as u32
    }
    fn run_exclusive(&self, f: &mut dyn FnMut(&mut World)) -> Result<(), EcsError> {
        f(&mut self.try_write()?.world);
        Ok(())
    }
    fn validate(&self) -> Result<(), ScheduleError> {
        self.stages().map(drop)
    }
    fn last_run_micros(&self) -> Option<u64> {
        self.state
            .simulation
            .read()
            .schedule
            .last_run()
            .map(|d| d.as_micros() as u64)
    }
    fn run_count(&self, name: String) -> Option<u64> {
        self.read().schedule.run_count(&name)
    }
    fn set_parallel(&self, parallel: bool) {
        self.write().schedule.set_parallel(parallel);
    }
}
