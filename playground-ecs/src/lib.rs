//! playground-ecs: an entity-component-system, playground's flagship module.
//!
//! Storage is archetype tables: every entity with the same component types
//! shares a table, one contiguous column per type. Iteration, the hot loop
//! of a game, walks contiguous arrays that the compiler vectorises and only
//! the tables a query matches; adding or removing a component moves the
//! entity's row to another table, made cheap by caching each table's
//! add/remove targets. (Sparse sets make adding and removing cheaper and
//! iteration over several components slower; games iterate far more often
//! than they restructure.)
//!
//! Two ways in:
//! - the typed API for hot loops: [`World`] (spawn, insert, remove, get,
//!   resources, queries with [`With`], [`Without`], `Option<&T>` and
//!   [`Entity`], [`PreparedQuery`] that matches tables once, parallel
//!   iteration), [`Schedule`] of [`System`]s that see the world through a
//!   [`SystemWorld`] (only what they declared) and change it through
//!   [`Commands`], applied at the end of their stage; [`Events`];
//! - the [`Ecs`] view for coarse calls across modules: seven fragments,
//!   115 operations, components, events and resources as [`ModelValue`]s,
//!   implemented by [`EcsModule`];
//! - typed access through that view, for a module that holds a `dyn Ecs`
//!   and links the component types: [`TypedEcs`] (`ecs.typed()`) gets,
//!   inserts and queries model components as their Rust types, in place,
//!   checked by model id, state version and layout ([`TypedView`], an
//!   eighth fragment of 6 building blocks).
//!
//! Borrows are checked and held: a reference handed out through `&World`
//! ([`World::get`], [`World::query`], [`World::resource`], the model-value
//! reads) comes with a guard that keeps conflicting borrows out until it is
//! dropped, so safe code cannot alias a `&mut` or race another thread. A
//! component whose `Drop` panics during despawn or remove is dropped once,
//! after the world is consistent again.
//!
//! Component types that a reloadable module defines are registered as
//! models ([`World::register_model`]): identified by model id and state
//! version, not `TypeId`, so a rebuilt module finds the same columns, and a
//! changed layout is migrated ([`World::migrate_model`]) or refused.
//!
//! ## The 115 operations of the view, and 6 building blocks
//!
//! ### `EntityView` (11): entities
//!
//! - `spawn`: spawns an entity without components.
//! - `spawn_many`: spawns `count` entities without components.
//! - `spawn_with`: spawns an entity with model components; nothing on an error.
//! - `despawn`: despawns an entity.
//! - `despawn_many`: despawns the live ones of `entities`; returns how many.
//! - `contains`: whether the entity is alive.
//! - `entity_count`: how many entities are alive.
//! - `entities`: every live entity.
//! - `clone_entity`: spawns a copy of an entity's model components.
//! - `clear_entities`: despawns every entity; returns how many.
//! - `entity_components`: the component types of an entity.
//!
//! ### `ComponentView` (14): components, as model values
//!
//! - `insert`: adds or replaces a component.
//! - `insert_many`: adds or replaces several components.
//! - `get`: a component, encoded.
//! - `get_all`: every model component of an entity.
//! - `remove`: removes a component and returns it.
//! - `has`: whether the entity has a component of the model.
//! - `replace`: replaces an existing component; returns the old one.
//! - `component_types`: every registered component type.
//! - `component_type`: the component type of a model.
//! - `count_with`: how many entities have the model.
//! - `entities_with`: the entities that have the model.
//! - `remove_from_all`: removes the model's component from every entity; returns how many.
//! - `copy_component`: copies a component from one entity to another.
//! - `register_component`: registers a model component type packed by the module that has it.
//!
//! ### `EventView` (20): events, keyed by model id
//!
//! - `subscribe_pre`: subscribes to the pre phase of a model's events; returns the subscription.
//! - `subscribe_post`: subscribes to the post phase of a model's events.
//! - `unsubscribe`: ends a subscription; whether it existed.
//! - `unsubscribe_all`: ends every subscription to a model's events; returns how many.
//! - `publish`: delivers an event now (held if its model is paused).
//! - `publish_many`: delivers several events now, in order.
//! - `send`: queues an event for the next dispatch.
//! - `dispatch`: delivers the queued events in order; returns how many.
//! - `pending`: how many events are queued.
//! - `clear_pending`: drops the queued events; returns how many.
//! - `subscriber_count`: how many handlers a model's events have, in the pre or post phase.
//! - `event_models`: the models whose events have subscribers.
//! - `failures`: handlers that panicked.
//! - `clear_failures`: forgets the recorded failures; returns how many.
//! - `pause_events`: holds a model's events instead of delivering them.
//! - `resume_events`: delivers the held events of a model and stops holding; returns how many.
//! - `events_paused`: whether a model's events are held.
//! - `history`: the most recently delivered events, oldest first, at most `limit`.
//! - `set_history_limit`: how many delivered events the history keeps.
//! - `clear_history`: forgets the history.
//!
//! ### `QueryView` (14): queries over model components
//!
//! - `query`: the matching entities.
//! - `query_count`: how many entities match.
//! - `query_first`: the first match.
//! - `query_values`: each match with its component of a model.
//! - `query_rows`: each match with its components of several models.
//! - `matches`: whether an entity matches.
//! - `for_each`: calls `visit` with each match.
//! - `update_each`: calls `update` with each match's component of a model and stores
//! - `any`: whether anything matches.
//! - `tables_matching`: how many tables match.
//! - `with_all`: entities with every one of the models.
//! - `with_any`: entities with at least one of the models.
//! - `without`: entities with none of the models.
//! - `sample`: at most `limit` matches.
//!
//! ### `StorageView` (17): storage: tables, memory, snapshots
//!
//! - `table_count`: how many tables there are.
//! - `tables`: every table.
//! - `table_of`: the table of an entity.
//! - `component_type_count`: how many component types are registered.
//! - `memory_bytes`: bytes reserved for components.
//! - `layout_of`: the size and align of a model's component.
//! - `empty_tables`: how many tables hold no entity.
//! - `largest_table`: the table with the most entities.
//! - `snapshot_entity`: an entity's model components.
//! - `restore_entity`: spawns an entity from a snapshot.
//! - `snapshot_world`: every entity's model components and the resources.
//! - `restore_world`: replaces every entity and resource with a snapshot's (entities get
//! - `save_bytes`: a snapshot, encoded.
//! - `load_bytes`: restores from [`StorageView::save_bytes`]' output; returns how many entities.
//! - `plain_entities`: how many entities have components of no model (plain Rust ones only).
//! - `is_registered`: whether a model's component type is registered.
//! - `storage_stats`: counts of the storage.
//!
//! ### `SystemView` (18): systems
//!
//! - `add_system`: adds a system.
//! - `remove_system`: removes a system; whether it existed.
//! - `system_names`: the systems' names.
//! - `system_count`: how many systems there are.
//! - `enable`: lets a system run again; whether it exists.
//! - `disable`: skips a system; whether it exists.
//! - `is_enabled`: whether a system runs; `None` if there is none.
//! - `stages`: the stages: systems that run together, in order.
//! - `run_systems`: runs every system once.
//! - `run_system`: runs one system; whether it exists.
//! - `add_order`: orders `first` before `then`.
//! - `remove_order`: removes such an order; whether it existed.
//! - `clear_systems`: removes every system; returns how many.
//! - `run_exclusive`: runs a closure with the world, exclusively, now.
//! - `validate`: checks that the order can be built (no cycle, no unknown name).
//! - `last_run_micros`: microseconds a recent run took (the first run and
//!   one in 32 after it are timed).
//! - `run_count`: how many times a system ran.
//! - `set_parallel`: whether stages run their systems in parallel.
//!
//! ### `WorldView` (21): the world as a whole: ticks, time, resources
//!
//! - `tick`: one tick: dispatch queued events, run the systems, advance time.
//! - `step`: `count` ticks.
//! - `frame`: ticks run.
//! - `time`: simulated seconds.
//! - `pause`: ticks do nothing until resumed.
//! - `resume`: ticks run again.
//! - `is_paused`: whether ticks are paused.
//! - `set_time_scale`: multiplies every tick's `dt`.
//! - `time_scale`: the time scale.
//! - `insert_resource`: adds or replaces a resource (one value per model).
//! - `resource`: a resource.
//! - `remove_resource`: removes a resource.
//! - `has_resource`: whether a resource exists.
//! - `resource_models`: the models of every resource.
//! - `reset`: despawns everything, drops events and resources, restarts time;
//! - `name`: the world's name.
//! - `set_name`: renames the world.
//! - `stats`: counts of the world.
//! - `save`: the world, encoded (entities' model components and resources).
//! - `load`: replaces the world with [`WorldView::save`]'s output.
//! - `describe`: a summary a person can read.
//!
//! ### `TypedView` (6): building blocks of typed access ([`TypedEcs`])
//!
//! - `typed_borrow`: borrows an entity's model component in place, the world read-locked until released.
//! - `typed_release`: gives such a borrow back.
//! - `typed_lock`: read-locks the world for a session of borrows ([`TypedRead`]).
//! - `typed_unlock`: ends a session.
//! - `typed_insert`: moves a value into an entity's model component, registering its type.
//! - `typed_query`: borrows columns and visits every matching table.
//!

/// This crate's types that cross views are trusted by name, size, align and
/// [`ABI_VERSION`] (a hash of this crate's declarations): any change to a
/// declaration changes their fingerprints, and so the `API_VERSION` of
/// every view that takes them.
macro_rules! opaque_fingerprints {
    ($($ty:ident),* $(,)?) => {
        // SAFETY: `ABI_VERSION` hashes this crate's declarations: any change
        // to one of these types (or to a type in them declared here) changes
        // it, and with it the fingerprint. Types from std are pinned by the
        // compiler version in every library's build fingerprint; no other
        // crate's type is in them (the state's locks are this crate's,
        // `module/lock.rs`).
        $(unsafe impl playground_runtime::TypeFingerprint for $ty {
            const FINGERPRINT: u64 = playground_runtime::fingerprint::opaque::<$ty>(
                concat!("playground_ecs::", stringify!($ty)),
                ABI_VERSION,
            );
        })*
    };
}

opaque_fingerprints!(
    World,
    Entity,
    EcsError,
    ModelError,
    ComponentRegistration,
    Delivery,
    HandlerFailure,
    System,
    ScheduleError,
    ComponentId,
    SubscriptionId,
    Phase,
    TypedKey,
    AccessKind,
    TypedAccess,
    TypedTable,
    RawBorrow,
    RawSession,
);

// The source is in layers, a folder each, from the ground up; a file uses
// only files of its own layer or of those below, and no files use each
// other in a circle:
// - `storage/`: what a world is made of: entity records, component types,
//   archetype tables, borrow flags, resource slots, model component
//   registrations, encoded values;
// - `world/`: the `World` and its typed API: errors, bundles, queries,
//   resources, model components and values, commands, events;
// - `system/`: systems, and the schedule that runs them over a world;
// - `view/`: the `Ecs` view, one file per fragment (`TypedView` among
//   them), and `ABI_VERSION`, which each folds into its API version;
// - `typed/`: typed access through the view (`TypedEcs`), for a module
//   that holds a `dyn Ecs`;
// - `module/`: `EcsModule`, which implements the view over one world.
// A folder's namesake file (`world.rs` for `world/`) declares its files and
// holds its main type, where it has one. This file stands on all of them:
// it re-exports the public names at the crate root and fingerprints the
// types that cross views.
mod module;
mod storage;
mod system;
mod typed;
mod view;
mod world;

pub use module::EcsModule;
pub use storage::borrow::{Ref, RefMut};
pub use storage::component::{Component, ComponentId, ComponentInfo, ComponentKey, TypeKey};
pub use storage::entity::Entity;
pub use storage::model::ComponentRegistration;
pub use storage::value::ModelValue;
pub use system::System;
pub use system::error::ScheduleError;
pub use system::schedule::Schedule;
pub use system::system_world::SystemWorld;
pub use typed::TypedEcs;
pub use typed::guard::{TypedMut, TypedRef};
pub use typed::query::ViewQuery;
pub use typed::read::TypedRead;
pub use view::Ecs;
pub use view::abi::ABI_VERSION;
pub use view::component::{ComponentType, ComponentView};
pub use view::entity::EntityView;
pub use view::event::{EventView, PostHandler, PreHandler};
pub use view::query::{QuerySpec, QueryView};
pub use view::storage::{EntitySnapshot, StorageStats, StorageView, TableInfo, WorldSnapshot};
pub use view::system::SystemView;
pub use view::typed::{RawBorrow, RawSession, TypedTable, TypedView};
pub use view::typed_key::{AccessKind, TypedAccess, TypedKey};
pub use view::world::{WorldStats, WorldView};
pub use world::World;
pub use world::bundle::Bundle;
pub use world::command::{CommandBuffer, Commands};
pub use world::error::{EcsError, ModelError};
pub use world::event::{Delivery, Event, Events, HandlerFailure, Phase, SubscriptionId};
pub use world::prepared_query::PreparedQuery;
pub use world::query::{Query, With, Without};
pub use world::query_borrow::QueryBorrow;
pub use world::query_iter::{AllTables, MatchedTables, QueryIter, SharedTables, TableSet};
