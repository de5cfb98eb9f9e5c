//! Registering and migrating model components in a world: a model
//! component type's columns are found by model id and state version, so a
//! rebuilt module finds the world's, and a changed layout is migrated or
//! refused like any model.

use crate::storage::component::TypeKey;
use crate::storage::component::{Component, ComponentId, ComponentInfo, ComponentKey};
use crate::storage::entity::Entity;
use crate::storage::model::{ComponentRegistration, info_of};
use crate::world::World;
use crate::world::error::ModelError;
use playground_runtime::Model;
impl World {
    /// Registers `T` as a model component: from then on `T` (and any build's
    /// `T` of the same model id and state version) uses one set of columns.
    /// Registering a type again, from a rebuilt module, returns the same id.
    ///
    /// Refused if the world holds `T`'s model in another state version
    /// ([`World::migrate_model`] converts it) or with another layout.
    pub fn register_model<T: Component + Model>(&mut self) -> Result<ComponentId, ModelError> {
        self.register(ComponentRegistration::of::<T>())
    }

    /// [`World::register_model`] for a type packed elsewhere.
    pub fn register(
        &mut self,
        registration: ComponentRegistration,
    ) -> Result<ComponentId, ModelError> {
        let ComponentRegistration {
            type_key,
            info,
            model,
            model_id,
            version: new,
        } = registration;
        for (_, stored) in self.components.iter() {
            let ComponentKey::Model { id, version } = stored.key else {
                continue;
            };
            if id != model_id || !self.stores(stored.key) {
                continue;
            }
            if version != new {
                return Err(ModelError::VersionChanged {
                    model,
                    stored: version,
                    new,
                });
            }
            if stored.layout != info.layout {
                return Err(ModelError::Layout {
                    model,
                    stored: stored.layout,
                    new: info.layout,
                });
            }
        }
        let id = self.components.register(type_key, info);
        self.grow_borrows();
        Ok(id)
    }

    /// Whether any entity has a component of `key`.
    fn stores(&self, key: ComponentKey) -> bool {
        self.components
            .iter()
            .filter(|(_, info)| info.key == key)
            .any(|(id, _)| {
                self.archetypes
                    .iter()
                    .any(|a| a.len() > 0 && a.column(id).is_some())
            })
    }

    /// Converts every stored value of `T`'s model in another state version
    /// to `T`, with `T`'s migration (`#[model(migrate_from(Old))]`), then
    /// registers `T`. Either every value is converted or nothing changes.
    /// Returns how many values were converted.
    pub fn migrate_model<T: Component + Model>(&mut self) -> Result<usize, ModelError> {
        let old: Vec<(ComponentId, ComponentInfo)> = self
            .components
            .iter()
            .filter(|(_, info)| matches!(info.key, ComponentKey::Model { id, version } if id == T::MODEL_ID.get() && version != T::STATE_VERSION.get()))
            .map(|(id, info)| (id, *info))
            .collect();
        // First convert everything, touching nothing.
        let mut converted: Vec<(Entity, ComponentId, T)> = Vec::new();
        for &(old_id, info) in &old {
            let ComponentKey::Model { version: from, .. } = info.key else {
                continue;
            };
            let encode = info.encode.expect("model components have an encoder");
            for archetype in &self.archetypes {
                let Some(column) = archetype.column(old_id) else {
                    continue;
                };
                for (row, &index) in archetype.entities.iter().enumerate() {
                    let entity = self.entities.entity(index);
                    // SAFETY: the row holds an initialised value of the type
                    // registered under `old_id`, whose encoder this is.
                    let bytes = unsafe { encode(archetype.columns[column].ptr(row)) }.map_err(
                        |source| ModelError::Migration {
                            model: T::NAME,
                            entity,
                            source,
                        },
                    )?;
                    let value = T::migrate(playground_runtime::StateVersion::new(from), &bytes)
                        .ok_or(ModelError::NoMigration {
                            model: T::NAME,
                            from,
                            to: T::STATE_VERSION.get(),
                        })?
                        .map_err(|source| ModelError::Migration {
                            model: T::NAME,
                            entity,
                            source,
                        })?;
                    converted.push((entity, old_id, value));
                }
            }
        }
        // Then swap old values for new ones.
        let new_id = self.components.register(TypeKey::of::<T>(), info_of::<T>());
        self.grow_borrows();
        let count = converted.len();
        for (entity, old_id, value) in converted {
            self.remove_by_id(entity, old_id)
                .expect("the entity was just read");
            self.insert_by_id(entity, new_id, value)
                .expect("the entity is alive");
        }
        Ok(count)
    }
}
