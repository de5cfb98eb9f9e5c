//! The schedule: systems in stages, run stage by stage (the systems of a
//! stage in parallel when that pays), each stage's commands applied before
//! the next.

use crate::system::System;
use crate::system::access::Access;
use crate::system::error::ScheduleError;
use crate::system::order::order;
use crate::system::system_world::SystemWorld;
use crate::world::World;
use crate::world::error::EcsError;
use playground_runtime::panic_message;
use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// Below this much work in a stage (the measured time of its systems,
/// except the longest, which the calling thread runs anyway), waking other
/// threads costs more than it saves: the stage runs on the calling thread.
const DEFAULT_PARALLEL_THRESHOLD: Duration = Duration::from_micros(40);

/// Systems and the order they run in.
pub struct Schedule {
    systems: Vec<System>,
    /// Stages of system indices: stages run in order, the systems of a
    /// stage in parallel. `None` until built.
    stages: Option<Vec<Vec<usize>>>,
    /// Each system's declared access, resolved at build time in the world
    /// `built_in` (component ids are a world's own: another world's run
    /// builds again).
    accesses: Vec<Access>,
    built_in: u64,
    /// Extra constraints, `(first, then)`, besides the systems' own.
    constraints: Vec<(String, String)>,
    /// What removed systems leave for a system added later under the same
    /// name: whether it was disabled, and how many times it ran.
    disabled: std::collections::HashSet<String>,
    runs: HashMap<String, u64>,
    parallel: bool,
    threshold: Duration,
    last_run: Option<Duration>,
    /// How many times [`Schedule::run`] ran (which runs are timed).
    run_count: u64,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            systems: Vec::new(),
            stages: None,
            accesses: Vec::new(),
            built_in: 0,
            constraints: Vec::new(),
            disabled: Default::default(),
            runs: HashMap::new(),
            parallel: true,
            threshold: DEFAULT_PARALLEL_THRESHOLD,
            last_run: None,
            run_count: 0,
        }
    }
}

impl Schedule {
    /// An empty schedule.
    pub fn new() -> Self {
        Schedule::default()
    }

    /// Adds a system; the order is rebuilt on the next run. A system
    /// added under the name of one removed before goes on from its run
    /// count, and stays disabled if that one was.
    pub fn add(&mut self, mut system: System) -> &mut Self {
        system.runs += self.runs.remove(&system.name).unwrap_or(0);
        system.enabled &= !self.disabled.remove(&system.name);
        self.systems.push(system);
        self.stages = None;
        self
    }

    /// Removes the system named `name`; whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.systems.len();
        for system in self.systems.iter().filter(|s| s.name == name) {
            *self.runs.entry(system.name.clone()).or_default() += system.runs;
            if !system.enabled {
                self.disabled.insert(system.name.clone());
            }
        }
        self.systems.retain(|s| s.name != name);
        self.stages = None;
        self.systems.len() != before
    }

    /// The systems' names, in registration order.
    pub fn names(&self) -> Vec<&str> {
        self.systems.iter().map(|s| s.name.as_str()).collect()
    }

    /// Computes the order: stages of systems that may run together.
    pub fn build(&mut self, world: &mut World) -> Result<Vec<Vec<String>>, ScheduleError> {
        let accesses: Vec<Access> = self
            .systems
            .iter()
            .map(|s| {
                let mut access = Access::default();
                for declare in &s.declares {
                    declare(world, &mut access);
                }
                access
            })
            .collect();
        let stages = order(&self.systems, &accesses, &self.constraints)?;
        for system in &mut self.systems {
            system.queries.clear();
        }
        let names = stages
            .iter()
            .map(|stage| {
                stage
                    .iter()
                    .map(|&i| self.systems[i].name.clone())
                    .collect()
            })
            .collect();
        self.accesses = accesses;
        self.built_in = world.id();
        self.stages = Some(stages);
        Ok(names)
    }

    /// Runs every enabled system once, stage by stage, and applies each
    /// stage's commands before the next. The systems of a stage run in
    /// parallel (unless [`Schedule::set_parallel`] turned that off, or the
    /// stage is too small to pay for it: see
    /// [`Schedule::set_parallel_threshold`]). A failing or panicking system
    /// does not stop the others of its stage; the first such failure is
    /// returned after the stage (whose commands are still applied).
    pub fn run(&mut self, world: &mut World) -> Result<(), ScheduleError> {
        if self.stages.is_none() || self.built_in != world.id() {
            self.build(world)?;
        }
        world.flush();
        let start = (self.last_run.is_none() || self.run_count.is_multiple_of(TIME_EVERY))
            .then(Instant::now);
        self.run_count += 1;
        let spread = Spread {
            parallel: self.parallel,
            threshold: self.threshold,
        };
        let mut outcome = Ok(());
        for stage in self.stages.iter().flatten() {
            outcome = run_stage(
                &mut self.systems,
                &self.accesses,
                stage,
                true,
                spread,
                world,
            );
            if outcome.is_err() {
                break;
            }
        }
        if let Some(start) = start {
            self.last_run = Some(start.elapsed());
        }
        outcome.map_err(|error| *error)
    }

    /// Runs the system named `name` alone, then applies its commands.
    pub fn run_system(&mut self, name: &str, world: &mut World) -> Result<bool, ScheduleError> {
        if self.stages.is_none() || self.built_in != world.id() {
            self.build(world)?;
        }
        let Some(index) = self.systems.iter().position(|s| s.name == name) else {
            return Ok(false);
        };
        world.flush();
        let spread = Spread {
            parallel: false,
            threshold: self.threshold,
        };
        run_stage(
            &mut self.systems,
            &self.accesses,
            &[index],
            false,
            spread,
            world,
        )
        .map_err(|error| *error)?;
        Ok(true)
    }

    /// Skips (or no longer skips) the system named `name`; whether it exists.
    pub fn set_enabled(&mut self, name: &str, enabled: bool) -> bool {
        let mut found = false;
        for system in self.systems.iter_mut().filter(|s| s.name == name) {
            system.enabled = enabled;
            found = true;
        }
        found
    }

    /// Whether the system named `name` runs; `None` if there is none.
    pub fn is_enabled(&self, name: &str) -> Option<bool> {
        self.systems
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.enabled)
    }

    /// Adds the constraint that `first` runs before `then`.
    pub fn add_order(&mut self, first: impl Into<String>, then: impl Into<String>) {
        self.constraints.push((first.into(), then.into()));
        self.stages = None;
    }

    /// Removes a constraint added by [`Schedule::add_order`]; whether it existed.
    pub fn remove_order(&mut self, first: &str, then: &str) -> bool {
        let before = self.constraints.len();
        self.constraints.retain(|(a, b)| !(a == first && b == then));
        self.stages = None;
        before != self.constraints.len()
    }

    /// Removes every system and constraint; returns how many systems.
    pub fn clear(&mut self) -> usize {
        let count = self.systems.len();
        *self = Schedule {
            parallel: self.parallel,
            threshold: self.threshold,
            ..Schedule::default()
        };
        count
    }

    /// Whether stages may run their systems in parallel (the default).
    pub fn set_parallel(&mut self, parallel: bool) {
        self.parallel = parallel;
    }

    /// How much work a stage must have, besides its longest system, for its
    /// systems to be spread over threads (default 40 µs: waking a thread
    /// and handing it work costs tens of microseconds). The work is each
    /// system's time in a recent run (one run in 32 is timed); a stage
    /// not yet measured runs in parallel. `Duration::ZERO` always spreads.
    pub fn set_parallel_threshold(&mut self, threshold: Duration) {
        self.threshold = threshold;
    }

    /// How many times the system named `name` ran.
    pub fn run_count(&self, name: &str) -> Option<u64> {
        let mut named = self.systems.iter().filter(|s| s.name == name).peekable();
        named.peek()?;
        Some(named.map(|s| s.runs).sum())
    }

    /// How long a recent [`Schedule::run`] took: the first run and one in
    /// 32 after it are timed (reading the clock twice costs as much as
    /// running a small system).
    pub fn last_run(&self) -> Option<Duration> {
        self.last_run
    }

    /// How many systems there are.
    pub fn len(&self) -> usize {
        self.systems.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.systems.is_empty()
    }
}

/// A stage's or a system's outcome inside a run: the error boxed, so that
/// it is returned in a register.
type Outcome = Result<(), Box<ScheduleError>>;

/// Whether and when a stage may spread its systems over threads.
#[derive(Clone, Copy)]
struct Spread {
    parallel: bool,
    threshold: Duration,
}

/// Runs the systems `stage` lists (the enabled ones only, if
/// `only_enabled`), then applies their commands in order; the first
/// failure. The systems run on the calling thread unless the stage is
/// worth spreading (see [`plan`]).
fn run_stage(
    systems: &mut [System],
    accesses: &[Access],
    stage: &[usize],
    only_enabled: bool,
    spread: Spread,
    world: &mut World,
) -> Outcome {
    let runs = |system: &System| !only_enabled || system.enabled;
    let (measure, spreads) = plan(systems, stage, only_enabled, spread);
    let shared: &World = world;
    let mut outcome = Ok(());
    if spreads {
        outcome = run_spread(systems, accesses, stage, only_enabled, shared, measure);
    } else {
        for &i in stage {
            if runs(&systems[i])
                && let Err(error) = run_one(&mut systems[i], &accesses[i], shared, measure)
                && outcome.is_ok()
            {
                outcome = Err(error);
            }
        }
    }
    for &i in stage {
        let system = &mut systems[i];
        if !runs(system) || system.commands.is_empty() {
            continue;
        }
        if let Err(error) = apply_commands(system, world)
            && outcome.is_ok()
        {
            outcome = Err(error);
        }
    }
    outcome
}

/// Whether the systems of `stage` (the enabled ones only, if
/// `only_enabled`) are timed, and whether they are spread over threads.
/// Only a stage of two or more that may spread needs its systems' times
/// (to decide the next time; a sample now and then is enough). It spreads
/// when their last measured times, except the longest (which the calling
/// thread runs), add up to the threshold; a system never measured counts
/// as worth it.
fn plan(systems: &[System], stage: &[usize], only_enabled: bool, spread: Spread) -> (bool, bool) {
    if !spread.parallel || stage.len() < 2 {
        return (false, false);
    }
    let mut count = 0;
    let mut unmeasured = false;
    let mut total = Duration::ZERO;
    let mut longest = Duration::ZERO;
    for system in stage.iter().map(|&i| &systems[i]) {
        if only_enabled && !system.enabled {
            continue;
        }
        count += 1;
        match system.last {
            Some(last) => {
                total += last;
                longest = longest.max(last);
            }
            None => unmeasured = true,
        }
    }
    let measure = count > 1;
    (
        measure,
        measure && (unmeasured || total - longest >= spread.threshold),
    )
}

/// Runs the systems `stage` lists (two or more) on the threads of rayon's
/// pool; the first failure.
#[inline(never)]
fn run_spread(
    systems: &mut [System],
    accesses: &[Access],
    stage: &[usize],
    only_enabled: bool,
    world: &World,
    measure: bool,
) -> Outcome {
    let mut slots: Vec<(&mut System, &Access, Outcome)> = systems
        .iter_mut()
        .zip(accesses)
        .enumerate()
        .filter(|(i, (system, _))| stage.contains(i) && (!only_enabled || system.enabled))
        .map(|(_, (system, access))| (system, access, Ok(())))
        .collect();
    // In place: the calling thread runs the first system itself instead of
    // handing the whole stage to the pool and waiting.
    rayon::in_place_scope(|scope| {
        let (first, rest) = slots.split_first_mut().expect("two or more systems");
        for (system, access, result) in rest {
            scope.spawn(move |_| *result = run_one(system, access, world, measure));
        }
        first.2 = run_one(first.0, first.1, world, measure);
    });
    slots.into_iter().try_for_each(|(_, _, result)| result)
}

/// How often a run is timed: [`Schedule::run`] for [`Schedule::last_run`],
/// and a system whose stage needs its time (to decide whether to spread
/// the stage): every this many runs, and the first. Reading the clock
/// twice costs about as much as running a small system.
const TIME_EVERY: u64 = 32;

/// Runs `system` over `world`, timing it if `measure` asks for it and its
/// turn has come, and counts the run; its commands land in its buffer.
#[inline]
fn run_one(system: &mut System, access: &Access, world: &World, measure: bool) -> Outcome {
    let start = (measure && (system.last.is_none() || system.runs.is_multiple_of(TIME_EVERY)))
        .then(Instant::now);
    let view = SystemWorld {
        world,
        access,
        commands: RefCell::new(std::mem::take(&mut system.commands)),
        queries: RefCell::new(&mut system.queries),
    };
    view.queries.borrow_mut().in_world(world.id());
    let outcome = catch_unwind(AssertUnwindSafe(|| (system.run)(&view).map_err(Box::new)));
    // What `take` left in the system is an empty buffer, which holds no
    // heap memory: forgotten rather than dropped out of line.
    std::mem::forget(std::mem::replace(
        &mut system.commands,
        view.commands.into_inner(),
    ));
    system.runs += 1;
    if let Some(start) = start {
        system.last = Some(start.elapsed());
    }
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(failed(system, error)),
        Err(payload) => Err(panicked(system, payload)),
    }
}

/// Applies the commands `system` left: a failing command does not stop the
/// others; a panicking one drops those not yet applied.
fn apply_commands(system: &mut System, world: &mut World) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| {
        system.commands.apply(world).map_err(Box::new)
    })) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(failed(system, error)),
        Err(payload) => {
            system.commands.clear();
            Err(panicked(system, payload))
        }
    }
}

/// The error for `system` returning `error`.
#[cold]
fn failed(system: &System, error: Box<EcsError>) -> Box<ScheduleError> {
    Box::new(ScheduleError::Failed {
        system: system.name.clone(),
        error,
    })
}

/// The error for `system` panicking with `payload`.
#[cold]
fn panicked(system: &System, payload: Box<dyn Any + Send>) -> Box<ScheduleError> {
    Box::new(ScheduleError::Panicked {
        system: system.name.clone(),
        message: panic_message(&*payload),
    })
}
