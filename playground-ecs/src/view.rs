//! The ECS as views: seven fragments with 115 operations, composed into
//! one [`Ecs`] view, for coarse calls across modules. Components, events
//! and resources cross as [`ModelValue`]s (a model's bytes, id and
//! version); hot loops use the typed API ([`World`](crate::World),
//! [`Query`](crate::Query)) instead.
//!
//! Every fragment folds [`ABI_VERSION`](crate::ABI_VERSION) into its API
//! version: its methods take playground-ecs types (`Entity`, `System`), so a
//! module built against other playground-ecs sources is refused.

use crate::storage::entity::Entity;
use crate::storage::model::ComponentRegistration;
use crate::storage::value::ModelValue;
use crate::system::System;
use crate::system::error::ScheduleError;
use crate::world::error::{EcsError, ModelError};
use crate::world::event::{Delivery, HandlerFailure};
use playground_runtime::{model, view};

/// A component type as the view describes it.
#[model]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentType {
    /// The Rust type's name.
    pub name: String,
    /// Its model id (0 for a plain Rust component).
    pub model_id: u64,
    /// Its state version (0 for a plain Rust component).
    pub state_version: u64,
    /// `size_of`.
    pub size: u64,
    /// `align_of`.
    pub align: u64,
}

/// Which entities a query of the view matches: those with every model in
/// `with` and none in `without`.
#[model]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuerySpec {
    /// Model ids every match has.
    pub with: Vec<u64>,
    /// Model ids no match has.
    pub without: Vec<u64>,
}

/// One table of the storage.
#[model]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    /// Its component types' names.
    pub components: Vec<String>,
    /// How many entities it holds.
    pub entities: u64,
}

/// An entity's model components.
#[model]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntitySnapshot {
    /// `Entity::to_bits` of the entity it was taken from.
    pub entity: u64,
    /// Its model components.
    pub components: Vec<ModelValue>,
}

/// Every entity's model components, and the resources.
#[model]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorldSnapshot {
    /// The entities.
    pub entities: Vec<EntitySnapshot>,
    /// The resources.
    pub resources: Vec<ModelValue>,
}

/// Counts of the storage.
#[model]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StorageStats {
    /// Live entities.
    pub entities: u64,
    /// Tables.
    pub tables: u64,
    /// Component types registered.
    pub component_types: u64,
    /// Bytes reserved for components.
    pub bytes: u64,
}

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

/// A pre-phase event handler of the view: `false` cancels the event.
pub type PreHandler = Box<dyn Fn(&ModelValue) -> bool + Send + Sync>;
/// A post-phase event handler of the view.
pub type PostHandler = Box<dyn Fn(&ModelValue) + Send + Sync>;

/// Entities: 11 operations.
#[view(abi(crate::ABI_VERSION))]
pub trait EntityView: Send + Sync {
    /// Spawns an entity without components.
    fn spawn(&self) -> Entity;
    /// Spawns `count` entities without components.
    fn spawn_many(&self, count: u32) -> Vec<Entity>;
    /// Spawns an entity with model components; nothing on an error.
    fn spawn_with(&self, components: Vec<ModelValue>) -> Result<Entity, EcsError>;
    /// Despawns an entity.
    fn despawn(&self, entity: Entity) -> Result<(), EcsError>;
    /// Despawns the live ones of `entities`; returns how many.
    fn despawn_many(&self, entities: Vec<Entity>) -> u32;
    /// Whether the entity is alive.
    fn contains(&self, entity: Entity) -> bool;
    /// How many entities are alive.
    fn entity_count(&self) -> u64;
    /// Every live entity.
    fn entities(&self) -> Vec<Entity>;
    /// Spawns a copy of an entity's model components.
    fn clone_entity(&self, entity: Entity) -> Result<Entity, EcsError>;
    /// Despawns every entity; returns how many.
    fn clear_entities(&self) -> u64;
    /// The component types of an entity.
    fn entity_components(&self, entity: Entity) -> Result<Vec<ComponentType>, EcsError>;
}

/// Components, as model values: 14 operations.
#[view(abi(crate::ABI_VERSION))]
pub trait ComponentView: Send + Sync {
    /// Adds or replaces a component.
    fn insert(&self, entity: Entity, value: ModelValue) -> Result<(), EcsError>;
    /// Adds or replaces several components.
    fn insert_many(&self, entity: Entity, values: Vec<ModelValue>) -> Result<(), EcsError>;
    /// A component, encoded.
    fn get(&self, entity: Entity, model_id: u64) -> Result<ModelValue, EcsError>;
    /// Every model component of an entity.
    fn get_all(&self, entity: Entity) -> Result<Vec<ModelValue>, EcsError>;
    /// Removes a component and returns it.
    fn remove(&self, entity: Entity, model_id: u64) -> Result<ModelValue, EcsError>;
    /// Whether the entity has a component of the model.
    fn has(&self, entity: Entity, model_id: u64) -> Result<bool, EcsError>;
    /// Replaces an existing component; returns the old one.
    fn replace(&self, entity: Entity, value: ModelValue) -> Result<ModelValue, EcsError>;
    /// Every registered component type.
    fn component_types(&self) -> Vec<ComponentType>;
    /// The component type of a model.
    fn component_type(&self, model_id: u64) -> Option<ComponentType>;
    /// How many entities have the model.
    fn count_with(&self, model_id: u64) -> u64;
    /// The entities that have the model.
    fn entities_with(&self, model_id: u64) -> Vec<Entity>;
    /// Removes the model's component from every entity; returns how many.
    fn remove_from_all(&self, model_id: u64) -> u64;
    /// Copies a component from one entity to another.
    fn copy_component(&self, from: Entity, to: Entity, model_id: u64) -> Result<(), EcsError>;
    /// Registers a model component type packed by the module that has it.
    fn register_component(&self, registration: ComponentRegistration) -> Result<(), ModelError>;
}

/// Events, keyed by model id: 20 operations.
#[view(abi(crate::ABI_VERSION))]
pub trait EventView: Send + Sync {
    /// Subscribes to the pre phase of a model's events; returns the subscription.
    fn subscribe_pre(
        &self,
        event_model: u64,
        handler: Box<dyn Fn(&ModelValue) -> bool + Send + Sync>,
    ) -> u64;
    /// Subscribes to the post phase of a model's events.
    fn subscribe_post(
        &self,
        event_model: u64,
        handler: Box<dyn Fn(&ModelValue) + Send + Sync>,
    ) -> u64;
    /// Ends a subscription; whether it existed.
    fn unsubscribe(&self, subscription: u64) -> bool;
    /// Ends every subscription to a model's events; returns how many.
    fn unsubscribe_all(&self, event_model: u64) -> u32;
    /// Delivers an event now (held if its model is paused).
    fn publish(&self, event: ModelValue) -> Delivery;
    /// Delivers several events now, in order.
    fn publish_many(&self, events: Vec<ModelValue>) -> Vec<Delivery>;
    /// Queues an event for the next dispatch.
    fn send(&self, event: ModelValue);
    /// Delivers the queued events in order; returns how many.
    fn dispatch(&self) -> u32;
    /// How many events are queued.
    fn pending(&self) -> u32;
    /// Drops the queued events; returns how many.
    fn clear_pending(&self) -> u32;
    /// How many handlers a model's events have, in the pre or post phase.
    fn subscriber_count(&self, event_model: u64, pre: bool) -> u32;
    /// The models whose events have subscribers.
    fn event_models(&self) -> Vec<u64>;
    /// Handlers that panicked.
    fn failures(&self) -> Vec<HandlerFailure>;
    /// Forgets the recorded failures; returns how many.
    fn clear_failures(&self) -> u32;
    /// Holds a model's events instead of delivering them.
    fn pause_events(&self, event_model: u64);
    /// Delivers the held events of a model and stops holding; returns how many.
    fn resume_events(&self, event_model: u64) -> u32;
    /// Whether a model's events are held.
    fn events_paused(&self, event_model: u64) -> bool;
    /// The most recently delivered events, oldest first, at most `limit`.
    fn history(&self, limit: u32) -> Vec<ModelValue>;
    /// How many delivered events the history keeps.
    fn set_history_limit(&self, limit: u32);
    /// Forgets the history.
    fn clear_history(&self);
}

/// Queries over model components: 14 operations.
#[view(abi(crate::ABI_VERSION))]
pub trait QueryView: Send + Sync {
    /// The matching entities.
    fn query(&self, spec: QuerySpec) -> Vec<Entity>;
    /// How many entities match.
    fn query_count(&self, spec: QuerySpec) -> u64;
    /// The first match.
    fn query_first(&self, spec: QuerySpec) -> Option<Entity>;
    /// Each match with its component of a model.
    fn query_values(
        &self,
        spec: QuerySpec,
        model_id: u64,
    ) -> Result<Vec<(Entity, ModelValue)>, EcsError>;
    /// Each match with its components of several models.
    fn query_rows(
        &self,
        spec: QuerySpec,
        models: Vec<u64>,
    ) -> Result<Vec<(Entity, Vec<ModelValue>)>, EcsError>;
    /// Whether an entity matches.
    fn matches(&self, entity: Entity, spec: QuerySpec) -> Result<bool, EcsError>;
    /// Calls `visit` with each match.
    fn for_each(&self, spec: QuerySpec, visit: &mut dyn FnMut(Entity));
    /// Calls `update` with each match's component of a model and stores
    /// what it leaves there; returns how many.
    fn update_each(
        &self,
        spec: QuerySpec,
        model_id: u64,
        update: &mut dyn FnMut(Entity, &mut ModelValue),
    ) -> Result<u64, EcsError>;
    /// Whether anything matches.
    fn any(&self, spec: QuerySpec) -> bool;
    /// How many tables match.
    fn tables_matching(&self, spec: QuerySpec) -> u32;
    /// Entities with every one of the models.
    fn with_all(&self, models: Vec<u64>) -> Vec<Entity>;
    /// Entities with at least one of the models.
    fn with_any(&self, models: Vec<u64>) -> Vec<Entity>;
    /// Entities with none of the models.
    fn without(&self, models: Vec<u64>) -> Vec<Entity>;
    /// At most `limit` matches.
    fn sample(&self, spec: QuerySpec, limit: u32) -> Vec<Entity>;
}

/// Storage: tables, memory, snapshots: 17 operations.
#[view(abi(crate::ABI_VERSION))]
pub trait StorageView: Send + Sync {
    /// How many tables there are.
    fn table_count(&self) -> u32;
    /// Every table.
    fn tables(&self) -> Vec<TableInfo>;
    /// The table of an entity.
    fn table_of(&self, entity: Entity) -> Result<TableInfo, EcsError>;
    /// How many component types are registered.
    fn component_type_count(&self) -> u32;
    /// Bytes reserved for components.
    fn memory_bytes(&self) -> u64;
    /// The size and align of a model's component.
    fn layout_of(&self, model_id: u64) -> Option<(u64, u64)>;
    /// How many tables hold no entity.
    fn empty_tables(&self) -> u32;
    /// The table with the most entities.
    fn largest_table(&self) -> Option<TableInfo>;
    /// An entity's model components.
    fn snapshot_entity(&self, entity: Entity) -> Result<EntitySnapshot, EcsError>;
    /// Spawns an entity from a snapshot.
    fn restore_entity(&self, snapshot: EntitySnapshot) -> Result<Entity, EcsError>;
    /// Every entity's model components and the resources.
    fn snapshot_world(&self) -> Result<WorldSnapshot, EcsError>;
    /// Replaces every entity and resource with a snapshot's (entities get
    /// new ids); returns how many entities.
    fn restore_world(&self, snapshot: WorldSnapshot) -> Result<u64, EcsError>;
    /// A snapshot, encoded.
    fn save_bytes(&self) -> Result<Vec<u8>, EcsError>;
    /// Restores from [`StorageView::save_bytes`]' output; returns how many entities.
    fn load_bytes(&self, bytes: Vec<u8>) -> Result<u64, EcsError>;
    /// How many entities have components of no model (plain Rust ones only).
    fn plain_entities(&self) -> u64;
    /// Whether a model's component type is registered.
    fn is_registered(&self, model_id: u64) -> bool;
    /// Counts of the storage.
    fn storage_stats(&self) -> StorageStats;
}

/// Systems: 18 operations.
#[view(abi(crate::ABI_VERSION))]
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
    fn run_exclusive(&self, f: &mut dyn FnMut(&mut crate::World)) -> Result<(), EcsError>;
    /// Checks that the order can be built (no cycle, no unknown name).
    fn validate(&self) -> Result<(), ScheduleError>;
    /// Microseconds the last run took.
    fn last_run_micros(&self) -> Option<u64>;
    /// How many times a system ran.
    fn run_count(&self, name: String) -> Option<u64>;
    /// Whether stages run their systems in parallel.
    fn set_parallel(&self, parallel: bool);
}

/// The world as a whole: ticks, time, resources: 21 operations.
#[view(abi(crate::ABI_VERSION))]
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

/// The whole ECS: every fragment in one view, and the building blocks of
/// typed access ([`TypedView`](crate::TypedView), used through
/// `<dyn Ecs>::typed`).
#[view(abi(
    <dyn EntityView as playground_runtime::View>::API_VERSION,
    <dyn ComponentView as playground_runtime::View>::API_VERSION,
    <dyn EventView as playground_runtime::View>::API_VERSION,
    <dyn QueryView as playground_runtime::View>::API_VERSION,
    <dyn StorageView as playground_runtime::View>::API_VERSION,
    <dyn SystemView as playground_runtime::View>::API_VERSION,
    <dyn WorldView as playground_runtime::View>::API_VERSION,
    <dyn crate::TypedView as playground_runtime::View>::API_VERSION,
))]
pub trait Ecs:
    EntityView
    + ComponentView
    + EventView
    + QueryView
    + StorageView
    + SystemView
    + WorldView
    + crate::TypedView
    + Send
    + Sync
{
}
