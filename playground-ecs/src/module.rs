//! The default implementation of the ECS views: one world, its schedule,
//! its events and resources, behind locks so that the view can be shared.
//!
//! This file holds [`EcsModule`] and its state, and implements the view of
//! the world as a whole ([`WorldView`]: ticks, the clock and resources,
//! which live here); `module/` implements the other fragments, one file
//! each (`entity.rs` for `EntityView`, and so on), and `typed.rs` the host
//! side of typed access.

pub(crate) mod component;
pub(crate) mod entity;
pub(crate) mod event;
pub(crate) mod lock;
pub(crate) mod query;
pub(crate) mod storage;
pub(crate) mod system;
pub(crate) mod typed;

use crate::storage::component::Component;
use crate::storage::entity::Entity;
use crate::storage::value::ModelValue;
use crate::system::error::ScheduleError;
use crate::system::schedule::Schedule;
use crate::view::Ecs;
use crate::view::storage::{EntitySnapshot, StorageView, WorldSnapshot};
use crate::view::world::{WorldStats, WorldView};
use crate::world::World;
use crate::world::error::{EcsError, ModelError};
use crate::world::event::{Delivery, Events};
use lock::{ReadGuard, StateLock, WriteGuard};
use playground_runtime::{Handle, Model, viewmodel};
use std::cell::Cell;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::thread::LocalKey;

/// The world and its systems (one lock: a tick needs both).
#[derive(Default)]
pub(crate) struct Simulation {
    pub(crate) world: World,
    schedule: Schedule,
}

/// Events with what the view adds: held models and a history.
struct EventState {
    events: Events,
    paused: HashSet<u64>,
    held: Vec<ModelValue>,
    history: VecDeque<ModelValue>,
    history_limit: usize,
}

impl Default for EventState {
    fn default() -> Self {
        EventState {
            events: Events::new(),
            paused: HashSet::new(),
            held: Vec::new(),
            history: VecDeque::new(),
            history_limit: 64,
        }
    }
}

impl EventState {
    fn deliver(&mut self, event: ModelValue) -> Delivery {
        if self.paused.contains(&event.model_id) {
            self.held.push(event);
            return Delivery::default();
        }
        let delivery = self.events.publish_model(&event);
        if self.history_limit > 0 {
            if self.history.len() == self.history_limit {
                self.history.pop_front();
            }
            self.history.push_back(event);
        }
        delivery
    }
}

/// Name, clock and resources.
struct Meta {
    name: String,
    frame: u64,
    time: f64,
    paused: bool,
    time_scale: f32,
    resources: BTreeMap<u64, ModelValue>,
}

impl Default for Meta {
    fn default() -> Self {
        Meta {
            name: "world".into(),
            frame: 0,
            time: 0.0,
            paused: false,
            time_scale: 1.0,
            resources: BTreeMap::new(),
        }
    }
}

/// Everything an [`EcsModule`] holds, in one allocation the module shares
/// with its successors: a new build of the ECS adopts it on a reload.
pub(crate) struct EcsState {
    /// The world lock: a [`StateLock`], which every build adopting the
    /// state waits on together, with what std's `RwLock` lacks: a read
    /// lock that a typed guard ([`TypedEcs::get`](crate::TypedEcs::get))
    /// keeps after the call that took it returns (`force_unlock_read`), and
    /// recursive reads, so that a thread holding such a guard can still
    /// read while a writer waits.
    pub(crate) simulation: StateLock<Simulation>,
    events: StateLock<EventState>,
    meta: StateLock<Meta>,
    /// How many typed borrows of this world each thread holds: the counter
    /// of the build that made the state, which every build adopting it
    /// shares (each build has its own thread-locals).
    pub(crate) held: &'static LocalKey<Cell<usize>>,
}

impl Default for EcsState {
    fn default() -> Self {
        EcsState {
            simulation: StateLock::default(),
            events: StateLock::default(),
            meta: StateLock::default(),
            held: &HELD,
        }
    }
}

// SAFETY: `ABI_VERSION` hashes every declaration of this crate, so any
// change to `EcsState` or to a type in it declared here (its locks
// included) changes the fingerprint; the types of std in it are pinned by
// the compiler version every build fingerprint holds. No other crate's
// type is in it.
unsafe impl playground_runtime::TypeFingerprint for EcsState {
    const FINGERPRINT: u64 = playground_runtime::fingerprint::opaque::<EcsState>(
        "playground_ecs::EcsState",
        crate::view::abi::ABI_VERSION,
    );
}

// SAFETY: `STATE_VERSION` is the fingerprint above: it changes whenever the
// declarations of this crate do, and so whenever `EcsState`'s structure
// does. (Not `#[model]`: the state holds systems and subscriptions, which
// are code, and the fields' types are private.)
unsafe impl Model for EcsState {
    const NAME: &'static str = "EcsState";
    const MODEL_ID: playground_runtime::ModelId = playground_runtime::ModelId::new(
        playground_runtime::fingerprint::named("playground_ecs::EcsState"),
    );
}

/// The world as data (a [`WorldSnapshot`]): what a build that cannot adopt
/// the state would be handed, to migrate it.
impl serde::Serialize for EcsState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let world = &self.simulation.read().world;
        let snapshot =
            snapshot_world(world, &self.meta.read()).map_err(serde::ser::Error::custom)?;
        serde::Serialize::serialize(&snapshot, serializer)
    }
}

/// Never decoded: a world holds systems and subscriptions, which are code,
/// so it is adopted live or not at all.
impl<'de> serde::Deserialize<'de> for EcsState {
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(serde::de::Error::custom(
            "a running world is adopted live by a build of the ECS with the same declarations, never decoded: its systems and event subscriptions are code",
        ))
    }
}

/// The default ECS: implements [`Ecs`] and its seven fragments.
///
/// Locks: the world and its systems, the events, and the clock with the
/// resources each have their own, so an event handler may use the world
/// and resources through the view, but not publish or subscribe (that
/// would wait on the events lock it runs under).
///
/// ```
/// use playground_ecs::{EcsModule, EntityView, ComponentView, WorldView, ModelValue};
/// use playground_runtime::model;
///
/// #[model]
/// #[derive(Debug, Clone, PartialEq)]
/// struct Health(u32);
///
/// let ecs = EcsModule::default();
/// ecs.with_world(|world| world.register_model::<Health>().map(drop)).unwrap();
/// let e = ecs.spawn_with(vec![ModelValue::of(&Health(10)).unwrap()]).unwrap();
/// assert_eq!(ecs.get(e, <Health as playground_runtime::Model>::MODEL_ID.get()).unwrap().to::<Health>().unwrap(), Health(10));
/// ecs.tick(1.0 / 60.0).unwrap();
/// assert_eq!(ecs.frame(), 1);
/// ```
#[derive(Default)]
pub struct EcsModule {
    /// The state, adopted live by the next build of this module when its
    /// declarations are the same (see [`ABI_VERSION`](crate::ABI_VERSION)).
    pub(crate) state: Handle<EcsState>,
}

thread_local! {
    /// How many typed borrows (guards and running typed queries) of any
    /// `EcsModule` this thread holds, each with a read lock of its world.
    /// A writer on such a thread must not wait for the world lock: it
    /// could be waiting for itself. Reached through [`EcsState::held`].
    static HELD: Cell<usize> = const { Cell::new(0) };
}

impl EcsModule {
    /// The world, locked for reading. Recursive: a thread that holds a
    /// typed guard (a read lock kept past its call) must not queue behind
    /// a waiting writer, which waits for that guard.
    pub(crate) fn read(&self) -> ReadGuard<'_, Simulation> {
        self.state.simulation.read()
    }

    /// The world, locked for writing; [`EcsError::WorldBorrowed`] instead of
    /// a deadlock if this thread holds typed borrows that keep it locked.
    /// Other threads' borrows are waited for, as any lock is.
    pub(crate) fn try_write(&self) -> Result<WriteGuard<'_, Simulation>, EcsError> {
        if let Some(guard) = self.state.simulation.try_write() {
            return Ok(guard);
        }
        if self.state.held.get() > 0 {
            // Maybe this thread's own read locks (or another world's, while
            // this one waits on a thread that waits for those): refuse
            // rather than wait for ever.
            return Err(EcsError::WorldBorrowed);
        }
        Ok(self.state.simulation.write())
    }

    /// [`EcsModule::try_write`] for operations that cannot return the
    /// error.
    ///
    /// # Panics
    /// If this thread holds typed borrows of a world (see
    /// [`EcsError::WorldBorrowed`]), as a `RefCell` does.
    pub(crate) fn write(&self) -> WriteGuard<'_, Simulation> {
        self.try_write().unwrap_or_else(|error| panic!("{error}"))
    }

    /// Runs `f` with the world: the typed API, for the owner of the module.
    ///
    /// # Panics
    /// If this thread holds typed borrows through the view (a
    /// [`TypedRef`](crate::TypedRef), [`TypedMut`](crate::TypedMut), or inside
    /// [`TypedEcs::for_each`](crate::TypedEcs::for_each)).
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut self.write().world)
    }

    /// Registers model component `T` (see [`World::register_model`]).
    pub fn register_model<T: Component + Model>(&self) -> Result<(), ModelError> {
        self.with_world(|world| world.register_model::<T>().map(drop))
    }
}

fn snapshot_entity(world: &World, entity: Entity) -> Result<EntitySnapshot, EcsError> {
    Ok(EntitySnapshot {
        entity: entity.to_bits(),
        components: world.values(entity)?,
    })
}

fn snapshot_world(world: &World, meta: &Meta) -> Result<WorldSnapshot, EcsError> {
    let entities = world
        .iter()
        .map(|e| snapshot_entity(world, e))
        .collect::<Result<_, _>>()?;
    Ok(WorldSnapshot {
        entities,
        resources: meta.resources.values().cloned().collect(),
    })
}

#[viewmodel(state(state))]
impl Ecs for EcsModule {}

impl WorldView for EcsModule {
    fn tick(&self, dt: f32) -> Result<(), ScheduleError> {
        let scale = {
            let meta = self.state.meta.read();
            if meta.paused {
                return Ok(());
            }
            meta.time_scale
        };
        self.state.events.write().events.dispatch();
        {
            let simulation = &mut *self.write();
            simulation.schedule.run(&mut simulation.world)?;
        }
        let meta = &mut self.state.meta.write();
        meta.frame += 1;
        meta.time += f64::from(dt * scale);
        Ok(())
    }
    fn step(&self, count: u32, dt: f32) -> Result<(), ScheduleError> {
        (0..count).try_for_each(|_| self.tick(dt))
    }
    fn frame(&self) -> u64 {
        self.state.meta.read().frame
    }
    fn time(&self) -> f64 {
        self.state.meta.read().time
    }
    fn pause(&self) {
        self.state.meta.write().paused = true;
    }
    fn resume(&self) {
        self.state.meta.write().paused = false;
    }
    fn is_paused(&self) -> bool {
        self.state.meta.read().paused
    }
    fn set_time_scale(&self, scale: f32) {
        self.state.meta.write().time_scale = scale;
    }
    fn time_scale(&self) -> f32 {
        self.state.meta.read().time_scale
    }
    fn insert_resource(&self, value: ModelValue) {
        self.state
            .meta
            .write()
            .resources
            .insert(value.model_id, value);
    }
    fn resource(&self, model_id: u64) -> Option<ModelValue> {
        self.state.meta.read().resources.get(&model_id).cloned()
    }
    fn remove_resource(&self, model_id: u64) -> Option<ModelValue> {
        self.state.meta.write().resources.remove(&model_id)
    }
    fn has_resource(&self, model_id: u64) -> bool {
        self.state.meta.read().resources.contains_key(&model_id)
    }
    fn resource_models(&self) -> Vec<u64> {
        self.state.meta.read().resources.keys().copied().collect()
    }
    fn reset(&self) {
        self.write().world.clear();
        {
            let events = &mut self.state.events.write();
            events.events.clear_pending();
            events.held.clear();
            events.history.clear();
        }
        let meta = &mut self.state.meta.write();
        meta.frame = 0;
        meta.time = 0.0;
        meta.resources.clear();
    }
    fn name(&self) -> String {
        self.state.meta.read().name.clone()
    }
    fn set_name(&self, name: String) {
        self.state.meta.write().name = name;
    }
    fn stats(&self) -> WorldStats {
        let (entities, systems) = {
            let simulation = self.read();
            (
                u64::from(simulation.world.len()),
                simulation.schedule.len() as u64,
            )
        };
        let meta = self.state.meta.read();
        WorldStats {
            name: meta.name.clone(),
            frame: meta.frame,
            time: meta.time,
            entities,
            systems,
            resources: meta.resources.len() as u64,
            paused: meta.paused,
        }
    }
    fn save(&self) -> Result<Vec<u8>, EcsError> {
        self.save_bytes()
    }
    fn load(&self, bytes: Vec<u8>) -> Result<(), EcsError> {
        self.load_bytes(bytes).map(drop)
    }
    fn describe(&self) -> String {
        let stats = self.stats();
        format!(
            "{}: frame {}, {:.2} s, {} entities in {} tables, {} systems, {} resources{}",
            stats.name,
            stats.frame,
            stats.time,
            stats.entities,
            self.table_count(),
            stats.systems,
            stats.resources,
            if stats.paused { " (paused)" } else { "" }
        )
    }
}
