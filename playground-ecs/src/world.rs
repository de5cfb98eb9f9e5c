//! The world: entities, their components in archetype tables, and the
//! typed API for hot loops.
//!
//! This file holds [`World`] and its core: entities, components one at a
//! time, and the moves of rows between tables. The files of `world/` add
//! the rest of its API (bundles, queries, resources, model components and
//! values), the commands and events beside it, and the errors under it all.

pub(crate) mod bundle;
pub(crate) mod command;
pub(crate) mod dynamic;
pub(crate) mod error;
pub(crate) mod event;
pub(crate) mod model;
pub(crate) mod prepared_query;
pub(crate) mod query;
pub(crate) mod query_borrow;
pub(crate) mod query_iter;
pub(crate) mod resource;

use crate::storage::archetype::Archetype;
use crate::storage::borrow::{BorrowFlag, Ref, taken_how};
use crate::storage::component::{Component, ComponentId, Components};
use crate::storage::entity::{Entities, Entity, Location};
use crate::storage::resource::Resources;
use crate::storage::tables::Tables;
use crate::world::error::EcsError;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

/// How a bundle type maps onto a table: its table and, per element, the
/// column it goes to.
struct BundleLayout {
    archetype: u32,
    columns: Vec<usize>,
}

/// Entities and their components.
///
/// ```
/// use playground_ecs::World;
/// #[derive(Debug, PartialEq)]
/// struct Position(f32);
/// struct Velocity(f32);
///
/// let mut world = World::new();
/// let e = world.spawn((Position(0.0), Velocity(2.0)));
/// for (p, v) in world.query_mut::<(&mut Position, &Velocity)>() {
///     p.0 += v.0;
/// }
/// assert_eq!(*world.get::<Position>(e).unwrap(), Position(2.0));
/// ```
pub struct World {
    /// Unique per world, so that a prepared query notices another world.
    id: u64,
    pub(crate) entities: Entities,
    pub(crate) archetypes: Tables,
    by_types: HashMap<Vec<ComponentId>, u32>,
    pub(crate) components: Components,
    bundles: crate::storage::component::TypeMap<BundleLayout>,
    /// Per component: who borrows its column through `&World`.
    borrows: Vec<BorrowFlag>,
    pub(crate) resources: Resources,
}

/// A world id no other world of the process has had.
///
/// Every image (the program, each module library) has its own copy of this
/// crate and so of this counter: a module's first world would get the
/// host's first world's id, and a [`PreparedQuery`](crate::PreparedQuery)
/// prepared on one would walk the other's tables by the first's indices.
/// So each image's counter is offset by a random salt of its own: ids of
/// one image never repeat (the counter is a bijection under the xor), and
/// two images' ids meet only if their salts do.
fn next_world_id() -> u64 {
    use std::hash::BuildHasher;
    static NEXT: AtomicU64 = AtomicU64::new(1);
    static SALT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    // std's `RandomState` is seeded from the OS's random source, per image.
    let salt = *SALT.get_or_init(|| std::collections::hash_map::RandomState::new().hash_one(0u8));
    loop {
        let id = NEXT.fetch_add(1, Ordering::Relaxed) ^ salt;
        // 0 means "no world" to a prepared query.
        if id != 0 {
            return id;
        }
    }
}

// The rest of `World`'s methods are in the files of `world/` that add what
// they need: spawning with bundles in `bundle.rs`, model values in
// `dynamic.rs`, model components in `model.rs`, queries in
// `query_borrow.rs`, resources in `resource.rs`; and typed access through
// the view resolves a caller's key to a column in `module/typed.rs`.
impl World {
    /// An empty world.
    pub fn new() -> World {
        World {
            id: next_world_id(),
            entities: Entities::default(),
            // Table 0: entities without components.
            archetypes: Tables::new(vec![Archetype::new(Vec::new(), Vec::new())]),
            by_types: HashMap::from([(Vec::new(), 0)]),
            components: Components::default(),
            bundles: Default::default(),
            borrows: Vec::new(),
            resources: Resources::default(),
        }
    }

    /// This world's unique id.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// How many entities are alive.
    pub fn len(&self) -> u32 {
        self.entities.len()
    }

    /// Whether no entity is alive.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `entity` is alive.
    pub fn contains(&self, entity: Entity) -> bool {
        self.entities.get(entity).is_some()
    }

    /// The id of component type `T` in this world, registering it.
    pub fn component_id<T: Component>(&mut self) -> ComponentId {
        let id = self.components.id::<T>();
        self.grow_borrows();
        id
    }

    pub(crate) fn grow_borrows(&mut self) {
        while self.borrows.len() < self.components.len() {
            self.borrows.push(BorrowFlag::default());
        }
    }

    /// The borrow flag of component `id`'s column.
    #[inline]
    pub(crate) fn flag(&self, id: ComponentId) -> &BorrowFlag {
        &self.borrows[id.0 as usize]
    }

    /// The error for finding component `id` borrowed (`state`).
    pub(crate) fn borrowed(&self, id: ComponentId, state: isize) -> EcsError {
        EcsError::Borrowed {
            component: self.components.info(id).name,
            how: taken_how(state),
        }
    }

    /// The table for exactly `types` (sorted), creating it.
    fn archetype_for(&mut self, types: Vec<ComponentId>) -> u32 {
        if let Some(&index) = self.by_types.get(&types) {
            return index;
        }
        let infos = types.iter().map(|&id| *self.components.info(id)).collect();
        let index = u32::try_from(self.archetypes.len()).expect("too many tables");
        self.archetypes.push(Archetype::new(types.clone(), infos));
        self.by_types.insert(types, index);
        index
    }

    /// Turns ids reserved by command buffers into entities (without
    /// components), before anything else allocates or frees an id.
    #[inline]
    pub(crate) fn flush(&mut self) {
        if self.entities.has_pending() {
            self.flush_reserved();
        }
    }

    #[cold]
    fn flush_reserved(&mut self) {
        let empty = &mut self.archetypes[0];
        self.entities.flush(|index| Location {
            archetype: 0,
            row: empty.push(index) as u32,
        });
    }

    /// Spawns an entity without components.
    pub fn spawn_empty(&mut self) -> Entity {
        self.flush();
        let entity = self.entities.alloc();
        let row = self.archetypes[0].push(entity.index);
        self.entities.set(
            entity.index,
            Location {
                archetype: 0,
                row: row as u32,
            },
        );
        entity
    }

    /// Despawns `entity`, dropping its components.
    ///
    /// If a component's `Drop` panics, the entity is gone all the same and
    /// every other component is still dropped (once), then the panic goes
    /// on: the world stays consistent.
    pub fn despawn(&mut self, entity: Entity) -> Result<(), EcsError> {
        self.flush();
        let location = self.location(entity)?;
        let table = &mut self.archetypes[location.archetype as usize];
        // SAFETY: the row is in bounds (the entity is alive there), and
        // nothing was moved out of it.
        let displaced = unsafe { table.detach(location.row as usize, |_| false) };
        if let Some(index) = displaced {
            self.entities.set(index, location);
        }
        self.entities.free(entity);
        // The world is consistent; only now do destructors (user code) run.
        // SAFETY: right after `detach`, with the same `moved`.
        unsafe { self.archetypes[location.archetype as usize].drop_detached(|_| false) };
        Ok(())
    }

    /// Despawns every entity.
    pub fn clear(&mut self) {
        self.flush();
        let all: Vec<Entity> = self.iter().collect();
        for entity in all {
            let _ = self.despawn(entity);
        }
    }

    #[inline]
    pub(crate) fn location(&self, entity: Entity) -> Result<Location, EcsError> {
        self.entities
            .get(entity)
            .ok_or(EcsError::NoSuchEntity(entity))
    }

    /// Where `entity`'s `T` is: its component id and the address of the
    /// value in its column.
    #[inline]
    fn slot<T: Component>(&self, entity: Entity) -> Result<(ComponentId, *mut T), EcsError> {
        let location = self.location(entity)?;
        let missing = || EcsError::MissingComponent {
            entity,
            component: std::any::type_name::<T>(),
        };
        let id = self.components.get::<T>().ok_or_else(missing)?;
        let table = &self.archetypes[location.archetype as usize];
        let column = table.column(id).ok_or_else(missing)?;
        Ok((id, table.columns[column].ptr(location.row as usize).cast()))
    }

    /// `entity`'s `T`, borrowed until the returned guard is dropped: while
    /// it lives, a query or another guard that would write `T` through
    /// `&World` is refused.
    pub fn get<T: Component>(&self, entity: Entity) -> Result<Ref<'_, T>, EcsError> {
        let (id, value) = self.slot::<T>(entity)?;
        let flag = self.flag(id);
        flag.acquire(false)
            .map_err(|state| self.borrowed(id, state))?;
        // SAFETY: the entity's row holds an initialised `T` in this column;
        // the shared flag is held until the guard drops, so nothing writes
        // it through `&World`, and `&self` excludes `&mut World` users.
        Ok(unsafe { Ref::new(&*value, flag) })
    }

    /// `entity`'s `T`, mutably.
    pub fn get_mut<T: Component>(&mut self, entity: Entity) -> Result<&mut T, EcsError> {
        let (_, value) = self.slot::<T>(entity)?;
        // SAFETY: the row holds an initialised `T`; `&mut self` makes this
        // the only access to the world.
        Ok(unsafe { &mut *value })
    }

    /// `entity`'s `T` through `&World`, borrowed exclusively until the
    /// guard drops (for systems; [`World::get_mut`] needs no flag).
    pub(crate) fn get_ref_mut<T: Component>(
        &self,
        entity: Entity,
    ) -> Result<crate::storage::borrow::RefMut<'_, T>, EcsError> {
        let (id, value) = self.slot::<T>(entity)?;
        let flag = self.flag(id);
        flag.acquire(true)
            .map_err(|state| self.borrowed(id, state))?;
        // SAFETY: the row holds an initialised `T`; the exclusive flag is
        // held until the guard drops, so nothing else reaches this column
        // through `&World`, and `&self` excludes `&mut World` users.
        Ok(unsafe { crate::storage::borrow::RefMut::new(&mut *value, flag) })
    }

    /// Whether `entity` has a `T`.
    pub fn has<T: Component>(&self, entity: Entity) -> Result<bool, EcsError> {
        let location = self.location(entity)?;
        Ok(self.components.get::<T>().is_some_and(|id| {
            self.archetypes[location.archetype as usize]
                .column(id)
                .is_some()
        }))
    }

    /// Adds (or replaces) `entity`'s `T`.
    pub fn insert<T: Component>(&mut self, entity: Entity, value: T) -> Result<(), EcsError> {
        let id = self.component_id::<T>();
        self.insert_by_id(entity, id, value)
    }

    /// [`World::insert`] with the id resolved: `id` must be a component id
    /// of `T`'s layout and meaning (`T` itself, or the same model).
    pub(crate) fn insert_by_id<T: Component>(
        &mut self,
        entity: Entity,
        id: ComponentId,
        value: T,
    ) -> Result<(), EcsError> {
        let location = self.location(entity)?;
        let source = location.archetype as usize;
        if let Some(column) = self.archetypes[source].column(id) {
            // SAFETY: the row holds an initialised `T` (the caller's
            // contract on `id`): the new value goes in, the old one comes
            // out whole, and is dropped (user code) with the world intact.
            let old = unsafe {
                self.archetypes[source].columns[column]
                    .ptr(location.row as usize)
                    .cast::<T>()
                    .replace(value)
            };
            drop(old);
            return Ok(());
        }
        let target = self.edge_target(source, id, true);
        let row = self.move_row(entity, location, target);
        let table = &self.archetypes[target];
        let column = table.column(id).expect("target table has the new type");
        // SAFETY: `move_row` left this column of the new row uninitialised,
        // and it holds `T`s (the caller's contract on `id`).
        unsafe { table.columns[column].ptr(row).cast::<T>().write(value) };
        Ok(())
    }

    /// Removes `entity`'s `T` and returns it.
    pub fn remove<T: Component>(&mut self, entity: Entity) -> Result<T, EcsError> {
        let location = self.location(entity)?;
        let missing = || EcsError::MissingComponent {
            entity,
            component: std::any::type_name::<T>(),
        };
        let id = self.components.get::<T>().ok_or_else(missing)?;
        let source = location.archetype as usize;
        let column = self.archetypes[source].column(id).ok_or_else(missing)?;
        let target = self.edge_target(source, id, false);
        // SAFETY: the row holds an initialised `T`; it is moved out here and
        // `move_row_skipping` is told not to drop it.
        let value = unsafe {
            self.archetypes[source].columns[column]
                .ptr(location.row as usize)
                .cast::<T>()
                .read()
        };
        self.move_row_skipping(entity, location, target, Some(column));
        Ok(value)
    }

    /// Removes and drops `entity`'s component `id`. A panicking `Drop`
    /// leaves the entity moved and consistent, as in [`World::despawn`].
    pub(crate) fn remove_by_id(&mut self, entity: Entity, id: ComponentId) -> Result<(), EcsError> {
        let location = self.location(entity)?;
        let source = location.archetype as usize;
        if self.archetypes[source].column(id).is_none() {
            return Err(EcsError::MissingComponent {
                entity,
                component: self.components.info(id).name,
            });
        }
        let target = self.edge_target(source, id, false);
        // The target lacks `id`: the move drops that value.
        self.move_row(entity, location, target);
        Ok(())
    }

    /// The table reached from `source` by adding or removing `id` (cached).
    pub(crate) fn edge_target(&mut self, source: usize, id: ComponentId, add: bool) -> usize {
        if let Some(target) = self.archetypes[source].edge(id, add) {
            return target;
        }
        let mut types: Vec<ComponentId> = self.archetypes[source]
            .types
            .iter()
            .copied()
            .filter(|&t| t != id)
            .collect();
        if add {
            types.push(id);
            types.sort_unstable();
        }
        let target = self.archetype_for(types);
        let edges = if add {
            &mut self.archetypes[source].add_edges
        } else {
            &mut self.archetypes[source].remove_edges
        };
        edges.push((id, target));
        target as usize
    }

    pub(crate) fn move_row(&mut self, entity: Entity, location: Location, target: usize) -> usize {
        self.move_row_skipping(entity, location, target, None)
    }

    /// Moves `entity`'s row to table `target`: values of shared types are
    /// moved, values of types the target lacks are dropped (except
    /// `skip`, already moved out by the caller), and the target's other
    /// columns are left uninitialised for the caller to write. Values are
    /// dropped last, once the entity records are up to date.
    fn move_row_skipping(
        &mut self,
        entity: Entity,
        location: Location,
        target: usize,
        skip: Option<usize>,
    ) -> usize {
        let source = location.archetype as usize;
        let row = location.row as usize;
        let (from, to) = self.archetypes.pair_mut(source, target);
        let new_row = to.push(entity.index);
        for (index, column) in from.columns.iter().enumerate() {
            if Some(index) == skip {
                continue;
            }
            if let Some(target_column) = to.column(from.types[index]) {
                // SAFETY: both rows are in bounds; the value moves bitwise
                // and `detach` below is told it was moved.
                unsafe {
                    crate::storage::archetype::copy_value(
                        column.ptr(row),
                        to.columns[target_column].ptr(new_row),
                        column.info.layout.size(),
                    )
                };
            }
        }
        let skip = skip.map(|index| from.types[index]);
        let to: &Archetype = to;
        let moved = |id: ComponentId| Some(id) == skip || to.column(id).is_some();
        // SAFETY: `row` is in bounds; `moved` says exactly which values were
        // moved out above (or by the caller, `skip`).
        if let Some(displaced) = unsafe { from.detach(row, moved) } {
            self.entities.set(displaced, location);
        }
        self.entities.set(
            entity.index,
            Location {
                archetype: target as u32,
                row: new_row as u32,
            },
        );
        // SAFETY: right after `detach`, with the same `moved`.
        unsafe { from.drop_detached(moved) };
        new_row
    }

    /// Every entity, in table order.
    pub fn iter(&self) -> impl Iterator<Item = Entity> + '_ {
        self.archetypes
            .iter()
            .flat_map(|a| a.entities.iter().map(|&index| self.entities.entity(index)))
    }

    /// How many tables the world has (one per set of component types).
    pub fn archetype_count(&self) -> usize {
        self.archetypes.len()
    }

    /// Bytes the world reserves for its entities and their components
    /// (tables and entity records; not the bookkeeping of types).
    pub fn memory_bytes(&self) -> usize {
        self.entities.heap_bytes()
            + self
                .archetypes
                .iter()
                .map(Archetype::heap_bytes)
                .sum::<usize>()
    }
}
