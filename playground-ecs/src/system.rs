//! Systems: functions over the world with declared reads and writes,
//! ordered by explicit `before`/`after` constraints (and, between systems
//! that touch the same component, by registration order), sorted
//! topologically, and run in parallel when their accesses are disjoint.
//!
//! A system sees the world through a [`SystemWorld`]: only what it
//! declared (a query, a `get`, a resource it did not declare is an error
//! on its first run, whatever runs beside it), and a command buffer for
//! structural changes, applied at the end of its stage.

#![deny(unsafe_code)]

use crate::storage::borrow::{Ref, RefMut};
use crate::storage::component::{Component, ComponentId, ComponentInfo, TypeKey};
use crate::storage::entity::Entity;
use crate::storage::resource::ResourceId;
use crate::world::World;
use crate::world::command::{CommandBuffer, Commands};
use crate::world::error::EcsError;
use crate::world::panic::panic_message;
use crate::world::query::{Query, check_aliasing};
use crate::world::query_borrow::QueryBorrow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};
use thiserror::Error;

type Run = Box<dyn Fn(&SystemWorld<'_>) -> Result<(), EcsError> + Send + Sync>;
type Declare = fn(&mut World, &mut Access);

/// A system: a named function over the world with its declared access.
///
/// It declares what it uses: components with [`System::reads`],
/// [`System::writes`] or, from a query type, [`System::access`];
/// resources with [`System::reads_resource`] and
/// [`System::writes_resource`]. The schedule runs systems whose
/// declarations do not conflict at the same time; a system that uses
/// something it did not declare fails on its first run with
/// [`EcsError::Undeclared`] naming the type, whether or not a conflicting
/// system runs beside it. Structural changes go through
/// [`SystemWorld::commands`] and apply at the end of the stage.
///
/// ```
/// use playground_ecs::{Schedule, System, World};
/// struct Pos(f32);
/// struct Vel(f32);
///
/// let mut world = World::new();
/// world.spawn_batch((0..1000).map(|i| (Pos(0.0), Vel(i as f32))));
/// let mut schedule = Schedule::new();
/// schedule.add(
///     System::new("integrate", |world| {
///         for (p, v) in world.query::<(&mut Pos, &Vel)>()?.iter() {
///             p.0 += v.0;
///         }
///         Ok(())
///     })
///     .access::<(&mut Pos, &Vel)>(), // what it may touch: checked on every use
/// );
/// schedule.add(System::new("spawner", |world| {
///     world.commands().spawn((Pos(0.0), Vel(1.0))); // applied at the end of the stage
///     Ok(())
/// }));
/// schedule.run(&mut world)?;
/// assert_eq!(world.len(), 1001);
/// assert_eq!(world.query_mut::<&Pos>().map(|p| p.0).sum::<f32>(), 499_500.0);
/// # Ok::<(), playground_ecs::ScheduleError>(())
/// ```
pub struct System {
    name: String,
    run: Run,
    declares: Vec<Declare>,
    before: Vec<String>,
    after: Vec<String>,
    /// What its commands recorded in the current run.
    commands: CommandBuffer,
    /// How long its last run took.
    last: Option<Duration>,
}

impl System {
    /// A system named `name` that runs `run`.
    pub fn new(
        name: impl Into<String>,
        run: impl Fn(&SystemWorld<'_>) -> Result<(), EcsError> + Send + Sync + 'static,
    ) -> Self {
        System {
            name: name.into(),
            run: Box::new(run),
            declares: Vec::new(),
            before: Vec::new(),
            after: Vec::new(),
            commands: CommandBuffer::new(),
            last: None,
        }
    }

    /// Declares that the system reads `T`.
    pub fn reads<T: Component>(mut self) -> Self {
        self.declares
            .push(|world, access| access.reads.push(world.component_id::<T>()));
        self
    }

    /// Declares that the system writes `T` (and may read it).
    pub fn writes<T: Component>(mut self) -> Self {
        self.declares
            .push(|world, access| access.writes.push(world.component_id::<T>()));
        self
    }

    /// Declares what query `Q` uses: reads its `&T` and `Option<&T>`,
    /// writes its `&mut T` and `Option<&mut T>`.
    pub fn access<Q: Query>(mut self) -> Self {
        self.declares.push(|world, access| {
            Q::for_each_type(&mut |key, info, mutable| {
                let id = world.components.id_of(key, info);
                if mutable {
                    access.writes.push(id);
                } else {
                    access.reads.push(id);
                }
            });
            world.grow_borrows();
        });
        self
    }

    /// Declares that the system reads the resource of type `R`.
    pub fn reads_resource<R: Component>(mut self) -> Self {
        self.declares.push(|world, access| {
            access.resource_reads.push(world.resource_id::<R>());
        });
        self
    }

    /// Declares that the system writes (and may read) the resource `R`.
    pub fn writes_resource<R: Component>(mut self) -> Self {
        self.declares.push(|world, access| {
            access.resource_writes.push(world.resource_id::<R>());
        });
        self
    }

    /// The system runs before the system named `other`.
    pub fn before(mut self, other: impl Into<String>) -> Self {
        self.before.push(other.into());
        self
    }

    /// The system runs after the system named `other`.
    pub fn after(mut self, other: impl Into<String>) -> Self {
        self.after.push(other.into());
        self
    }

    /// The system's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("System")
            .field("name", &self.name)
            .field("before", &self.before)
            .field("after", &self.after)
            .finish()
    }
}

/// Why a schedule could not be built or run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScheduleError {
    /// The ordering constraints form a cycle; the systems on it, in order.
    #[error("systems depend on each other in a cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    /// A constraint names a system that is not in the schedule.
    #[error("system `{system}` is ordered against `{missing}`, which is not in the schedule")]
    UnknownSystem {
        /// The system with the constraint.
        system: String,
        /// The name it refers to.
        missing: String,
    },
    /// Two systems have the same name.
    #[error("two systems are named `{0}`")]
    DuplicateName(String),
    /// A system (or one of its commands) returned an error; the others of
    /// its stage finished.
    #[error("system `{system}` failed: {error}")]
    Failed {
        /// The system's name.
        system: String,
        /// Its error.
        error: Box<EcsError>,
    },
    /// A system panicked; the world is intact and the others finished.
    #[error("system `{system}` panicked: {message}")]
    Panicked {
        /// The system's name.
        system: String,
        /// The panic's message.
        message: String,
    },
}

/// What a system declared, resolved in one world.
#[derive(Clone, Default)]
pub(crate) struct Access {
    reads: Vec<ComponentId>,
    writes: Vec<ComponentId>,
    resource_reads: Vec<ResourceId>,
    resource_writes: Vec<ResourceId>,
}

impl Access {
    fn conflicts(&self, other: &Access) -> bool {
        fn clash<T: PartialEq>(writes: &[T], others: &[T], other_writes: &[T]) -> bool {
            writes
                .iter()
                .any(|w| others.contains(w) || other_writes.contains(w))
        }
        clash(&self.writes, &other.reads, &other.writes)
            || clash(&other.writes, &self.reads, &self.writes)
            || clash(
                &self.resource_writes,
                &other.resource_reads,
                &other.resource_writes,
            )
            || clash(
                &other.resource_writes,
                &self.resource_reads,
                &self.resource_writes,
            )
    }

    fn allows(&self, id: ComponentId, mutable: bool) -> bool {
        self.writes.contains(&id) || (!mutable && self.reads.contains(&id))
    }

    fn allows_resource(&self, id: ResourceId, mutable: bool) -> bool {
        self.resource_writes.contains(&id) || (!mutable && self.resource_reads.contains(&id))
    }
}

fn undeclared(component: &'static str, mutable: bool, resource: bool) -> EcsError {
    EcsError::Undeclared {
        component,
        how: if mutable { "writes" } else { "reads" },
        declare: match (resource, mutable) {
            (false, false) => "reads",
            (false, true) => "writes",
            (true, false) => "reads_resource",
            (true, true) => "writes_resource",
        },
    }
}

/// The world as a running system sees it: the components and resources it
/// declared, borrowed through checked guards, and a command buffer.
pub struct SystemWorld<'w> {
    world: &'w World,
    access: &'w Access,
    commands: RefCell<CommandBuffer>,
}

impl<'w> SystemWorld<'w> {
    /// Errs unless the system declared every type `Q` uses.
    fn check<Q: Query>(&self) -> Result<(), EcsError> {
        let mut error = None;
        Q::for_each_type(&mut |key, info: fn() -> ComponentInfo, mutable| {
            if error.is_some() {
                return;
            }
            let declared = self
                .world
                .components
                .lookup(key)
                .is_some_and(|id| self.access.allows(id, mutable));
            if !declared {
                error = Some(undeclared(info().name, mutable, false));
            }
        });
        error.map_or(Ok(()), Err)
    }

    /// Every entity matching `Q`, borrowed as [`World::query`] does. Every
    /// type `Q` uses must be declared.
    pub fn query<Q: Query>(&self) -> Result<QueryBorrow<'w, Q>, EcsError> {
        self.check::<Q>()?;
        let state = Q::init(&self.world.components);
        if let Some(state) = state {
            check_aliasing::<Q>(state, &self.world.components);
        }
        QueryBorrow::new(self.world, state)
    }

    /// `entity`'s `T` (declared read or written).
    pub fn get<T: Component>(&self, entity: Entity) -> Result<Ref<'w, T>, EcsError> {
        self.check::<&T>()?;
        self.world.get::<T>(entity)
    }

    /// `entity`'s `T`, mutably (declared written).
    pub fn get_mut<T: Component>(&self, entity: Entity) -> Result<RefMut<'w, T>, EcsError> {
        self.check::<&mut T>()?;
        self.world.get_ref_mut::<T>(entity)
    }

    /// Whether `entity` has a `T` (no declaration needed: it reads no
    /// value).
    pub fn has<T: Component>(&self, entity: Entity) -> Result<bool, EcsError> {
        self.world.has::<T>(entity)
    }

    /// Whether `entity` is alive.
    pub fn contains(&self, entity: Entity) -> bool {
        self.world.contains(entity)
    }

    /// How many entities are alive.
    pub fn len(&self) -> u32 {
        self.world.len()
    }

    /// Whether no entity is alive.
    pub fn is_empty(&self) -> bool {
        self.world.is_empty()
    }

    fn resource_id<R: Component>(&self, mutable: bool) -> Result<ResourceId, EcsError> {
        let name = std::any::type_name::<R>();
        let id = self
            .world
            .resources
            .lookup(TypeKey::of::<R>())
            .ok_or_else(|| undeclared(name, mutable, true))?;
        if self.access.allows_resource(id, mutable) {
            Ok(id)
        } else {
            Err(undeclared(self.world.resource_name(id), mutable, true))
        }
    }

    /// The resource `R` (declared read or written).
    pub fn resource<R: Component>(&self) -> Result<Ref<'w, R>, EcsError> {
        let id = self.resource_id::<R>(false)?;
        self.world.resource_ref(id)
    }

    /// The resource `R`, mutably (declared written).
    pub fn resource_mut<R: Component>(&self) -> Result<RefMut<'w, R>, EcsError> {
        let id = self.resource_id::<R>(true)?;
        self.world.resource_ref_mut(id)
    }

    /// The system's command buffer: spawn, despawn, insert, remove and
    /// resources, applied at the end of its stage.
    pub fn commands(&self) -> Commands<'_> {
        Commands::new(self.world, &self.commands)
    }
}

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
    /// Each system's declared access, resolved at build time.
    accesses: Vec<Access>,
    /// Extra constraints, `(first, then)`, besides the systems' own.
    constraints: Vec<(String, String)>,
    disabled: std::collections::HashSet<String>,
    runs: HashMap<String, u64>,
    parallel: bool,
    threshold: Duration,
    last_run: Option<Duration>,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            systems: Vec::new(),
            stages: None,
            accesses: Vec::new(),
            constraints: Vec::new(),
            disabled: Default::default(),
            runs: HashMap::new(),
            parallel: true,
            threshold: DEFAULT_PARALLEL_THRESHOLD,
            last_run: None,
        }
    }
}

impl Schedule {
    /// An empty schedule.
    pub fn new() -> Self {
        Schedule::default()
    }

    /// Adds a system; the order is rebuilt on the next run.
    pub fn add(&mut self, system: System) -> &mut Self {
        self.systems.push(system);
        self.stages = None;
        self
    }

    /// Removes the system named `name`; whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.systems.len();
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
        if self.stages.is_none() {
            self.build(world)?;
        }
        world.flush();
        let start = Instant::now();
        let stages = self.stages.take().expect("built above");
        let mut first_error = Ok(());
        let mut active = Vec::new();
        for stage in &stages {
            active.clear();
            active.extend(
                stage
                    .iter()
                    .copied()
                    .filter(|&i| !self.disabled.contains(&self.systems[i].name)),
            );
            let outcome = self.run_stage(&active, world);
            for &i in &active {
                *self.runs.entry(self.systems[i].name.clone()).or_default() += 1;
            }
            if outcome.is_err() {
                first_error = outcome;
                break;
            }
        }
        self.stages = Some(stages);
        self.last_run = Some(start.elapsed());
        first_error
    }

    /// Whether the systems `active` (one stage) are worth spreading over
    /// threads: their last measured times, except the longest (which the
    /// calling thread runs), add up to the threshold. A system never
    /// measured counts as worth it.
    fn worth_parallel(&self, active: &[usize]) -> bool {
        if !self.parallel || active.len() < 2 {
            return false;
        }
        let mut total = Duration::ZERO;
        let mut longest = Duration::ZERO;
        for &i in active {
            let Some(last) = self.systems[i].last else {
                return true;
            };
            total += last;
            longest = longest.max(last);
        }
        total - longest >= self.threshold
    }

    /// Runs one stage's systems, then applies their commands in order.
    fn run_stage(&mut self, active: &[usize], world: &mut World) -> Result<(), ScheduleError> {
        let parallel = self.worth_parallel(active);
        let shared: &World = world;
        let accesses = &self.accesses;
        let mut outcome = Ok(());
        if parallel {
            let mut slots: Vec<(&mut System, &Access, Result<(), ScheduleError>)> = self
                .systems
                .iter_mut()
                .zip(accesses)
                .enumerate()
                .filter(|(i, _)| active.contains(i))
                .map(|(_, (system, access))| (system, access, Ok(())))
                .collect();
            // In place: the calling thread runs the first system itself
            // instead of handing the whole stage to the pool and waiting.
            rayon::in_place_scope(|scope| {
                let (first, rest) = slots.split_first_mut().expect("two or more systems");
                for (system, access, result) in rest {
                    scope.spawn(move |_| *result = run_one(system, access, shared));
                }
                first.2 = run_one(first.0, first.1, shared);
            });
            for (_, _, result) in slots {
                if outcome.is_ok() {
                    outcome = result;
                }
            }
        } else {
            for &i in active {
                let result = run_one(&mut self.systems[i], &accesses[i], shared);
                if outcome.is_ok() {
                    outcome = result;
                }
            }
        }
        for &i in active {
            let system = &mut self.systems[i];
            if system.commands.is_empty() {
                continue;
            }
            let applied = catch_unwind(AssertUnwindSafe(|| system.commands.apply(world)));
            let result = match applied {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(ScheduleError::Failed {
                    system: system.name.clone(),
                    error: Box::new(error),
                }),
                Err(payload) => {
                    system.commands.clear();
                    Err(ScheduleError::Panicked {
                        system: system.name.clone(),
                        message: panic_message(&*payload),
                    })
                }
            };
            if outcome.is_ok() {
                outcome = result;
            }
        }
        outcome
    }

    /// Runs the system named `name` alone, then applies its commands.
    pub fn run_system(&mut self, name: &str, world: &mut World) -> Result<bool, ScheduleError> {
        if self.stages.is_none() {
            self.build(world)?;
        }
        let Some(index) = self.systems.iter().position(|s| s.name == name) else {
            return Ok(false);
        };
        world.flush();
        self.run_stage(&[index], world)?;
        *self.runs.entry(name.to_owned()).or_default() += 1;
        Ok(true)
    }

    /// Skips (or no longer skips) the system named `name`; whether it exists.
    pub fn set_enabled(&mut self, name: &str, enabled: bool) -> bool {
        if !self.systems.iter().any(|s| s.name == name) {
            return false;
        }
        if enabled {
            self.disabled.remove(name);
        } else {
            self.disabled.insert(name.to_owned());
        }
        true
    }

    /// Whether the system named `name` runs; `None` if there is none.
    pub fn is_enabled(&self, name: &str) -> Option<bool> {
        self.systems
            .iter()
            .any(|s| s.name == name)
            .then(|| !self.disabled.contains(name))
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
    /// system's measured time in the previous run; a stage not yet measured
    /// runs in parallel. `Duration::ZERO` always spreads.
    pub fn set_parallel_threshold(&mut self, threshold: Duration) {
        self.threshold = threshold;
    }

    /// How many times the system named `name` ran.
    pub fn run_count(&self, name: &str) -> Option<u64> {
        self.systems
            .iter()
            .any(|s| s.name == name)
            .then(|| self.runs.get(name).copied().unwrap_or(0))
    }

    /// How long the last [`Schedule::run`] took.
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

/// Runs `system` over `world`, timing it; its commands land in its buffer.
fn run_one(system: &mut System, access: &Access, world: &World) -> Result<(), ScheduleError> {
    let start = Instant::now();
    let view = SystemWorld {
        world,
        access,
        commands: RefCell::new(std::mem::take(&mut system.commands)),
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| (system.run)(&view)));
    system.commands = view.commands.into_inner();
    system.last = Some(start.elapsed());
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(ScheduleError::Failed {
            system: system.name.clone(),
            error: Box::new(error),
        }),
        Err(payload) => Err(ScheduleError::Panicked {
            system: system.name.clone(),
            message: panic_message(&*payload),
        }),
    }
}

/// Topological order, then stages: each system goes into the first stage
/// after all its predecessors' whose systems it does not conflict with.
fn order(
    systems: &[System],
    accesses: &[Access],
    constraints: &[(String, String)],
) -> Result<Vec<Vec<usize>>, ScheduleError> {
    let mut index = HashMap::new();
    for (i, system) in systems.iter().enumerate() {
        if index.insert(system.name.as_str(), i).is_some() {
            return Err(ScheduleError::DuplicateName(system.name.clone()));
        }
    }
    let n = systems.len();
    let mut successors = vec![Vec::new(); n];
    let lookup = |system: &System, other: &str| {
        index
            .get(other)
            .copied()
            .ok_or_else(|| ScheduleError::UnknownSystem {
                system: system.name.clone(),
                missing: other.to_owned(),
            })
    };
    for (i, system) in systems.iter().enumerate() {
        for other in &system.before {
            successors[i].push(lookup(system, other)?);
        }
        for other in &system.after {
            successors[lookup(system, other)?].push(i);
        }
    }
    for (first, then) in constraints {
        let find = |name: &String| {
            index
                .get(name.as_str())
                .copied()
                .ok_or_else(|| ScheduleError::UnknownSystem {
                    system: format!("(order {first} -> {then})"),
                    missing: name.clone(),
                })
        };
        successors[find(first)?].push(find(then)?);
    }
    // Conflicting systems with no explicit order run in registration order,
    // unless an explicit path already orders them the other way round.
    for i in 0..n {
        for j in i + 1..n {
            if accesses[i].conflicts(&accesses[j]) && !reaches(&successors, j, i) {
                successors[i].push(j);
            }
        }
    }
    // Kahn's algorithm, taking the lowest index first: deterministic.
    let mut incoming = vec![0usize; n];
    for next in successors.iter().flatten() {
        incoming[*next] += 1;
    }
    let mut ready: std::collections::BTreeSet<usize> =
        (0..n).filter(|&i| incoming[i] == 0).collect();
    let mut sorted = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        sorted.push(i);
        for &next in &successors[i] {
            incoming[next] -= 1;
            if incoming[next] == 0 {
                ready.insert(next);
            }
        }
    }
    if sorted.len() < n {
        return Err(ScheduleError::Cycle(find_cycle(
            &successors,
            &incoming,
            systems,
        )));
    }
    let mut stage_of = vec![0usize; n];
    let mut stages: Vec<Vec<usize>> = Vec::new();
    for &i in &sorted {
        let earliest = (0..n)
            .filter(|&p| successors[p].contains(&i))
            .map(|p| stage_of[p] + 1)
            .max()
            .unwrap_or(0);
        let stage = (earliest..)
            .find(|&s| {
                stages.get(s).is_none_or(|members| {
                    members
                        .iter()
                        .all(|&m| !accesses[m].conflicts(&accesses[i]))
                })
            })
            .expect("an empty stage always fits");
        if stage == stages.len() {
            stages.push(Vec::new());
        }
        stages[stage].push(i);
        stage_of[i] = stage;
    }
    Ok(stages)
}

fn reaches(successors: &[Vec<usize>], from: usize, to: usize) -> bool {
    let mut stack = vec![from];
    let mut seen = vec![false; successors.len()];
    while let Some(node) = stack.pop() {
        if node == to {
            return true;
        }
        if !std::mem::replace(&mut seen[node], true) {
            stack.extend(&successors[node]);
        }
    }
    false
}

/// A cycle among the systems Kahn's algorithm could not place, as names
/// from one system on it, along the edges, back to it.
///
/// Every unplaced system has an unplaced predecessor (that is why it was
/// not placed), so walking backwards among them must repeat a system.
fn find_cycle(successors: &[Vec<usize>], incoming: &[usize], systems: &[System]) -> Vec<String> {
    let unplaced = |i: usize| incoming[i] > 0;
    let start = (0..systems.len())
        .find(|&i| unplaced(i))
        .expect("a cycle leaves a system unplaced");
    let mut path = vec![start];
    loop {
        let last = *path.last().expect("non-empty");
        let previous = (0..systems.len())
            .find(|&p| unplaced(p) && successors[p].contains(&last))
            .expect("an unplaced system has an unplaced predecessor");
        if let Some(position) = path.iter().position(|&p| p == previous) {
            // `path[position..]` runs backwards along the edges.
            let mut cycle: Vec<String> = path[position..]
                .iter()
                .rev()
                .map(|&i| systems[i].name.clone())
                .collect();
            cycle.push(cycle[0].clone());
            return cycle;
        }
        path.push(previous);
    }
}
