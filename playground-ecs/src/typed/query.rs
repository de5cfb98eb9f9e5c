//! What a typed query through the view asks for ([`ViewQuery`]): `&M`,
//! `&mut M`, [`Entity`], `With<M>`, `Without<M>`, or a tuple of them, and
//! how each reads a visited table.

use crate::storage::component::Component;
use crate::storage::entity::{Entity, Meta};
use crate::view::typed::TypedTable;
use crate::view::typed_key::{AccessKind, TypedKey};
use crate::world::query::{With, Without};
use playground_runtime::Model;

/// What a typed query through the view asks for: `&M`, `&mut M` of a model
/// component `M`, [`Entity`], [`With<M>`], [`Without<M>`], or a tuple of
/// them.
///
/// # Safety
/// `accesses` reports every column `fetch`/`item` read (`Read`) or write
/// (`Write`), in the order `fetch` consumes them, and reports filters
/// (`With`, `Without`) as accesses that `fetch` skips.
pub unsafe trait ViewQuery {
    /// What one row yields.
    type Item<'q>;
    /// Pointers into one table.
    type Fetch: Copy;
    /// Calls `f` with each component type used, in order.
    fn accesses(f: &mut impl FnMut(TypedKey, AccessKind));
    /// This query's pointers into `table`, consuming its accesses from
    /// `*next` on.
    ///
    /// # Safety
    /// `table` was matched by a query of `accesses` in this order.
    unsafe fn fetch(table: &TypedTable, next: &mut usize) -> Self::Fetch;
    /// The item at `row`.
    ///
    /// # Safety
    /// `fetch` is of a table being visited, `row` below its length, and the
    /// query's borrows are held for `'q`.
    unsafe fn item<'q>(fetch: Self::Fetch, row: usize) -> Self::Item<'q>;
}

// SAFETY: reads `M`'s column only, reported as `Read`.
unsafe impl<M: Model + Component> ViewQuery for &M {
    type Item<'q> = &'q M;
    type Fetch = *const M;
    fn accesses(f: &mut impl FnMut(TypedKey, AccessKind)) {
        f(TypedKey::of::<M>(), AccessKind::Read);
    }
    #[inline]
    unsafe fn fetch(table: &TypedTable, next: &mut usize) -> *const M {
        let column = table.column(*next);
        *next += 1;
        column.cast()
    }
    #[inline(always)]
    unsafe fn item<'q>(fetch: *const M, row: usize) -> &'q M {
        // SAFETY: the trait's contract: the column holds `len` `M`s (the
        // world checked the key) under a shared borrow.
        unsafe { &*fetch.add(row) }
    }
}

// SAFETY: writes `M`'s column only, reported as `Write`.
unsafe impl<M: Model + Component> ViewQuery for &mut M {
    type Item<'q> = &'q mut M;
    type Fetch = *mut M;
    fn accesses(f: &mut impl FnMut(TypedKey, AccessKind)) {
        f(TypedKey::of::<M>(), AccessKind::Write);
    }
    #[inline]
    unsafe fn fetch(table: &TypedTable, next: &mut usize) -> *mut M {
        let column = table.column(*next);
        *next += 1;
        column.cast()
    }
    #[inline(always)]
    unsafe fn item<'q>(fetch: *mut M, row: usize) -> &'q mut M {
        // SAFETY: the trait's contract: an exclusive borrow of the column
        // (not aliased within the query: the world checks), and each row
        // is yielded once.
        unsafe { &mut *fetch.add(row) }
    }
}

// SAFETY: reads the table's entity indices and the world's entity records,
// which nothing writes under the read lock; no column.
unsafe impl ViewQuery for Entity {
    type Item<'q> = Entity;
    type Fetch = (*const u32, *const Meta);
    fn accesses(_: &mut impl FnMut(TypedKey, AccessKind)) {}
    #[inline]
    unsafe fn fetch(table: &TypedTable, _: &mut usize) -> Self::Fetch {
        (table.entities, table.meta)
    }
    #[inline(always)]
    unsafe fn item<'q>((indices, meta): Self::Fetch, row: usize) -> Self::Item<'q> {
        // SAFETY: `row` is a row of the table, whose index is a live
        // entity's, below the length of the records.
        unsafe {
            let index = *indices.add(row);
            Entity {
                index,
                generation: (*meta.add(index as usize)).generation,
            }
        }
    }
}

// SAFETY: a filter: reported as `With`, skipped by `fetch`.
unsafe impl<M: Model + Component> ViewQuery for With<M> {
    type Item<'q> = ();
    type Fetch = ();
    fn accesses(f: &mut impl FnMut(TypedKey, AccessKind)) {
        f(TypedKey::of::<M>(), AccessKind::With);
    }
    #[inline]
    unsafe fn fetch(_: &TypedTable, next: &mut usize) {
        *next += 1;
    }
    #[inline(always)]
    unsafe fn item<'q>(_: (), _: usize) -> Self::Item<'q> {}
}

// SAFETY: a filter: reported as `Without`, skipped by `fetch`.
unsafe impl<M: Model + Component> ViewQuery for Without<M> {
    type Item<'q> = ();
    type Fetch = ();
    fn accesses(f: &mut impl FnMut(TypedKey, AccessKind)) {
        f(TypedKey::of::<M>(), AccessKind::Without);
    }
    #[inline]
    unsafe fn fetch(_: &TypedTable, next: &mut usize) {
        *next += 1;
    }
    #[inline(always)]
    unsafe fn item<'q>(_: (), _: usize) -> Self::Item<'q> {}
}

macro_rules! tuple_view_query {
    ($($name:ident $index:tt),+) => {
        // SAFETY: the elements' accesses, in order, as `fetch` consumes them.
        unsafe impl<$($name: ViewQuery),+> ViewQuery for ($($name,)+) {
            type Item<'q> = ($($name::Item<'q>,)+);
            type Fetch = ($($name::Fetch,)+);
            fn accesses(f: &mut impl FnMut(TypedKey, AccessKind)) {
                $($name::accesses(f);)+
            }
            #[inline]
            unsafe fn fetch(table: &TypedTable, next: &mut usize) -> Self::Fetch {
                // SAFETY: the trait's contract, forwarded in order.
                unsafe { ($($name::fetch(table, next),)+) }
            }
            #[inline(always)]
            unsafe fn item<'q>(fetch: Self::Fetch, row: usize) -> Self::Item<'q> {
                // SAFETY: the trait's contract, forwarded to each element.
                unsafe { ($($name::item(fetch.$index, row),)+) }
            }
        }
    };
}

tuple_view_query!(A 0);
tuple_view_query!(A 0, B 1);
tuple_view_query!(A 0, B 1, C 2);
tuple_view_query!(A 0, B 1, C 2, D 3);
tuple_view_query!(A 0, B 1, C 2, D 3, E 4);
tuple_view_query!(A 0, B 1, C 2, D 3, E 4, F 5);
