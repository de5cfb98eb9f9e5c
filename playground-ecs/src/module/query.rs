//! [`QueryView`] of [`EcsModule`]: queries over model components, by
//! model id.

use crate::module::EcsModule;
use crate::storage::component::{ComponentInfo, ComponentKey};
use crate::storage::entity::Entity;
use crate::storage::value::ModelValue;
use crate::view::query::{QuerySpec, QueryView};
use crate::world::World;
use crate::world::error::EcsError;

pub(crate) fn model_ids(infos: &[ComponentInfo]) -> Vec<u64> {
    infos
        .iter()
        .filter_map(|info| match info.key {
            ComponentKey::Model { id, .. } => Some(id),
            ComponentKey::Type(_) => None,
        })
        .collect()
}

pub(crate) fn matches(models: &[u64], spec: &QuerySpec) -> bool {
    spec.with.iter().all(|m| models.contains(m)) && !spec.without.iter().any(|m| models.contains(m))
}

/// Every entity with the model ids it has, table by table.
pub(crate) fn entity_models(world: &World) -> Vec<(Entity, Vec<u64>)> {
    world
        .tables()
        .into_iter()
        .zip(world.archetypes.iter())
        .flat_map(|((infos, _), table)| {
            let models = model_ids(&infos);
            table
                .entities
                .iter()
                .map(move |&index| (world.entities.entity(index), models.clone()))
        })
        .collect()
}

pub(crate) fn query(world: &World, spec: &QuerySpec) -> Vec<Entity> {
    entity_models(world)
        .into_iter()
        .filter(|(_, models)| matches(models, spec))
        .map(|(e, _)| e)
        .collect()
}

impl QueryView for EcsModule {
    fn query(&self, spec: QuerySpec) -> Vec<Entity> {
        query(&self.read().world, &spec)
    }
    fn query_count(&self, spec: QuerySpec) -> u64 {
        self.query(spec).len() as u64
    }
    fn query_first(&self, spec: QuerySpec) -> Option<Entity> {
        self.query(spec).first().copied()
    }
    fn query_values(
        &self,
        spec: QuerySpec,
        model_id: u64,
    ) -> Result<Vec<(Entity, ModelValue)>, EcsError> {
        let world = &self.read().world;
        query(world, &spec)
            .into_iter()
            .map(|e| Ok((e, world.get_value(e, model_id)?)))
            .collect()
    }
    fn query_rows(
        &self,
        spec: QuerySpec,
        models: Vec<u64>,
    ) -> Result<Vec<(Entity, Vec<ModelValue>)>, EcsError> {
        let world = &self.read().world;
        query(world, &spec)
            .into_iter()
            .map(|e| {
                Ok((
                    e,
                    models
                        .iter()
                        .map(|&m| world.get_value(e, m))
                        .collect::<Result<_, _>>()?,
                ))
            })
            .collect()
    }
    fn matches(&self, entity: Entity, spec: QuerySpec) -> Result<bool, EcsError> {
        Ok(matches(
            &model_ids(&self.read().world.components_of(entity)?),
            &spec,
        ))
    }
    fn for_each(&self, spec: QuerySpec, visit: &mut dyn FnMut(Entity)) {
        for entity in self.query(spec) {
            visit(entity);
        }
    }
    fn update_each(
        &self,
        spec: QuerySpec,
        model_id: u64,
        update: &mut dyn FnMut(Entity, &mut ModelValue),
    ) -> Result<u64, EcsError> {
        let world = &mut self.try_write()?.world;
        let matched = query(world, &spec);
        let mut count = 0;
        for entity in matched {
            let mut value = world.get_value(entity, model_id)?;
            update(entity, &mut value);
            world.insert_value(entity, &value)?;
            count += 1;
        }
        Ok(count)
    }
    fn any(&self, spec: QuerySpec) -> bool {
        self.query_first(spec).is_some()
    }
    fn tables_matching(&self, spec: QuerySpec) -> u32 {
        let world = &self.read().world;
        world
            .tables()
            .iter()
            .filter(|(infos, _)| matches(&model_ids(infos), &spec))
            .count() as u32
    }
    fn with_all(&self, models: Vec<u64>) -> Vec<Entity> {
        self.query(QuerySpec {
            with: models,
            without: Vec::new(),
        })
    }
    fn with_any(&self, models: Vec<u64>) -> Vec<Entity> {
        let world = &self.read().world;
        entity_models(world)
            .into_iter()
            .filter(|(_, have)| models.iter().any(|m| have.contains(m)))
            .map(|(e, _)| e)
            .collect()
    }
    fn without(&self, models: Vec<u64>) -> Vec<Entity> {
        self.query(QuerySpec {
            with: Vec::new(),
            without: models,
        })
    }
    fn sample(&self, spec: QuerySpec, limit: u32) -> Vec<Entity> {
        self.query(spec).into_iter().take(limit as usize).collect()
    }
}
