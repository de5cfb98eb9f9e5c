//! Systems: functions over the world with declared reads and writes,
//! ordered by explicit `before`/`after` constraints (and, between systems
//! that touch the same component, by registration order), sorted
//! topologically, and run in parallel when their accesses are disjoint.
//!
//! A system sees the world through a [`SystemWorld`]: only what it
//! declared (a query, a `get`, a resource it did not declare is an error
//! on its first run, whatever runs beside it), and a command buffer for
//! structural changes, applied at the end of its stage.
//!
//! This file holds [`System`]; `system_world.rs` what a running system
//! sees, `access.rs` what it declared, `schedule.rs` and `order.rs` when it
//! runs. No code of this folder is `unsafe`.

#![deny(unsafe_code)]

pub(crate) mod access;
pub(crate) mod error;
pub(crate) mod order;
// The one `unsafe` block of the layer: a downcast whose type the cache's
// keys already checked.
#[allow(unsafe_code)]
pub(crate) mod query_cache;
pub(crate) mod schedule;
pub(crate) mod system_world;

use crate::storage::component::Component;
use crate::system::access::Access;
use crate::system::query_cache::QueryCache;
use crate::system::system_world::SystemWorld;
use crate::world::World;
use crate::world::command::CommandBuffer;
use crate::world::error::EcsError;
use crate::world::query::Query;
use std::fmt;
use std::time::Duration;

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
///         // `.for_each`, not `for`: it runs one loop per table, which LLVM
///         // vectorises (a `for` loop over many tables is about 2x slower).
///         world
///             .query::<(&mut Pos, &Vel)>()?
///             .iter()
///             .for_each(|(p, v)| p.0 += v.0);
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
    /// Its queries, prepared in earlier runs.
    queries: QueryCache,
    /// How many times it ran.
    runs: u64,
    /// Whether it runs.
    enabled: bool,
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
            queries: QueryCache::default(),
            runs: 0,
            enabled: true,
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
