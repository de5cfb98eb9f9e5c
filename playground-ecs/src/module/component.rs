//! [`ComponentView`] of [`EcsModule`]: components, as model values.

use crate::module::EcsModule;
use crate::module::query::{model_ids, query};
use crate::storage::component::{ComponentInfo, ComponentKey};
use crate::storage::entity::Entity;
use crate::storage::model::ComponentRegistration;
use crate::storage::value::ModelValue;
use crate::view::component::{ComponentType, ComponentView};
use crate::view::query::QuerySpec;
use crate::world::error::{EcsError, ModelError};

pub(crate) fn component_type(info: &ComponentInfo) -> ComponentType {
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
    fn register_component(&self, registration: ComponentRegistration) -> Result<(), ModelError> {
        self.state
            .simulation
            .write()
            .world
            .register(registration)
            .map(drop)
    }
}
