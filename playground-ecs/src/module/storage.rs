//! [`StorageView`] of [`EcsModule`]: tables, memory and snapshots.

use crate::module::query::entity_models;
use crate::module::{EcsModule, snapshot_entity, snapshot_world};
use crate::storage::component::{ComponentInfo, ComponentKey};
use crate::storage::entity::Entity;
use crate::view::component::ComponentView;
use crate::view::storage::{EntitySnapshot, StorageStats, StorageView, TableInfo, WorldSnapshot};
use crate::world::error::EcsError;
use playground_runtime::Model;

fn table_info(infos: &[ComponentInfo], entities: usize) -> TableInfo {
    TableInfo {
        components: infos.iter().map(|i| i.name.to_owned()).collect(),
        entities: entities as u64,
    }
}

fn encode_err(error: playground_runtime::StateError) -> EcsError {
    EcsError::State {
        component: "WorldSnapshot",
        source: error,
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
