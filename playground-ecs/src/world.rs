//! The world: entities, their components in archetype tables, and the
//! typed API for hot loops.

use crate::archetype::Archetype;
use crate::bundle::Bundle;
use crate::component::TypeKey;
use crate::component::{Component, ComponentId, Components};
use crate::entity::{Entities, Entity, Location};
use crate::query::{Query, QueryIter, check_aliasing};
use std::collections::HashMap;
use std::sync::atomic::{AtomicIsize, Ordering};
use thiserror::Error;

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

/// Why an entity or component operation failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EcsError {
    /// The entity was despawned (or never existed): a stale id.
    #[error("entity {0:?} does not exist (despawned, or from another world)")]
    NoSuchEntity(Entity),
    /// The entity exists but has no such component.
    #[error("entity {entity:?} has no `{component}`")]
    MissingComponent {
        /// The entity.
        entity: Entity,
        /// The component type's name.
        component: &'static str,
    },
    /// The component is borrowed in a way that conflicts (see `World::query`).
    #[error("`{component}` is already borrowed {how}")]
    Borrowed {
        /// The component type's name.
        component: &'static str,
        /// "mutably" or "shared".
        how: &'static str,
    },
    /// No model component of this id (and version) is registered.
    #[error(
        "no component of model {model_id:016x} (state version {state_version:016x}) is registered in this world"
    )]
    UnknownModel {
        /// The model id.
        model_id: u64,
        /// The state version asked for (0: any).
        state_version: u64,
    },
    /// Encoding or decoding a model component failed.
    #[error("component `{component}`: {source}")]
    State {
        /// The component type's name.
        component: &'static str,
        /// What failed.
        #[source]
        source: playground_runtime::StateError,
    },
    /// A bundle names one component type twice.
    #[error("a bundle has `{component}` twice")]
    DuplicateComponent {
        /// The component type's name.
        component: &'static str,
    },
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
    pub(crate) entities: Entities,
    pub(crate) archetypes: Vec<Archetype>,
    by_types: HashMap<Vec<ComponentId>, u32>,
    pub(crate) components: Components,
    bundles: crate::component::TypeMap<BundleLayout>,
    /// Per component: readers (> 0), a writer (-1), or free (0).
    borrows: Vec<AtomicIsize>,
}

impl World {
    /// An empty world.
    pub fn new() -> World {
        World {
            entities: Entities::default(),
            // Table 0: entities without components.
            archetypes: vec![Archetype::new(Vec::new(), Vec::new())],
            by_types: HashMap::from([(Vec::new(), 0)]),
            components: Components::default(),
            bundles: Default::default(),
            borrows: Vec::new(),
        }
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
            self.borrows.push(AtomicIsize::new(0));
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

    /// Where bundle `B` goes (cached per bundle type).
    fn bundle_layout<B: Bundle>(&mut self) -> Result<&BundleLayout, EcsError> {
        let key = TypeKey::of::<B>();
        if !self.bundles.contains_key(&key) {
            let mut ids = Vec::new();
            B::ids(&mut self.components, &mut ids);
            self.grow_borrows();
            let mut sorted = ids.clone();
            sorted.sort_unstable();
            if let Some(pair) = sorted.windows(2).find(|w| w[0] == w[1]) {
                return Err(EcsError::DuplicateComponent {
                    component: self.components.info(pair[0]).name,
                });
            }
            let archetype = self.archetype_for(sorted);
            let table = &self.archetypes[archetype as usize];
            let columns = ids
                .iter()
                .map(|&id| table.column(id).expect("table has the bundle's types"))
                .collect();
            self.bundles
                .insert(key, BundleLayout { archetype, columns });
        }
        Ok(&self.bundles[&key])
    }

    /// Spawns an entity without components.
    pub fn spawn_empty(&mut self) -> Entity {
        let entity = self.entities.alloc();
        let row = self.archetypes[0].push(entity);
        self.entities.set(
            entity.index,
            Location {
                archetype: 0,
                row: row as u32,
            },
        );
        entity
    }

    /// Spawns an entity with the components of `bundle`.
    ///
    /// # Panics
    /// If the bundle names a type twice (`(A, A)`), a programming error.
    pub fn spawn<B: Bundle>(&mut self, bundle: B) -> Entity {
        let layout = self.bundle_layout::<B>().unwrap_or_else(|e| panic!("{e}"));
        let archetype = layout.archetype;
        let columns = std::mem::take(
            &mut self
                .bundles
                .get_mut(&TypeKey::of::<B>())
                .expect("cached")
                .columns,
        );
        let entity = self.entities.alloc();
        let table = &mut self.archetypes[archetype as usize];
        let row = table.push(entity);
        // SAFETY: `row` was just pushed, its columns are uninitialised, and
        // `columns` is this bundle's column map for this table.
        unsafe { bundle.write(table, &columns, row) };
        self.bundles
            .get_mut(&TypeKey::of::<B>())
            .expect("cached")
            .columns = columns;
        self.entities.set(
            entity.index,
            Location {
                archetype,
                row: row as u32,
            },
        );
        entity
    }

    /// Spawns one entity per bundle, reserving room once.
    pub fn spawn_batch<B: Bundle, I: IntoIterator<Item = B>>(&mut self, bundles: I) -> Vec<Entity> {
        let bundles = bundles.into_iter();
        let layout = self.bundle_layout::<B>().unwrap_or_else(|e| panic!("{e}"));
        let archetype = layout.archetype as usize;
        let columns = layout.columns.clone();
        let (lower, _) = bundles.size_hint();
        self.archetypes[archetype].reserve(lower);
        self.entities.reserve(lower);
        let mut spawned = Vec::with_capacity(lower);
        for bundle in bundles {
            let entity = self.entities.alloc();
            let table = &mut self.archetypes[archetype];
            let row = table.push(entity);
            // SAFETY: as in `spawn`.
            unsafe { bundle.write(table, &columns, row) };
            self.entities.set(
                entity.index,
                Location {
                    archetype: archetype as u32,
                    row: row as u32,
                },
            );
            spawned.push(entity);
        }
        spawned
    }

    /// Despawns `entity`, dropping its components.
    pub fn despawn(&mut self, entity: Entity) -> Result<(), EcsError> {
        let location = self
            .entities
            .free(entity)
            .ok_or(EcsError::NoSuchEntity(entity))?;
        let table = &mut self.archetypes[location.archetype as usize];
        // SAFETY: the row is in bounds (the entity was alive there), and
        // nothing was moved out of it.
        if let Some(moved) = unsafe { table.swap_remove(location.row as usize, |_| false) } {
            self.entities.set(moved.index, location);
        }
        Ok(())
    }

    /// Despawns every entity.
    pub fn clear(&mut self) {
        let all: Vec<Entity> = self
            .archetypes
            .iter()
            .flat_map(|a| a.entities.iter().copied())
            .collect();
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

    /// `entity`'s `T`.
    pub fn get<T: Component>(&self, entity: Entity) -> Result<&T, EcsError> {
        let (id, value) = self.slot::<T>(entity)?;
        self.check_free(id, false)?;
        // SAFETY: the entity's row holds an initialised `T` in this column;
        // `&self` excludes `&mut self` users, and no shared query holds it
        // mutably (checked above).
        Ok(unsafe { &*value })
    }

    /// `entity`'s `T`, mutably.
    pub fn get_mut<T: Component>(&mut self, entity: Entity) -> Result<&mut T, EcsError> {
        let (_, value) = self.slot::<T>(entity)?;
        // SAFETY: as in `get`; `&mut self` makes this the only access.
        Ok(unsafe { &mut *value })
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
            // contract on `id`); assigning drops it.
            unsafe {
                *self.archetypes[source].columns[column]
                    .ptr(location.row as usize)
                    .cast::<T>() = value
            };
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
        // SAFETY: the row holds an initialised `T`; it is moved out here and
        // `move_row_skipping` is told not to drop it.
        let value = unsafe {
            self.archetypes[source].columns[column]
                .ptr(location.row as usize)
                .cast::<T>()
                .read()
        };
        let target = self.edge_target(source, id, false);
        self.move_row_skipping(entity, location, target, Some(column));
        Ok(value)
    }

    /// Removes and drops `entity`'s component `id`.
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
    /// columns are left uninitialised for the caller to write.
    fn move_row_skipping(
        &mut self,
        entity: Entity,
        location: Location,
        target: usize,
        skip: Option<usize>,
    ) -> usize {
        let source = location.archetype as usize;
        let row = location.row as usize;
        let (from, to) = if source < target {
            let (a, b) = self.archetypes.split_at_mut(target);
            (&mut a[source], &mut b[0])
        } else {
            let (a, b) = self.archetypes.split_at_mut(source);
            (&mut b[0], &mut a[target])
        };
        let new_row = to.push(entity);
        for (index, column) in from.columns.iter().enumerate() {
            if Some(index) == skip {
                continue;
            }
            if let Some(target_column) = to.column(from.types[index]) {
                // SAFETY: both rows are in bounds; the value moves bitwise
                // and `swap_remove` below is told not to drop it.
                unsafe {
                    crate::archetype::copy_value(
                        column.ptr(row),
                        to.columns[target_column].ptr(new_row),
                        column.info.layout.size(),
                    )
                };
            }
        }
        let skip = skip.map(|index| from.types[index]);
        let moved = |id: ComponentId| Some(id) == skip || to.column(id).is_some();
        // SAFETY: `row` is in bounds; `moved` says exactly which values were
        // moved out above (or by the caller, `skip`).
        if let Some(displaced) = unsafe { from.swap_remove(row, moved) } {
            self.entities.set(displaced.index, location);
        }
        self.entities.set(
            entity.index,
            Location {
                archetype: target as u32,
                row: new_row as u32,
            },
        );
        new_row
    }

    /// Every entity matching `Q`, with exclusive access to the world.
    ///
    /// # Panics
    /// If `Q` asks for one component mutably and a second time
    /// (`(&mut A, &A)`): that would alias a `&mut`.
    pub fn query_mut<Q: Query>(&mut self) -> QueryIter<'_, Q> {
        let state = Q::init(&self.components);
        if let Some(state) = state {
            let mut access = Vec::new();
            Q::access(state, &mut access);
            check_aliasing(&access, &self.components);
        }
        // SAFETY: `&mut self` is exclusive access to every table, and the
        // query does not alias within itself (checked).
        unsafe { QueryIter::new(&self.archetypes, state) }
    }

    /// Every entity matching `Q`, through `&self`: several such queries can
    /// run at once (on several threads) as long as no component is written
    /// by one and used by another; a conflict is an error, not a data race.
    pub fn query<Q: Query>(&self) -> Result<QueryBorrow<'_, Q>, EcsError> {
        let state = Q::init(&self.components);
        let mut access = Vec::new();
        if let Some(state) = state {
            Q::access(state, &mut access);
            check_aliasing(&access, &self.components);
        }
        for (done, &(id, mutable)) in access.iter().enumerate() {
            if let Err(error) = self.acquire(id, mutable) {
                for &(id, mutable) in &access[..done] {
                    self.release(id, mutable);
                }
                return Err(error);
            }
        }
        Ok(QueryBorrow {
            world: self,
            state,
            access,
        })
    }

    fn check_free(&self, id: ComponentId, mutable: bool) -> Result<(), EcsError> {
        let state = self.borrows[id.0 as usize].load(Ordering::Acquire);
        if state < 0 || (mutable && state > 0) {
            return Err(self.borrowed(id, state));
        }
        Ok(())
    }

    fn borrowed(&self, id: ComponentId, state: isize) -> EcsError {
        EcsError::Borrowed {
            component: self.components.info(id).name,
            how: if state < 0 { "mutably" } else { "shared" },
        }
    }

    fn acquire(&self, id: ComponentId, mutable: bool) -> Result<(), EcsError> {
        let borrow = &self.borrows[id.0 as usize];
        if mutable {
            borrow
                .compare_exchange(0, -1, Ordering::Acquire, Ordering::Relaxed)
                .map(drop)
                .map_err(|s| self.borrowed(id, s))
        } else {
            let mut current = borrow.load(Ordering::Relaxed);
            loop {
                if current < 0 {
                    return Err(self.borrowed(id, current));
                }
                match borrow.compare_exchange_weak(
                    current,
                    current + 1,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return Ok(()),
                    Err(actual) => current = actual,
                }
            }
        }
    }

    fn release(&self, id: ComponentId, mutable: bool) {
        let borrow = &self.borrows[id.0 as usize];
        if mutable {
            borrow.store(0, Ordering::Release);
        } else {
            borrow.fetch_sub(1, Ordering::Release);
        }
    }

    /// Every entity, in table order.
    pub fn iter(&self) -> impl Iterator<Item = Entity> + '_ {
        self.archetypes
            .iter()
            .flat_map(|a| a.entities.iter().copied())
    }

    /// How many tables the world has (one per set of component types).
    pub fn archetype_count(&self) -> usize {
        self.archetypes.len()
    }
}

/// The components a shared query uses, borrowed until it is dropped.
pub struct QueryBorrow<'w, Q: Query> {
    world: &'w World,
    state: Option<Q::State>,
    access: Vec<(ComponentId, bool)>,
}

impl<Q: Query> QueryBorrow<'_, Q> {
    /// The matching entities.
    pub fn iter(&mut self) -> QueryIter<'_, Q> {
        // SAFETY: the borrows taken in `World::query` give this query its
        // access for as long as `self` lives; `&mut self` keeps two
        // iterators of one borrow from overlapping.
        unsafe { QueryIter::new(&self.world.archetypes, self.state) }
    }
}

impl<Q: Query> Drop for QueryBorrow<'_, Q> {
    fn drop(&mut self) {
        for &(id, mutable) in &self.access {
            self.world.release(id, mutable);
        }
    }
}
