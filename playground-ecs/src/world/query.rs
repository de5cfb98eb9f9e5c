//! Typed queries: `(&mut Position, &Velocity, Option<&Name>, With<Player>,
//! Without<Frozen>)` over every table that matches. This file holds what a
//! query asks for and how it reads a table ([`Query`], the filters
//! [`With`] and [`Without`]); `query_iter.rs` walks the tables,
//! `query_borrow.rs` runs a query on a world, `prepared_query.rs` keeps the
//! tables it matched.

use crate::storage::archetype::Archetype;
use crate::storage::component::{Component, ComponentId, ComponentInfo, Components, TypeKey};
use crate::storage::entity::{Entity, Meta};
use std::marker::PhantomData;
use std::ptr::NonNull;

/// Something a query asks for: `&T`, `&mut T`, `Option<&T>`,
/// `Option<&mut T>`, `Entity`, `With<T>`, `Without<T>`, or a tuple of them.
///
/// # Safety
/// `access` must report every component the query reads (shared) or writes
/// (mutable); `fetch`/`item` may only touch those.
pub unsafe trait Query {
    /// What one row yields.
    type Item<'q>;
    /// Component ids, resolved once per query.
    type State: Copy + Send + Sync + 'static;
    /// Pointers into one table.
    type Fetch: Copy;

    /// Resolves ids; `None` if the query can match nothing (a required type
    /// was never used in this world).
    fn init(components: &Components) -> Option<Self::State>;
    /// Calls `f` with every component read (`false`) or written (`true`).
    fn access(state: Self::State, f: &mut impl FnMut(ComponentId, bool));
    /// Calls `f` with every component type read (`false`) or written
    /// (`true`), for code that is not generic over the types: a system's
    /// declared access, and the check against it.
    fn for_each_type(f: &mut impl FnMut(TypeKey, fn() -> ComponentInfo, bool));
    /// Whether `archetype` has what the query needs.
    fn matches(state: Self::State, archetype: &Archetype) -> bool;
    /// Pointers into a matching `archetype` (and the world's entity
    /// records, for `Entity`).
    fn fetch(state: Self::State, archetype: &Archetype, meta: &[Meta]) -> Self::Fetch;
    /// The item at `row`.
    ///
    /// # Safety
    /// `fetch` comes from a matching table that is still alive and
    /// unchanged, `row` is below its length, and the access rules hold:
    /// nothing else uses what this item borrows mutably for `'q`.
    unsafe fn item<'q>(fetch: Self::Fetch, row: usize) -> Self::Item<'q>;
}

/// The start of `T`'s column in `archetype` (dangling if it has none, which
/// a matching table never lacks). Non-null, so that `Option<&T>` of an
/// item needs no test in the loop.
#[inline]
fn column_base<T>(archetype: &Archetype, id: ComponentId) -> NonNull<T> {
    archetype
        .column(id)
        .map_or(NonNull::dangling(), |c| archetype.columns[c].base::<T>())
}

// SAFETY: reads `T` only.
unsafe impl<T: Component> Query for &T {
    type Item<'q> = &'q T;
    type State = ComponentId;
    type Fetch = NonNull<T>;
    fn init(components: &Components) -> Option<ComponentId> {
        components.get::<T>()
    }
    fn access(id: ComponentId, f: &mut impl FnMut(ComponentId, bool)) {
        f(id, false);
    }
    fn for_each_type(f: &mut impl FnMut(TypeKey, fn() -> ComponentInfo, bool)) {
        f(TypeKey::of::<T>(), ComponentInfo::of::<T>, false);
    }
    fn matches(id: ComponentId, archetype: &Archetype) -> bool {
        archetype.column(id).is_some()
    }
    fn fetch(id: ComponentId, archetype: &Archetype, _: &[Meta]) -> NonNull<T> {
        column_base::<T>(archetype, id)
    }
    #[inline(always)]
    unsafe fn item<'q>(fetch: NonNull<T>, row: usize) -> &'q T {
        // SAFETY: the trait's contract.
        unsafe { fetch.add(row).as_ref() }
    }
}

// SAFETY: writes `T` only.
unsafe impl<T: Component> Query for &mut T {
    type Item<'q> = &'q mut T;
    type State = ComponentId;
    type Fetch = NonNull<T>;
    fn init(components: &Components) -> Option<ComponentId> {
        components.get::<T>()
    }
    fn access(id: ComponentId, f: &mut impl FnMut(ComponentId, bool)) {
        f(id, true);
    }
    fn for_each_type(f: &mut impl FnMut(TypeKey, fn() -> ComponentInfo, bool)) {
        f(TypeKey::of::<T>(), ComponentInfo::of::<T>, true);
    }
    fn matches(id: ComponentId, archetype: &Archetype) -> bool {
        archetype.column(id).is_some()
    }
    fn fetch(id: ComponentId, archetype: &Archetype, _: &[Meta]) -> NonNull<T> {
        column_base::<T>(archetype, id)
    }
    #[inline(always)]
    unsafe fn item<'q>(fetch: NonNull<T>, row: usize) -> &'q mut T {
        // SAFETY: the trait's contract.
        unsafe { fetch.add(row).as_mut() }
    }
}

// SAFETY: reads or writes `T` as `Q` does, only where the table has it.
unsafe impl<Q: Query<State = ComponentId>> Query for Option<Q> {
    type Item<'q> = Option<Q::Item<'q>>;
    type State = Option<ComponentId>;
    type Fetch = Option<Q::Fetch>;
    fn init(components: &Components) -> Option<Option<ComponentId>> {
        Some(Q::init(components))
    }
    fn access(state: Option<ComponentId>, f: &mut impl FnMut(ComponentId, bool)) {
        if let Some(id) = state {
            Q::access(id, f);
        }
    }
    fn for_each_type(f: &mut impl FnMut(TypeKey, fn() -> ComponentInfo, bool)) {
        Q::for_each_type(f);
    }
    fn matches(_: Option<ComponentId>, _: &Archetype) -> bool {
        true
    }
    fn fetch(state: Option<ComponentId>, archetype: &Archetype, meta: &[Meta]) -> Option<Q::Fetch> {
        state
            .filter(|&id| Q::matches(id, archetype))
            .map(|id| Q::fetch(id, archetype, meta))
    }
    #[inline(always)]
    unsafe fn item<'q>(fetch: Option<Q::Fetch>, row: usize) -> Option<Q::Item<'q>> {
        // SAFETY: the trait's contract, forwarded.
        fetch.map(|fetch| unsafe { Q::item(fetch, row) })
    }
}

// SAFETY: reads the table's entity indices and the world's entity records,
// which no query writes.
unsafe impl Query for Entity {
    type Item<'q> = Entity;
    type State = ();
    type Fetch = (NonNull<u32>, NonNull<Meta>);
    fn init(_: &Components) -> Option<()> {
        Some(())
    }
    fn access(_: (), _: &mut impl FnMut(ComponentId, bool)) {}
    fn for_each_type(_: &mut impl FnMut(TypeKey, fn() -> ComponentInfo, bool)) {}
    fn matches(_: (), _: &Archetype) -> bool {
        true
    }
    fn fetch(_: (), archetype: &Archetype, meta: &[Meta]) -> Self::Fetch {
        (
            NonNull::from(archetype.entities.as_slice()).cast(),
            NonNull::from(meta).cast(),
        )
    }
    #[inline(always)]
    unsafe fn item<'q>((indices, meta): Self::Fetch, row: usize) -> Self::Item<'q> {
        // SAFETY: the trait's contract: `row` is a row of the table, whose
        // index is a live entity's, below the length of the records.
        unsafe {
            let index = *indices.add(row).as_ptr();
            Entity {
                index,
                generation: (*meta.add(index as usize).as_ptr()).generation,
            }
        }
    }
}

/// A filter: only entities that have a `T` (without reading it).
pub struct With<T>(PhantomData<fn() -> T>);

/// A filter: only entities that have no `T`.
pub struct Without<T>(PhantomData<fn() -> T>);

// SAFETY: touches no component.
unsafe impl<T: Component> Query for With<T> {
    type Item<'q> = ();
    type State = ComponentId;
    type Fetch = ();
    fn init(components: &Components) -> Option<ComponentId> {
        components.get::<T>()
    }
    fn access(_: ComponentId, _: &mut impl FnMut(ComponentId, bool)) {}
    fn for_each_type(_: &mut impl FnMut(TypeKey, fn() -> ComponentInfo, bool)) {}
    fn matches(id: ComponentId, archetype: &Archetype) -> bool {
        archetype.column(id).is_some()
    }
    fn fetch(_: ComponentId, _: &Archetype, _: &[Meta]) {}
    #[inline(always)]
    unsafe fn item<'q>(_: (), _: usize) -> Self::Item<'q> {}
}

// SAFETY: touches no component.
unsafe impl<T: Component> Query for Without<T> {
    type Item<'q> = ();
    type State = Option<ComponentId>;
    type Fetch = ();
    fn init(components: &Components) -> Option<Option<ComponentId>> {
        Some(components.get::<T>())
    }
    fn access(_: Option<ComponentId>, _: &mut impl FnMut(ComponentId, bool)) {}
    fn for_each_type(_: &mut impl FnMut(TypeKey, fn() -> ComponentInfo, bool)) {}
    fn matches(id: Option<ComponentId>, archetype: &Archetype) -> bool {
        id.is_none_or(|id| archetype.column(id).is_none())
    }
    fn fetch(_: Option<ComponentId>, _: &Archetype, _: &[Meta]) {}
    #[inline(always)]
    unsafe fn item<'q>(_: (), _: usize) -> Self::Item<'q> {}
}

macro_rules! tuple_query {
    ($($name:ident $index:tt),+) => {
        // SAFETY: the union of the elements' accesses.
        unsafe impl<$($name: Query),+> Query for ($($name,)+) {
            type Item<'q> = ($($name::Item<'q>,)+);
            type State = ($($name::State,)+);
            type Fetch = ($($name::Fetch,)+);
            fn init(components: &Components) -> Option<Self::State> {
                Some(($($name::init(components)?,)+))
            }
            fn access(state: Self::State, f: &mut impl FnMut(ComponentId, bool)) {
                $($name::access(state.$index, f);)+
            }
            fn for_each_type(f: &mut impl FnMut(TypeKey, fn() -> ComponentInfo, bool)) {
                $($name::for_each_type(f);)+
            }
            fn matches(state: Self::State, archetype: &Archetype) -> bool {
                $($name::matches(state.$index, archetype))&&+
            }
            fn fetch(state: Self::State, archetype: &Archetype, meta: &[Meta]) -> Self::Fetch {
                ($($name::fetch(state.$index, archetype, meta),)+)
            }
            #[inline(always)]
            unsafe fn item<'q>(fetch: Self::Fetch, row: usize) -> Self::Item<'q> {
                // SAFETY: the trait's contract, forwarded to each element.
                unsafe { ($($name::item(fetch.$index, row),)+) }
            }
        }
    };
}

tuple_query!(A 0);
tuple_query!(A 0, B 1);
tuple_query!(A 0, B 1, C 2);
tuple_query!(A 0, B 1, C 2, D 3);
tuple_query!(A 0, B 1, C 2, D 3, E 4);
tuple_query!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_query!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_query!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// Panics if `Q` uses one component mutably and anywhere else (counting
/// two types that share a column, as two builds of one model do).
pub(crate) fn check_aliasing<Q: Query>(state: Q::State, components: &Components) {
    let mut i = 0;
    Q::access(state, &mut |id, mutable| {
        let mut j = 0;
        Q::access(state, &mut |other, other_mutable| {
            if j > i && id == other && (mutable || other_mutable) {
                panic!(
                    "query uses `{}` mutably and a second time: that would alias a `&mut`; \
                     ask for it once",
                    components.info(id).name
                );
            }
            j += 1;
        });
        i += 1;
    });
}
