//! playground-ecs: an entity-component-system, playground's flagship module.
//!
//! Storage is archetype tables (see the `archetype` module for why): every
//! entity with the same component types shares a table, one contiguous
//! column per type. The typed API ([`World`], [`Query`]) is what hot loops
//! use.

/// A hash of this crate's sources: fold it into the API version of a view
/// that takes a [`World`] (`#[view(abi(playground_ecs::ABI_VERSION))]`), so a
/// module built against other playground-ecs sources is refused.
pub const ABI_VERSION: u64 = match u64::from_str_radix(env!("PLAYGROUND_ECS_SOURCES"), 10) {
    Ok(hash) => hash,
    Err(_) => panic!("build.rs writes a decimal hash"),
};

mod archetype;
mod bundle;
mod component;
mod dynamic;
mod entity;
mod event;
mod model;
mod module;
mod query;
mod system;
mod value;
mod view;
mod world;

pub use bundle::Bundle;
pub use component::{Component, ComponentId, ComponentInfo, ComponentKey};
pub use entity::Entity;
pub use event::{Delivery, Event, Events, HandlerFailure, Phase, SubscriptionId};
pub use model::ModelError;
pub use module::EcsModule;
pub use query::{Query, QueryIter, With, Without};
pub use system::{Schedule, ScheduleError, System};
pub use value::ModelValue;
pub use view::{
    ComponentType, ComponentView, Ecs, EntitySnapshot, EntityView, EventView, PostHandler,
    PreHandler, QuerySpec, QueryView, StorageStats, StorageView, SystemView, TableInfo,
    WorldSnapshot, WorldStats, WorldView,
};
pub use world::{EcsError, QueryBorrow, World};
