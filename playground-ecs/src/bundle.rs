//! Bundles: the tuples of components an entity is spawned or extended with.

use crate::storage::archetype::Archetype;
use crate::storage::component::{Component, ComponentId, Components};
use crate::storage::entity::Entity;
use crate::world::World;
use crate::world::error::EcsError;

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
