//! Typed queries: `(&mut Position, &Velocity, Option<&Name>, With<Player>,
//! Without<Frozen>)` over every table that matches.

use crate::archetype::Archetype;
use crate::component::{Component, ComponentId, Components};
use crate::entity::Entity;
use std::marker::PhantomData;

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
    type State: Copy;
    /// Pointers into one table.
    type Fetch: Copy;

    /// Resolves ids; `None` if the query can match nothing (a required type
    /// was never used in this world).
    fn init(components: &Components) -> Option<Self::State>;
    /// Every component read (`false`) or written (`true`).
    fn access(state: Self::State, out: &mut Vec<(ComponentId, bool)>);
    /// Whether `archetype` has what the query needs.
    fn matches(state: Self::State, archetype: &Archetype) -> bool;
    /// Pointers into a matching `archetype`.
    fn fetch(state: Self::State, archetype: &Archetype) -> Self::Fetch;
    /// The item at `row`.
    ///
    /// # Safety
    /// `fetch` comes from a matching table that is still alive and
    /// unchanged, `row` is below its length, and the access rules hold:
    /// nothing else uses what this item borrows mutably for `'q`.
    unsafe fn item<'q>(fetch: Self::Fetch, row: usize) -> Self::Item<'q>;
}

fn column_base<T>(archetype: &Archetype, id: ComponentId) -> *mut T {
    archetype
        .column(id)
        .map_or(std::ptr::null_mut(), |c| archetype.columns[c].base::<T>())
}

// SAFETY: reads `T` only.
unsafe impl<T: Component> Query for &T {
    type Item<'q> = &'q T;
    type State = ComponentId;
    type Fetch = *const T;
    fn init(components: &Components) -> Option<ComponentId> {
        components.get::<T>()
    }
    fn access(id: ComponentId, out: &mut Vec<(ComponentId, bool)>) {
        out.push((id, false));
    }
    fn matches(id: ComponentId, archetype: &Archetype) -> bool {
        archetype.column(id).is_some()
    }
    fn fetch(id: ComponentId, archetype: &Archetype) -> *const T {
        column_base::<T>(archetype, id)
    }
    #[inline(always)]
    unsafe fn item<'q>(fetch: *const T, row: usize) -> &'q T {
        // SAFETY: the trait's contract.
        unsafe { &*fetch.add(row) }
    }
}

// SAFETY: writes `T` only.
unsafe impl<T: Component> Query for &mut T {
    type Item<'q> = &'q mut T;
    type State = ComponentId;
    type Fetch = *mut T;
    fn init(components: &Components) -> Option<ComponentId> {
        components.get::<T>()
    }
    fn access(id: ComponentId, out: &mut Vec<(ComponentId, bool)>) {
        out.push((id, true));
    }
    fn matches(id: ComponentId, archetype: &Archetype) -> bool {
        archetype.column(id).is_some()
    }
    fn fetch(id: ComponentId, archetype: &Archetype) -> *mut T {
        column_base::<T>(archetype, id)
    }
    #[inline(always)]
    unsafe fn item<'q>(fetch: *mut T, row: usize) -> &'q mut T {
        // SAFETY: the trait's contract.
        unsafe { &mut *fetch.add(row) }
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
    fn access(state: Option<ComponentId>, out: &mut Vec<(ComponentId, bool)>) {
        if let Some(id) = state {
            Q::access(id, out);
        }
    }
    fn matches(_: Option<ComponentId>, _: &Archetype) -> bool {
        true
    }
    fn fetch(state: Option<ComponentId>, archetype: &Archetype) -> Option<Q::Fetch> {
        state
            .filter(|&id| Q::matches(id, archetype))
            .map(|id| Q::fetch(id, archetype))
    }
    #[inline(always)]
    unsafe fn item<'q>(fetch: Option<Q::Fetch>, row: usize) -> Option<Q::Item<'q>> {
        // SAFETY: the trait's contract, forwarded.
        fetch.map(|fetch| unsafe { Q::item(fetch, row) })
    }
}

// SAFETY: reads the table's entity list, which no query writes.
unsafe impl Query for Entity {
    type Item<'q> = Entity;
    type State = ();
    type Fetch = *const Entity;
    fn init(_: &Components) -> Option<()> {
        Some(())
    }
    fn access(_: (), _: &mut Vec<(ComponentId, bool)>) {}
    fn matches(_: (), _: &Archetype) -> bool {
        true
    }
    fn fetch(_: (), archetype: &Archetype) -> *const Entity {
        archetype.entities.as_ptr()
    }
    #[inline(always)]
    unsafe fn item<'q>(fetch: *const Entity, row: usize) -> Self::Item<'q> {
        // SAFETY: the trait's contract.
        unsafe { *fetch.add(row) }
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
    fn access(_: ComponentId, _: &mut Vec<(ComponentId, bool)>) {}
    fn matches(id: ComponentId, archetype: &Archetype) -> bool {
        archetype.column(id).is_some()
    }
    fn fetch(_: ComponentId, _: &Archetype) {}
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
    fn access(_: Option<ComponentId>, _: &mut Vec<(ComponentId, bool)>) {}
    fn matches(id: Option<ComponentId>, archetype: &Archetype) -> bool {
        id.is_none_or(|id| archetype.column(id).is_none())
    }
    fn fetch(_: Option<ComponentId>, _: &Archetype) {}
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
            fn access(state: Self::State, out: &mut Vec<(ComponentId, bool)>) {
                $($name::access(state.$index, out);)+
            }
            fn matches(state: Self::State, archetype: &Archetype) -> bool {
                $($name::matches(state.$index, archetype))&&+
            }
            fn fetch(state: Self::State, archetype: &Archetype) -> Self::Fetch {
                ($($name::fetch(state.$index, archetype),)+)
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

/// Panics if `access` uses one component mutably and anywhere else.
pub(crate) fn check_aliasing(access: &[(ComponentId, bool)], components: &Components) {
    for (i, &(id, mutable)) in access.iter().enumerate() {
        for &(other, other_mutable) in &access[i + 1..] {
            if id == other && (mutable || other_mutable) {
                panic!(
                    "query uses `{}` mutably and a second time: that would alias a `&mut`; \
                     ask for it once",
                    components.info(id).name
                );
            }
        }
    }
}

/// The rows of every matching table, table by table.
pub struct QueryIter<'w, Q: Query> {
    archetypes: std::slice::Iter<'w, Archetype>,
    state: Option<Q::State>,
    fetch: Option<Q::Fetch>,
    row: usize,
    len: usize,
}

impl<'w, Q: Query> QueryIter<'w, Q> {
    /// # Safety
    /// The caller holds the access `Q` needs to `archetypes` for `'w`.
    pub(crate) unsafe fn new(archetypes: &'w [Archetype], state: Option<Q::State>) -> Self {
        QueryIter {
            archetypes: archetypes.iter(),
            state,
            fetch: None,
            row: 0,
            len: 0,
        }
    }

    /// Calls `f` on every item from `threads` of rayon's pool, each taking
    /// whole chunks of `chunk` rows of a table.
    pub fn par_for_each(self, chunk: usize, f: impl Fn(Q::Item<'w>) + Send + Sync)
    where
        Q::Fetch: 'w,
    {
        use rayon::prelude::*;
        let Some(state) = self.state else { return };
        let chunk = chunk.max(1);
        let mut work = Vec::new();
        for archetype in self.archetypes {
            if archetype.len() == 0 || !Q::matches(state, archetype) {
                continue;
            }
            let fetch = SendFetch(Q::fetch(state, archetype));
            for start in (0..archetype.len()).step_by(chunk) {
                work.push((fetch, start, (start + chunk).min(archetype.len())));
            }
        }
        work.into_par_iter().for_each(|(fetch, start, end)| {
            for row in start..end {
                // SAFETY: as in `next`; chunks are disjoint, so no row is
                // yielded twice, and `Q::Item`s of distinct rows do not alias.
                f(unsafe { Q::item(fetch.0, row) });
            }
        });
    }
}

/// A table's pointers, sent to the thread that handles some of its rows.
#[derive(Clone, Copy)]
struct SendFetch<F>(F);

// SAFETY: the pointers are into column storage of `Component` (`Send +
// Sync`) values, and each thread gets disjoint rows.
unsafe impl<F> Send for SendFetch<F> {}
// SAFETY: as above.
unsafe impl<F> Sync for SendFetch<F> {}

impl<'w, Q: Query> Iterator for QueryIter<'w, Q> {
    type Item = Q::Item<'w>;

    #[inline]
    fn next(&mut self) -> Option<Q::Item<'w>> {
        loop {
            if let Some(fetch) = self.fetch
                && self.row < self.len
            {
                let row = self.row;
                self.row += 1;
                // SAFETY: `fetch` is from a matching table, `row` is in bounds, and
                // `new`'s caller holds the access for `'w`.
                return Some(unsafe { Q::item(fetch, row) });
            }
            let state = self.state?;
            let archetype = self.archetypes.next()?;
            if archetype.len() != 0 && Q::matches(state, archetype) {
                self.fetch = Some(Q::fetch(state, archetype));
                self.row = 0;
                self.len = archetype.len();
            }
        }
    }

    /// A tight loop per table (what `for_each` uses): faster than `next`.
    #[inline]
    fn fold<B, F: FnMut(B, Q::Item<'w>) -> B>(self, init: B, mut f: F) -> B {
        let mut acc = init;
        if let Some(fetch) = self.fetch {
            for row in self.row..self.len {
                // SAFETY: as in `next`.
                acc = f(acc, unsafe { Q::item(fetch, row) });
            }
        }
        let Some(state) = self.state else { return acc };
        for archetype in self.archetypes {
            if archetype.len() == 0 || !Q::matches(state, archetype) {
                continue;
            }
            let fetch = Q::fetch(state, archetype);
            for row in 0..archetype.len() {
                // SAFETY: as in `next`.
                acc = f(acc, unsafe { Q::item(fetch, row) });
            }
        }
        acc
    }
}
