//! [`StorageView`]: tables, memory and snapshots, and the values it
//! describes them with.

use crate::storage::entity::Entity;
use crate::storage::value::ModelValue;
use crate::world::error::EcsError;
use playground_runtime::{model, view};

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

/// Storage: tables, memory, snapshots: 17 operations.
#[view(abi(crate::view::abi::ABI_VERSION))]
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
