//! [`EntityView`]: entities.

use crate::storage::entity::Entity;
use crate::storage::value::ModelValue;
use crate::view::component::ComponentType;
use crate::world::error::EcsError;
use playground_runtime::view;

/// Entities: 11 operations.
#[view(abi(crate::view::abi::ABI_VERSION))]
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
