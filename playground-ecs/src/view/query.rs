//! [`QueryView`]: queries over model components, as a [`QuerySpec`]
//! names them.

use crate::storage::entity::Entity;
use crate::storage::value::ModelValue;
use crate::world::error::EcsError;
use playground_runtime::{model, view};

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

/// Queries over model components: 14 operations.
#[view(abi(crate::view::abi::ABI_VERSION))]
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
