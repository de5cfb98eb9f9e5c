//! Systems: functions over the world with declared reads and writes,
//! ordered by explicit `before`/`after` constraints (and, between systems
//! that touch the same component, by registration order), sorted
//! topologically, and run in parallel when their accesses are disjoint.

use crate::component::{Component, ComponentId};
use crate::world::{EcsError, World};
use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use thiserror::Error;

type Run = Box<dyn Fn(&World) -> Result<(), EcsError> + Send + Sync>;
type Resolve = fn(&mut World) -> ComponentId;

/// A system: a named function over `&World` with its declared access.
///
/// Inside, the system uses [`World::query`], whose borrows are checked: an
/// access it did not declare and that conflicts with a system running at
/// the same time is an error, never a data race.
///
/// ```
/// use playground_ecs::{Schedule, System, World};
/// struct Pos(f32);
/// struct Vel(f32);
///
/// let mut world = World::new();
/// world.spawn((Pos(0.0), Vel(1.0)));
/// let mut schedule = Schedule::new();
/// schedule.add(System::new("integrate", |world| {
///     for (p, v) in world.query::<(&mut Pos, &Vel)>()?.iter() {
///         p.0 += v.0;
///     }
///     Ok(())
/// }).writes::<Pos>().reads::<Vel>());
/// schedule.run(&mut world)?;
/// # Ok::<(), playground_ecs::ScheduleError>(())
/// ```
pub struct System {
    name: String,
    run: Run,
    reads: Vec<Resolve>,
    writes: Vec<Resolve>,
    before: Vec<String>,
    after: Vec<String>,
}

impl System {
    /// A system named `name` that runs `run`.
    pub fn new(
        name: impl Into<String>,
        run: impl Fn(&World) -> Result<(), EcsError> + Send + Sync + 'static,
    ) -> Self {
        System {
            name: name.into(),
            run: Box::new(run),
            reads: Vec::new(),
            writes: Vec::new(),
            before: Vec::new(),
            after: Vec::new(),
        }
    }

    /// Declares that the system reads `T`.
    pub fn reads<T: Component>(mut self) -> Self {
        self.reads.push(|world| world.component_id::<T>());
        self
    }

    /// Declares that the system writes `T`.
    pub fn writes<T: Component>(mut self) -> Self {
        self.writes.push(|world| world.component_id::<T>());
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
    /// A system returned an error; the others of its stage finished.
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

#[derive(Clone, Default)]
struct Access {
    reads: Vec<ComponentId>,
    writes: Vec<ComponentId>,
}

impl Access {
    fn conflicts(&self, other: &Access) -> bool {
        self.writes
            .iter()
            .any(|w| other.writes.contains(w) || other.reads.contains(w))
            || other.writes.iter().any(|w| self.reads.contains(w))
    }
}

/// Systems and the order they run in.
pub struct Schedule {
    systems: Vec<System>,
    /// Stages of system indices: stages run in order, the systems of a
    /// stage in parallel. `None` until built.
    stages: Option<Vec<Vec<usize>>>,
    /// Extra constraints, `(first, then)`, besides the systems' own.
    constraints: Vec<(String, String)>,
    disabled: std::collections::HashSet<String>,
    runs: HashMap<String, u64>,
    parallel: bool,
    last_run: Option<std::time::Duration>,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            systems: Vec::new(),
            stages: None,
            constraints: Vec::new(),
            disabled: Default::default(),
            runs: HashMap::new(),
            parallel: true,
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
            .map(|s| Access {
                reads: s.reads.iter().map(|resolve| resolve(world)).collect(),
                writes: s.writes.iter().map(|resolve| resolve(world)).collect(),
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
        self.stages = Some(stages);
        Ok(names)
    }

    /// Runs every enabled system once, stage by stage; the systems of a
    /// stage run in parallel (unless [`Schedule::set_parallel`] turned that
    /// off). A failing or panicking system does not stop the others of its
    /// stage; the first such failure is returned after the stage.
    pub fn run(&mut self, world: &mut World) -> Result<(), ScheduleError> {
        if self.stages.is_none() {
            self.build(world)?;
        }
        let start = std::time::Instant::now();
        let stages = self.stages.as_ref().expect("built above");
        let world: &World = world;
        let mut ran = Vec::new();
        let mut first_error = Ok(());
        for stage in stages {
            let active: Vec<usize> = stage
                .iter()
                .copied()
                .filter(|&i| !self.disabled.contains(&self.systems[i].name))
                .collect();
            let results: Vec<Result<(), ScheduleError>> = if self.parallel && active.len() > 1 {
                let mut results = vec![Ok(()); active.len()];
                rayon::scope(|scope| {
                    for (slot, &index) in results.iter_mut().zip(&active) {
                        let system = &self.systems[index];
                        scope.spawn(move |_| *slot = run_one(system, world));
                    }
                });
                results
            } else {
                active
                    .iter()
                    .map(|&i| run_one(&self.systems[i], world))
                    .collect()
            };
            ran.extend(active.iter().map(|&i| self.systems[i].name.clone()));
            let outcome: Result<(), ScheduleError> = results.into_iter().collect();
            if outcome.is_err() {
                first_error = outcome;
                break;
            }
        }
        for name in ran {
            *self.runs.entry(name).or_default() += 1;
        }
        self.last_run = Some(start.elapsed());
        first_error
    }

    /// Runs the system named `name` alone.
    pub fn run_system(&mut self, name: &str, world: &mut World) -> Result<bool, ScheduleError> {
        let Some(system) = self.systems.iter().find(|s| s.name == name) else {
            return Ok(false);
        };
        run_one(system, world)?;
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
            ..Schedule::default()
        };
        count
    }

    /// Whether stages run their systems in parallel (the default).
    pub fn set_parallel(&mut self, parallel: bool) {
        self.parallel = parallel;
    }

    /// How many times the system named `name` ran.
    pub fn run_count(&self, name: &str) -> Option<u64> {
        self.systems
            .iter()
            .any(|s| s.name == name)
            .then(|| self.runs.get(name).copied().unwrap_or(0))
    }

    /// How long the last [`Schedule::run`] took.
    pub fn last_run(&self) -> Option<std::time::Duration> {
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

fn run_one(system: &System, world: &World) -> Result<(), ScheduleError> {
    match catch_unwind(AssertUnwindSafe(|| (system.run)(world))) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(ScheduleError::Failed {
            system: system.name.clone(),
            error: Box::new(error),
        }),
        Err(payload) => {
            let message = crate::panic_message(&*payload);
            Err(ScheduleError::Panicked {
                system: system.name.clone(),
                message,
            })
        }
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
