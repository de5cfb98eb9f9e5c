//! The untyped side of the world: model components as [`ModelValue`]s,
//! for callers that do not link the component types (the ECS view, other
//! modules, tools). Hot loops use the typed API instead.

use crate::storage::component::{ComponentId, ComponentInfo, ComponentKey};
use crate::storage::entity::Entity;
use crate::storage::value::ModelValue;
use crate::world::World;
use crate::world::error::EcsError;
use std::alloc::{self, Layout};

/// A value decoded into a buffer of its own, not yet in the world.
struct Staged {
    data: *mut u8,
    layout: Layout,
}

impl Staged {
    fn decode(info: &ComponentInfo, bytes: &[u8]) -> Result<Staged, EcsError> {
        let decode = info.decode.ok_or(EcsError::UnknownModel {
            model_id: 0,
            state_version: 0,
        })?;
        let layout = info.layout;
        let data = if layout.size() == 0 {
            layout.align() as *mut u8
        } else {
            // SAFETY: non-zero size.
            let data = unsafe { alloc::alloc(layout) };
            if data.is_null() {
                alloc::handle_alloc_error(layout);
            }
            data
        };
        let staged = Staged { data, layout };
        // SAFETY: `data` is a fresh, aligned buffer for this layout; on
        // success it holds an initialised value, on failure nothing.
        unsafe { decode(bytes, staged.data) }.map_err(|source| EcsError::State {
            component: info.name,
            source,
        })?;
        Ok(staged)
    }
}

impl Drop for Staged {
    /// Frees the buffer; the value was moved out bitwise before this runs.
    fn drop(&mut self) {
        if self.layout.size() != 0 {
            // SAFETY: allocated in `decode` with this layout.
            unsafe { alloc::dealloc(self.data, self.layout) };
        }
    }
}

impl World {
    /// The component registered for model `model_id`, in its latest
    /// registered state version.
    pub fn model_component(&self, model_id: u64) -> Option<ComponentId> {
        self.components
            .iter()
            .filter(
                |(_, info)| matches!(info.key, ComponentKey::Model { id, .. } if id == model_id),
            )
            .map(|(id, _)| id)
            .max()
    }

    /// What the world knows about component `id`.
    pub fn component_info(&self, id: ComponentId) -> &ComponentInfo {
        self.components.info(id)
    }

    /// Every component type registered, with its id.
    pub fn component_infos(&self) -> Vec<(ComponentId, ComponentInfo)> {
        self.components
            .iter()
            .map(|(id, info)| (id, *info))
            .collect()
    }

    fn value_component(&self, value: &ModelValue) -> Result<ComponentId, EcsError> {
        let key = ComponentKey::Model {
            id: value.model_id,
            version: value.state_version,
        };
        self.components
            .iter()
            .find(|(_, info)| info.key == key)
            .map(|(id, _)| id)
            .ok_or(EcsError::UnknownModel {
                model_id: value.model_id,
                state_version: value.state_version,
            })
    }

    /// Adds (or replaces) a model component given as a [`ModelValue`]. Its
    /// model and version must be registered ([`World::register_model`]).
    pub fn insert_value(&mut self, entity: Entity, value: &ModelValue) -> Result<(), EcsError> {
        let location = self.location(entity)?;
        let id = self.value_component(value)?;
        let info = *self.components.info(id);
        let staged = Staged::decode(&info, &value.bytes)?;
        let size = info.layout.size();
        let source = location.archetype as usize;
        if let Some(column) = self.archetypes[source].column(id) {
            let slot = self.archetypes[source].columns[column].ptr(location.row as usize);
            // SAFETY: the slot and the staged buffer each hold an
            // initialised value of this type, in distinct allocations: the
            // new value goes in, the old one out to the buffer.
            unsafe { std::ptr::swap_nonoverlapping(staged.data, slot, size) };
            if let Some(drop) = info.drop {
                // SAFETY: the buffer now holds the old value, owned by
                // nothing else; the world is already consistent if its
                // `Drop` panics, and `staged` then only frees the buffer.
                unsafe { drop(staged.data) };
            }
            return Ok(());
        }
        let target = self.edge_target(source, id, true);
        let row = self.move_row(entity, location, target);
        let table = &self.archetypes[target];
        let column = table.column(id).expect("target table has the new type");
        // SAFETY: `move_row` left this slot uninitialised; the staged value
        // moves into it bitwise.
        unsafe { std::ptr::copy_nonoverlapping(staged.data, table.columns[column].ptr(row), size) };
        Ok(())
    }

    /// Adds (or replaces) `entity`'s component `id` with the value at
    /// `value`, moved bitwise; the old value, if any, is dropped.
    ///
    /// # Safety
    /// `value` points to an initialised value of component `id`'s type
    /// (its layout and meaning: the same model and state version), which
    /// the caller gives up if this returns `Ok`: it is moved out, or, when
    /// it replaces one, the buffer receives the old value and that is
    /// dropped there. On `Err` nothing was read or written.
    #[inline]
    pub(crate) unsafe fn insert_raw(
        &mut self,
        entity: Entity,
        id: ComponentId,
        value: *mut u8,
    ) -> Result<(), EcsError> {
        let location = self.location(entity)?;
        let info = self.components.info(id);
        let (size, drop) = (info.layout.size(), info.drop);
        let source = location.archetype as usize;
        if let Some(column) = self.archetypes[source].column(id) {
            let slot = self.archetypes[source].columns[column].ptr(location.row as usize);
            let Some(drop) = drop else {
                // SAFETY: the old value needs no drop: overwriting it is
                // dropping it. `value` is an initialised value of this type
                // (the caller's contract) outside the world's storage
                // (which only `&mut self` reaches); it moves in bitwise.
                unsafe { crate::storage::archetype::copy_value(value, slot, size) };
                return Ok(());
            };
            // SAFETY: the slot and `value` each hold an initialised value of
            // this type (the caller's contract), in distinct places (as
            // above): the new value goes in, the old one out to the
            // caller's buffer.
            unsafe { std::ptr::swap_nonoverlapping(value, slot, size) };
            // SAFETY: the buffer now holds the old value, which the caller
            // gave up; the world is consistent if its `Drop` panics.
            unsafe { drop(value) };
            return Ok(());
        }
        let target = self.edge_target(source, id, true);
        let row = self.move_row(entity, location, target);
        let table = &self.archetypes[target];
        let column = table.column(id).expect("target table has the new type");
        // SAFETY: `move_row` left this slot uninitialised; the caller's
        // value moves into it bitwise, and the caller gives it up.
        unsafe {
            crate::storage::archetype::copy_value(value, table.columns[column].ptr(row), size);
        }
        Ok(())
    }

    /// `entity`'s component of model `model_id`, encoded. Refused while
    /// that component is borrowed mutably (by a query or a system).
    pub fn get_value(&self, entity: Entity, model_id: u64) -> Result<ModelValue, EcsError> {
        let location = self.location(entity)?;
        let table = &self.archetypes[location.archetype as usize];
        let (id, column) = table
            .types
            .iter()
            .enumerate()
            .find(|(_, id)| matches!(self.components.info(**id).key, ComponentKey::Model { id, .. } if id == model_id))
            .map(|(column, id)| (*id, column))
            .ok_or(EcsError::UnknownModel { model_id, state_version: 0 })?;
        self.encode(id, table.columns[column].ptr(location.row as usize))
    }

    /// Encodes the value at `ptr`, a live row of a column of `id`, holding
    /// the column's shared borrow meanwhile.
    fn encode(&self, id: ComponentId, ptr: *const u8) -> Result<ModelValue, EcsError> {
        let _held = self
            .flag(id)
            .hold_shared()
            .map_err(|state| self.borrowed(id, state))?;
        let info = self.components.info(id);
        let ComponentKey::Model {
            id: model_id,
            version,
        } = info.key
        else {
            return Err(EcsError::UnknownModel {
                model_id: 0,
                state_version: 0,
            });
        };
        let encode = info.encode.expect("model components have an encoder");
        // SAFETY: `ptr` is an initialised value of this component (callers
        // pass a live row of a column of `id`), and the shared borrow held
        // above keeps writers away until the encoding is done.
        let bytes = unsafe { encode(ptr) }.map_err(|source| EcsError::State {
            component: info.name,
            source,
        })?;
        Ok(ModelValue {
            model_id,
            state_version: version,
            bytes,
        })
    }

    /// Removes `entity`'s component of model `model_id` and returns it encoded.
    pub fn remove_value(&mut self, entity: Entity, model_id: u64) -> Result<ModelValue, EcsError> {
        let value = self.get_value(entity, model_id)?;
        let id = self.value_component(&value)?;
        self.remove_by_id(entity, id)?;
        Ok(value)
    }

    /// Every model component of `entity`, encoded (plain Rust components,
    /// which have no save format, are left out).
    pub fn values(&self, entity: Entity) -> Result<Vec<ModelValue>, EcsError> {
        let location = self.location(entity)?;
        let table = &self.archetypes[location.archetype as usize];
        table
            .types
            .iter()
            .enumerate()
            .filter(|(_, id)| self.components.info(**id).encode.is_some())
            .map(|(column, id)| self.encode(*id, table.columns[column].ptr(location.row as usize)))
            .collect()
    }

    /// Spawns an entity with `values`; on an error nothing is spawned.
    pub fn spawn_values(&mut self, values: &[ModelValue]) -> Result<Entity, EcsError> {
        for value in values {
            self.value_component(value)?;
        }
        let entity = self.spawn_empty();
        for value in values {
            if let Err(error) = self.insert_value(entity, value) {
                let _ = self.despawn(entity);
                return Err(error);
            }
        }
        Ok(entity)
    }

    /// The component types of `entity`.
    pub fn components_of(&self, entity: Entity) -> Result<Vec<ComponentInfo>, EcsError> {
        let location = self.location(entity)?;
        Ok(self.archetypes[location.archetype as usize]
            .types
            .iter()
            .map(|&id| *self.components.info(id))
            .collect())
    }

    /// For each table: its component types and how many entities it holds.
    pub fn tables(&self) -> Vec<(Vec<ComponentInfo>, usize)> {
        self.archetypes
            .iter()
            .map(|a| {
                (
                    a.types
                        .iter()
                        .map(|&id| *self.components.info(id))
                        .collect(),
                    a.len(),
                )
            })
            .collect()
    }

    /// Bytes reserved for component storage.
    pub fn storage_bytes(&self) -> usize {
        self.archetypes
            .iter()
            .map(|a| {
                a.capacity()
                    * a.columns
                        .iter()
                        .map(|c| c.info.layout.size())
                        .sum::<usize>()
            })
            .sum()
    }
}
