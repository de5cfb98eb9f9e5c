//! [`ComponentView`]: components, as model values, and the
//! [`ComponentType`] that describes their types.

use crate::storage::entity::Entity;
use crate::storage::model::ComponentRegistration;
use crate::storage::value::ModelValue;
use crate::world::error::{EcsError, ModelError};
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

/// Components, as model values: 14 operations.
#[view(abi(crate::view::abi::ABI_VERSION))]
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
