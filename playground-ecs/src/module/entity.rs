//! [`EntityView`] of [`EcsModule`]: entities.

use crate::module::EcsModule;
use crate::module::component::component_type;
use crate::storage::entity::Entity;
use crate::storage::value::ModelValue;
use crate::view::component::ComponentType;
use crate::view::entity::EntityView;
use crate::world::error::EcsError;

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
