//! Bundles: the tuples of components an entity is spawned or extended with,
//! and the world's methods that take them (`spawn`, `spawn_batch`,
//! `insert_bundle`).

use crate::storage::archetype::Archetype;
use crate::storage::component::TypeKey;
use crate::storage::component::{Component, ComponentId, Components};
use crate::storage::entity::{Entity, Location};
use crate::world::error::EcsError;
use crate::world::{BundleLayout, World};

/// A tuple of distinct component types, `(A,)` to 12 elements.
///
/// # Safety
/// `ids` must list one id per tuple element, in element order, and `write`
/// must write each element into the column given for it.
pub unsafe trait Bundle: Send + Sync + 'static {
    /// The id of each element's type, in element order.
    fn ids(components: &mut Components, out: &mut Vec<ComponentId>);

    /// Writes each element at `row` of `archetype`, element `i` into column
    /// `columns[i]`.
    ///
    /// # Safety
    /// `row` must be a row of `archetype` whose columns `columns` are
    /// uninitialised, and `columns[i]` must hold element `i`'s type.
    unsafe fn write(self, archetype: &Archetype, columns: &[usize], row: usize);

    /// Adds (or replaces) each element on `entity`, one at a time.
    fn insert_each(self, world: &mut World, entity: Entity) -> Result<(), EcsError>;

    /// Reads each element out of `row` (moving them out).
    ///
    /// # Safety
    /// As for `write`, but the values must be initialised; afterwards they
    /// are moved out and must not be dropped in place.
    unsafe fn read(archetype: &Archetype, columns: &[usize], row: usize) -> Self;
}

macro_rules! tuple_bundle {
    ($($name:ident $index:tt),+) => {
        // SAFETY: one id per element in order; each element is written to
        // and read from the column given for its index.
        unsafe impl<$($name: Component),+> Bundle for ($($name,)+) {
            fn ids(components: &mut Components, out: &mut Vec<ComponentId>) {
                $(out.push(components.id::<$name>());)+
            }

            #[inline]
            unsafe fn write(self, archetype: &Archetype, columns: &[usize], row: usize) {
                // SAFETY: the caller's contract: `columns[i]` holds the
                // type of element `i`, and `row` is uninitialised there.
                unsafe {
                    $(archetype.columns[columns[$index]].ptr(row).cast::<$name>().write(self.$index);)+
                }
            }

            fn insert_each(self, world: &mut World, entity: Entity) -> Result<(), EcsError> {
                $(world.insert(entity, self.$index)?;)+
                Ok(())
            }

            #[inline]
            unsafe fn read(archetype: &Archetype, columns: &[usize], row: usize) -> Self {
                // SAFETY: the caller's contract, with initialised values.
                unsafe { ($(archetype.columns[columns[$index]].ptr(row).cast::<$name>().read(),)+) }
            }
        }
    };
}

tuple_bundle!(A 0);
tuple_bundle!(A 0, B 1);
tuple_bundle!(A 0, B 1, C 2);
tuple_bundle!(A 0, B 1, C 2, D 3);
tuple_bundle!(A 0, B 1, C 2, D 3, E 4);
tuple_bundle!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_bundle!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_bundle!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_bundle!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_bundle!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_bundle!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_bundle!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

impl World {
    /// Where bundle `B` goes (cached per bundle type).
    fn bundle_layout<B: Bundle>(&mut self) -> Result<(u32, &[usize]), EcsError> {
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
        let layout = &self.bundles[&key];
        Ok((layout.archetype, &layout.columns))
    }

    /// Spawns an entity with the components of `bundle`.
    ///
    /// # Panics
    /// If the bundle names a type twice (`(A, A)`), a programming error.
    pub fn spawn<B: Bundle>(&mut self, bundle: B) -> Entity {
        self.flush();
        let (archetype, columns) = self.bundle_layout::<B>().unwrap_or_else(|e| panic!("{e}"));
        // The layout lives in `bundles`, apart from the tables and entities.
        let columns: *const [usize] = columns;
        let entity = self.entities.alloc();
        let table = &mut self.archetypes[archetype as usize];
        let row = table.push(entity.index);
        // SAFETY: `columns` points into `self.bundles`, which nothing below
        // touches; `row` was just pushed, its columns are uninitialised,
        // and `columns` is this bundle's column map for this table.
        unsafe { bundle.write(table, &*columns, row) };
        self.entities.set(
            entity.index,
            Location {
                archetype,
                row: row as u32,
            },
        );
        entity
    }

    /// Spawns one entity per bundle, reserving room once; returns how many.
    /// Ids are not collected (most batches never need them): use
    /// [`World::spawn_batch_ids`] for them.
    ///
    /// ```
    /// use playground_ecs::World;
    /// let mut world = World::new();
    /// assert_eq!(world.spawn_batch((0..100).map(|i| (i as f32,))), 100);
    /// let ids = world.spawn_batch_ids((0..3).map(|i| (i as f32,)));
    /// assert_eq!(*world.get::<f32>(ids[2]).unwrap(), 2.0);
    /// ```
    ///
    /// # Panics
    /// If the bundle names a type twice.
    pub fn spawn_batch<B: Bundle, I: IntoIterator<Item = B>>(&mut self, bundles: I) -> usize {
        self.spawn_each(bundles, |_| {})
    }

    /// [`World::spawn_batch`], returning the new entities.
    pub fn spawn_batch_ids<B: Bundle, I: IntoIterator<Item = B>>(
        &mut self,
        bundles: I,
    ) -> Vec<Entity> {
        let bundles = bundles.into_iter();
        let mut ids = Vec::with_capacity(bundles.size_hint().0);
        self.spawn_each(bundles, |e| ids.push(e));
        ids
    }

    #[inline]
    fn spawn_each<B: Bundle, I: IntoIterator<Item = B>>(
        &mut self,
        bundles: I,
        mut spawned: impl FnMut(Entity),
    ) -> usize {
        self.flush();
        let bundles = bundles.into_iter();
        let (archetype, columns) = self.bundle_layout::<B>().unwrap_or_else(|e| panic!("{e}"));
        let columns: *const [usize] = columns;
        let (lower, _) = bundles.size_hint();
        self.archetypes[archetype as usize].reserve(lower);
        self.entities.reserve_capacity(lower);
        let mut count = 0;
        for bundle in bundles {
            let entity = self.entities.alloc();
            let table = &mut self.archetypes[archetype as usize];
            let row = table.push(entity.index);
            // SAFETY: as in `spawn` (the iterator's code cannot reach
            // `self`, which is borrowed mutably here).
            unsafe { bundle.write(table, &*columns, row) };
            self.entities.set(
                entity.index,
                Location {
                    archetype,
                    row: row as u32,
                },
            );
            spawned(entity);
            count += 1;
        }
        count
    }

    /// Adds (or replaces) every component of `bundle` on `entity`.
    pub fn insert_bundle<B: Bundle>(&mut self, entity: Entity, bundle: B) -> Result<(), EcsError> {
        let location = self.location(entity)?;
        if location.archetype != 0 {
            return bundle.insert_each(self, entity);
        }
        // No components yet: one move, to the bundle's table.
        let (archetype, columns) = self.bundle_layout::<B>()?;
        let columns: *const [usize] = columns;
        let row = self.move_row(entity, location, archetype as usize);
        // SAFETY: `columns` points into `self.bundles`, untouched here; the
        // row was just moved in from a table without columns, so all of
        // its columns are uninitialised.
        unsafe { bundle.write(&self.archetypes[archetype as usize], &*columns, row) };
        Ok(())
    }
}
