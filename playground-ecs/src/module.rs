//! The default implementation of the ECS views: one world, its schedule,
//! its events and resources, behind locks so that the view can be shared.

mod typed;

use crate::storage::component::{ComponentInfo, ComponentKey};
use crate::storage::entity::Entity;
use crate::storage::value::ModelValue;
use crate::system::System;
use crate::system::error::ScheduleError;
use crate::system::schedule::Schedule;
use crate::view::Ecs;
use crate::view::component::{ComponentType, ComponentView};
use crate::view::entity::EntityView;
use crate::view::event::{EventView, PostHandler, PreHandler};
use crate::view::query::{QuerySpec, QueryView};
use crate::view::storage::{EntitySnapshot, StorageStats, StorageView, TableInfo, WorldSnapshot};
use crate::view::system::SystemView;
use crate::view::world::{WorldStats, WorldView};
use crate::world::World;
use crate::world::error::{EcsError, ModelError};
use crate::world::event::{Delivery, Events, HandlerFailure, Phase, SubscriptionId};
use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};
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
    /// The world lock. parking_lot's, for two things std's lacks: a read
    /// lock that a typed guard ([`TypedEcs::get`](crate::TypedEcs::get))
    /// keeps after the call that took it returns (`force_unlock_read`), and
    /// recursive reads, so that a thread holding such a guard can still
    /// read while a writer waits.
    pub(crate) simulation: RwLock<Simulation>,
    events: RwLock<EventState>,
    meta: RwLock<Meta>,
    /// How many typed borrows of this world each thread holds: the counter
    /// of the build that made the state, which every build adopting it
    /// shares (each build has its own thread-locals).
    pub(crate) held: &'static LocalKey<Cell<usize>>,
}

impl Default for EcsState {
    fn default() -> Self {
        EcsState {
            simulation: RwLock::default(),
            events: RwLock::default(),
            meta: RwLock::default(),
            held: &HELD,
        }
    }
}

// SAFETY: `ABI_VERSION` hashes every declaration of this crate, so any
// change to `EcsState` or to a type in it declared here changes the
// fingerprint; the types of std, parking_lot and rayon in it are pinned
// as for the types that cross the views (see `opaque_fingerprints!`).
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
    const MODEL_ID: u64 = playground_runtime::fingerprint::named("playground_ecs::EcsState");
}

/// The world as data (a [`WorldSnapshot`]): what a build that cannot adopt
/// the state would be handed, to migrate it.
impl serde::Serialize for EcsState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let world = &self.simulation.read_recursive().world;
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
/// assert_eq!(ecs.get(e, <Health as playground_runtime::Model>::MODEL_ID).unwrap().to::<Health>().unwrap(), Health(10));
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
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Simulation> {
        self.state.simulation.read_recursive()
    }

    /// The world, locked for writing; [`EcsError::WorldBorrowed`] instead of
    /// a deadlock if this thread holds typed borrows that keep it locked.
    /// Other threads' borrows are waited for, as any lock is.
    pub(crate) fn try_write(&self) -> Result<RwLockWriteGuard<'_, Simulation>, EcsError> {
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
    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Simulation> {
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
    pub fn register_model<T: crate::Component + Model>(&self) -> Result<(), ModelError> {
        self.with_world(|world| world.register_model::<T>().map(drop))
    }
}

fn component_type(info: &ComponentInfo) -> ComponentType {
    let (model_id, state_version) = match info.key {
        ComponentKey::Model { id, version } => (id, version),
        ComponentKey::Type(_) => (0, 0),
    };
    ComponentType {
        name: info.name.to_owned(),
        model_id,
        state_version,
        size: info.layout.size() as u64,
        align: info.layout.align() as u64,
    }
}

fn model_ids(infos: &[ComponentInfo]) -> Vec<u64> {
    infos
        .iter()
        .filter_map(|info| match info.key {
            ComponentKey::Model { id, .. } => Some(id),
            ComponentKey::Type(_) => None,
        })
        .collect()
}

fn table_info(infos: &[ComponentInfo], entities: usize) -> TableInfo {
    TableInfo {
        components: infos.iter().map(|i| i.name.to_owned()).collect(),
        entities: entities as u64,
    }
}

fn matches(models: &[u64], spec: &QuerySpec) -> bool {
    spec.with.iter().all(|m| models.contains(m)) && !spec.without.iter().any(|m| models.contains(m))
}

/// Every entity with the model ids it has, table by table.
fn entity_models(world: &World) -> Vec<(Entity, Vec<u64>)> {
    world
        .tables()
        .into_iter()
        .zip(world.archetypes.iter())
        .flat_map(|((infos, _), table)| {
            let models = model_ids(&infos);
            table
                .entities
                .iter()
                .map(move |&index| (world.entities.entity(index), models.clone()))
        })
        .collect()
}

fn query(world: &World, spec: &QuerySpec) -> Vec<Entity> {
    entity_models(world)
        .into_iter()
        .filter(|(_, models)| matches(models, spec))
        .map(|(e, _)| e)
        .collect()
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

fn encode_err(error: playground_runtime::StateError) -> EcsError {
    EcsError::State {
        component: "WorldSnapshot",
        source: error,
    }
}

#[viewmodel(state(state))]
impl Ecs for EcsModule {}

impl EntityView for EcsModule {
    fn spawn(&self) -> Entity {
        self.write().world.spawn_empty()
    }
    fn spawn_many(&self, count: u32) -> Vec<Entity> {
        let world = &mut self.write().world;
        (0..count).map(|_| world.spawn_empty()).collect()
    }
    fn spawn_with(&self, components: Vec<ModelValue>) -> Result<Entity, EcsError> {
        self.try_write()?.world.spawn_values(&components)
    }
    fn despawn(&self, entity: Entity) -> Result<(), EcsError> {
        self.try_write()?.world.despawn(entity)
    }
    fn despawn_many(&self, entities: Vec<Entity>) -> u32 {
        let world = &mut self.write().world;
        entities
            .into_iter()
            .filter(|&e| world.despawn(e).is_ok())
            .count() as u32
    }
    fn contains(&self, entity: Entity) -> bool {
        self.read().world.contains(entity)
    }
    fn entity_count(&self) -> u64 {
        u64::from(self.read().world.len())
    }
    fn entities(&self) -> Vec<Entity> {
        self.read().world.iter().collect()
    }
    fn clone_entity(&self, entity: Entity) -> Result<Entity, EcsError> {
        let world = &mut self.try_write()?.world;
        let values = world.values(entity)?;
        world.spawn_values(&values)
    }
    fn clear_entities(&self) -> u64 {
        let world = &mut self.write().world;
        let count = u64::from(world.len());
        world.clear();
        count
    }
    fn entity_components(&self, entity: Entity) -> Result<Vec<ComponentType>, EcsError> {
        Ok(self
            .state
            .simulation
            .read()
            .world
            .components_of(entity)?
            .iter()
            .map(component_type)
            .collect())
    }
}

impl ComponentView for EcsModule {
    fn insert(&self, entity: Entity, value: ModelValue) -> Result<(), EcsError> {
        self.try_write()?.world.insert_value(entity, &value)
    }
    fn insert_many(&self, entity: Entity, values: Vec<ModelValue>) -> Result<(), EcsError> {
        let world = &mut self.try_write()?.world;
        values
            .iter()
            .try_for_each(|value| world.insert_value(entity, value))
    }
    fn get(&self, entity: Entity, model_id: u64) -> Result<ModelValue, EcsError> {
        self.read().world.get_value(entity, model_id)
    }
    fn get_all(&self, entity: Entity) -> Result<Vec<ModelValue>, EcsError> {
        self.read().world.values(entity)
    }
    fn remove(&self, entity: Entity, model_id: u64) -> Result<ModelValue, EcsError> {
        self.try_write()?.world.remove_value(entity, model_id)
    }
    fn has(&self, entity: Entity, model_id: u64) -> Result<bool, EcsError> {
        let world = &self.read().world;
        Ok(model_ids(&world.components_of(entity)?).contains(&model_id))
    }
    fn replace(&self, entity: Entity, value: ModelValue) -> Result<ModelValue, EcsError> {
        let world = &mut self.try_write()?.world;
        let old = world.get_value(entity, value.model_id)?;
        world.insert_value(entity, &value)?;
        Ok(old)
    }
    fn component_types(&self) -> Vec<ComponentType> {
        self.state
            .simulation
            .read()
            .world
            .component_infos()
            .iter()
            .map(|(_, info)| component_type(info))
            .collect()
    }
    fn component_type(&self, model_id: u64) -> Option<ComponentType> {
        let world = &self.read().world;
        world
            .model_component(model_id)
            .map(|id| component_type(world.component_info(id)))
    }
    fn count_with(&self, model_id: u64) -> u64 {
        self.entities_with(model_id).len() as u64
    }
    fn entities_with(&self, model_id: u64) -> Vec<Entity> {
        query(
            &self.read().world,
            &QuerySpec {
                with: vec![model_id],
                without: Vec::new(),
            },
        )
    }
    fn remove_from_all(&self, model_id: u64) -> u64 {
        let world = &mut self.write().world;
        let holders = query(
            world,
            &QuerySpec {
                with: vec![model_id],
                without: Vec::new(),
            },
        );
        holders
            .into_iter()
            .filter(|&e| world.remove_value(e, model_id).is_ok())
            .count() as u64
    }
    fn copy_component(&self, from: Entity, to: Entity, model_id: u64) -> Result<(), EcsError> {
        let world = &mut self.try_write()?.world;
        let value = world.get_value(from, model_id)?;
        world.insert_value(to, &value)
    }
    fn register_component(
        &self,
        registration: crate::ComponentRegistration,
    ) -> Result<(), ModelError> {
        self.state
            .simulation
            .write()
            .world
            .register(registration)
            .map(drop)
    }
}

impl EventView for EcsModule {
    fn subscribe_pre(&self, event_model: u64, handler: PreHandler) -> u64 {
        id_bits(
            self.state
                .events
                .write()
                .events
                .subscribe_model_pre(event_model, handler),
        )
    }
    fn subscribe_post(&self, event_model: u64, handler: PostHandler) -> u64 {
        id_bits(
            self.state
                .events
                .write()
                .events
                .subscribe_model_post(event_model, handler),
        )
    }
    fn unsubscribe(&self, subscription: u64) -> bool {
        self.state
            .events
            .write()
            .events
            .unsubscribe(SubscriptionId::from_bits(subscription))
    }
    fn unsubscribe_all(&self, event_model: u64) -> u32 {
        self.state
            .events
            .write()
            .events
            .unsubscribe_model(event_model) as u32
    }
    fn publish(&self, event: ModelValue) -> Delivery {
        self.state.events.write().deliver(event)
    }
    fn publish_many(&self, events: Vec<ModelValue>) -> Vec<Delivery> {
        let state = &mut self.state.events.write();
        events
            .into_iter()
            .map(|event| state.deliver(event))
            .collect()
    }
    fn send(&self, event: ModelValue) {
        self.state.events.write().events.send_model(event);
    }
    fn dispatch(&self) -> u32 {
        self.state.events.write().events.dispatch() as u32
    }
    fn pending(&self) -> u32 {
        self.state.events.read().events.pending() as u32
    }
    fn clear_pending(&self) -> u32 {
        self.state.events.write().events.clear_pending() as u32
    }
    fn subscriber_count(&self, event_model: u64, pre: bool) -> u32 {
        let phase = if pre { Phase::Pre } else { Phase::Post };
        self.state
            .events
            .read()
            .events
            .model_subscribers(event_model, phase) as u32
    }
    fn event_models(&self) -> Vec<u64> {
        self.state.events.read().events.model_channels()
    }
    fn failures(&self) -> Vec<HandlerFailure> {
        self.state.events.read().events.failures().to_vec()
    }
    fn clear_failures(&self) -> u32 {
        self.state.events.write().events.take_failures().len() as u32
    }
    fn pause_events(&self, event_model: u64) {
        self.state.events.write().paused.insert(event_model);
    }
    fn resume_events(&self, event_model: u64) -> u32 {
        let state = &mut self.state.events.write();
        state.paused.remove(&event_model);
        let (release, keep): (Vec<ModelValue>, Vec<ModelValue>) = std::mem::take(&mut state.held)
            .into_iter()
            .partition(|e| e.model_id == event_model);
        state.held = keep;
        let count = release.len() as u32;
        for event in release {
            state.deliver(event);
        }
        count
    }
    fn events_paused(&self, event_model: u64) -> bool {
        self.state.events.read().paused.contains(&event_model)
    }
    fn history(&self, limit: u32) -> Vec<ModelValue> {
        let state = self.state.events.read();
        let skip = state.history.len().saturating_sub(limit as usize);
        state.history.iter().skip(skip).cloned().collect()
    }
    fn set_history_limit(&self, limit: u32) {
        let state = &mut self.state.events.write();
        state.history_limit = limit as usize;
        while state.history.len() > state.history_limit {
            state.history.pop_front();
        }
    }
    fn clear_history(&self) {
        self.state.events.write().history.clear();
    }
}

fn id_bits(id: SubscriptionId) -> u64 {
    id.to_bits()
}

impl QueryView for EcsModule {
    fn query(&self, spec: QuerySpec) -> Vec<Entity> {
        query(&self.read().world, &spec)
    }
    fn query_count(&self, spec: QuerySpec) -> u64 {
        self.query(spec).len() as u64
    }
    fn query_first(&self, spec: QuerySpec) -> Option<Entity> {
        self.query(spec).first().copied()
    }
    fn query_values(
        &self,
        spec: QuerySpec,
        model_id: u64,
    ) -> Result<Vec<(Entity, ModelValue)>, EcsError> {
        let world = &self.read().world;
        query(world, &spec)
            .into_iter()
            .map(|e| Ok((e, world.get_value(e, model_id)?)))
            .collect()
    }
    fn query_rows(
        &self,
        spec: QuerySpec,
        models: Vec<u64>,
    ) -> Result<Vec<(Entity, Vec<ModelValue>)>, EcsError> {
        let world = &self.read().world;
        query(world, &spec)
            .into_iter()
            .map(|e| {
                Ok((
                    e,
                    models
                        .iter()
                        .map(|&m| world.get_value(e, m))
                        .collect::<Result<_, _>>()?,
                ))
            })
            .collect()
    }
    fn matches(&self, entity: Entity, spec: QuerySpec) -> Result<bool, EcsError> {
        Ok(matches(
            &model_ids(&self.read().world.components_of(entity)?),
            &spec,
        ))
    }
    fn for_each(&self, spec: QuerySpec, visit: &mut dyn FnMut(Entity)) {
        for entity in self.query(spec) {
            visit(entity);
        }
    }
    fn update_each(
        &self,
        spec: QuerySpec,
        model_id: u64,
        update: &mut dyn FnMut(Entity, &mut ModelValue),
    ) -> Result<u64, EcsError> {
        let world = &mut self.try_write()?.world;
        let matched = query(world, &spec);
        let mut count = 0;
        for entity in matched {
            let mut value = world.get_value(entity, model_id)?;
            update(entity, &mut value);
            world.insert_value(entity, &value)?;
            count += 1;
        }
        Ok(count)
    }
    fn any(&self, spec: QuerySpec) -> bool {
        self.query_first(spec).is_some()
    }
    fn tables_matching(&self, spec: QuerySpec) -> u32 {
        let world = &self.read().world;
        world
            .tables()
            .iter()
            .filter(|(infos, _)| matches(&model_ids(infos), &spec))
            .count() as u32
    }
    fn with_all(&self, models: Vec<u64>) -> Vec<Entity> {
        self.query(QuerySpec {
            with: models,
            without: Vec::new(),
        })
    }
    fn with_any(&self, models: Vec<u64>) -> Vec<Entity> {
        let world = &self.read().world;
        entity_models(world)
            .into_iter()
            .filter(|(_, have)| models.iter().any(|m| have.contains(m)))
            .map(|(e, _)| e)
            .collect()
    }
    fn without(&self, models: Vec<u64>) -> Vec<Entity> {
        self.query(QuerySpec {
            with: Vec::new(),
            without: models,
        })
    }
    fn sample(&self, spec: QuerySpec, limit: u32) -> Vec<Entity> {
        self.query(spec).into_iter().take(limit as usize).collect()
    }
}

impl StorageView for EcsModule {
    fn table_count(&self) -> u32 {
        self.read().world.archetype_count() as u32
    }
    fn tables(&self) -> Vec<TableInfo> {
        self.state
            .simulation
            .read()
            .world
            .tables()
            .iter()
            .map(|(infos, n)| table_info(infos, *n))
            .collect()
    }
    fn table_of(&self, entity: Entity) -> Result<TableInfo, EcsError> {
        let world = &self.read().world;
        let infos = world.components_of(entity)?;
        let count = world
            .tables()
            .into_iter()
            .find(|(t, _)| t.iter().map(|i| i.key).eq(infos.iter().map(|i| i.key)))
            .map_or(0, |(_, n)| n);
        Ok(table_info(&infos, count))
    }
    fn component_type_count(&self) -> u32 {
        self.read().world.component_infos().len() as u32
    }
    fn memory_bytes(&self) -> u64 {
        self.read().world.storage_bytes() as u64
    }
    fn layout_of(&self, model_id: u64) -> Option<(u64, u64)> {
        self.component_type(model_id).map(|t| (t.size, t.align))
    }
    fn empty_tables(&self) -> u32 {
        self.state
            .simulation
            .read()
            .world
            .tables()
            .iter()
            .filter(|(_, n)| *n == 0)
            .count() as u32
    }
    fn largest_table(&self) -> Option<TableInfo> {
        self.state
            .simulation
            .read()
            .world
            .tables()
            .iter()
            .max_by_key(|(_, n)| *n)
            .map(|(infos, n)| table_info(infos, *n))
    }
    fn snapshot_entity(&self, entity: Entity) -> Result<EntitySnapshot, EcsError> {
        snapshot_entity(&self.read().world, entity)
    }
    fn restore_entity(&self, snapshot: EntitySnapshot) -> Result<Entity, EcsError> {
        self.state
            .simulation
            .write()
            .world
            .spawn_values(&snapshot.components)
    }
    fn snapshot_world(&self) -> Result<WorldSnapshot, EcsError> {
        snapshot_world(&self.read().world, &self.state.meta.read())
    }
    fn restore_world(&self, snapshot: WorldSnapshot) -> Result<u64, EcsError> {
        let world = &mut self.try_write()?.world;
        // Check every value first: a refused snapshot changes nothing.
        for entity in &snapshot.entities {
            for value in &entity.components {
                if world.component_infos().iter().all(|(_, i)| {
                    i.key
                        != ComponentKey::Model {
                            id: value.model_id,
                            version: value.state_version,
                        }
                }) {
                    return Err(EcsError::UnknownModel {
                        model_id: value.model_id,
                        state_version: value.state_version,
                    });
                }
            }
        }
        world.clear();
        for entity in &snapshot.entities {
            world.spawn_values(&entity.components)?;
        }
        self.state.meta.write().resources = snapshot
            .resources
            .into_iter()
            .map(|r| (r.model_id, r))
            .collect();
        Ok(snapshot.entities.len() as u64)
    }
    fn save_bytes(&self) -> Result<Vec<u8>, EcsError> {
        self.snapshot_world()?.encode().map_err(encode_err)
    }
    fn load_bytes(&self, bytes: Vec<u8>) -> Result<u64, EcsError> {
        let snapshot = WorldSnapshot::decode(&bytes).map_err(encode_err)?;
        self.restore_world(snapshot)
    }
    fn plain_entities(&self) -> u64 {
        entity_models(&self.read().world)
            .iter()
            .filter(|(_, models)| models.is_empty())
            .count() as u64
    }
    fn is_registered(&self, model_id: u64) -> bool {
        self.state
            .simulation
            .read()
            .world
            .model_component(model_id)
            .is_some()
    }
    fn storage_stats(&self) -> StorageStats {
        let world = &self.read().world;
        StorageStats {
            entities: u64::from(world.len()),
            tables: world.archetype_count() as u64,
            component_types: world.component_infos().len() as u64,
            bytes: world.storage_bytes() as u64,
        }
    }
}

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
