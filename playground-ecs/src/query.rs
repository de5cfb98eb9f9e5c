//! Typed queries: `(&mut Position, &Velocity, Option<&Name>, With<Player>,
//! Without<Frozen>)` over every table that matches.

use crate::storage::archetype::Archetype;
use crate::storage::component::{Component, ComponentId, ComponentInfo, Components, TypeKey};
use crate::storage::entity::{Entity, Meta};
use crate::world::World;
use crate::world::error::EcsError;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// Takes `Q`'s borrows of `world`'s columns: all of them, or none and the
/// error naming the first conflict.
pub(crate) fn acquire<Q: Query>(world: &World, state: Q::State) -> Result<(), EcsError> {
    let mut taken = 0usize;
    let mut error = None;
    Q::access(state, &mut |id, mutable| {
        if error.is_none() {
            match world.flag(id).acquire(mutable) {
                Ok(()) => taken += 1,
                Err(found) => error = Some(world.borrowed(id, found)),
            }
        }
    });
    match error {
        None => Ok(()),
        Some(error) => {
            let mut index = 0;
            Q::access(state, &mut |id, mutable| {
                if index < taken {
                    world.flag(id).release(mutable);
                }
                index += 1;
            });
            Err(error)
        }
    }
}

/// Gives back the borrows [`acquire`] took.
pub(crate) fn release<Q: Query>(world: &World, state: Q::State) {
    Q::access(state, &mut |id, mutable| world.flag(id).release(mutable));
}

/// Which tables a query iterator walks: [`AllTables`] (testing each
/// against the query) or [`MatchedTables`] (those a [`PreparedQuery`]
/// matched). Two types rather than one enum, so that each loop is compiled
/// for its own case.
pub trait TableSet: Clone + sealed::Sealed {
    /// The next non-empty table that `state` matches.
    fn next_table<'w, Q: Query>(
        &mut self,
        archetypes: &'w [Archetype],
        state: Q::State,
    ) -> Option<&'w Archetype>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::AllTables {}
    impl Sealed for super::MatchedTables<'_> {}
}

/// Every table of the world, each tested against the query.
#[derive(Clone)]
pub struct AllTables(std::ops::Range<usize>);

impl TableSet for AllTables {
    #[inline(always)]
    fn next_table<'w, Q: Query>(
        &mut self,
        archetypes: &'w [Archetype],
        state: Q::State,
    ) -> Option<&'w Archetype> {
        self.0
            .by_ref()
            .map(|i| &archetypes[i])
            .find(|a| a.len() != 0 && Q::matches(state, a))
    }
}

/// The tables a [`PreparedQuery`] matched: no test per table.
#[derive(Clone)]
pub struct MatchedTables<'m>(std::slice::Iter<'m, u32>);

impl TableSet for MatchedTables<'_> {
    #[inline(always)]
    fn next_table<'w, Q: Query>(
        &mut self,
        archetypes: &'w [Archetype],
        _: Q::State,
    ) -> Option<&'w Archetype> {
        self.0
            .by_ref()
            .map(|&i| &archetypes[i as usize])
            .find(|a| a.len() != 0)
    }
}

/// The rows of every matching table, table by table.
///
/// `next` walks one table's rows with a bounds check and a pointer offset
/// per row, all inlined into the caller's loop; `for_each` and `fold` run
/// one tight loop per table.
pub struct QueryIter<'w, Q: Query, T: TableSet = AllTables> {
    archetypes: &'w [Archetype],
    meta: &'w [Meta],
    tables: T,
    state: Option<Q::State>,
    /// The current table's pointers; `Some` whenever `row < len`.
    fetch: Option<Q::Fetch>,
    row: usize,
    len: usize,
}

impl<'w, Q: Query> QueryIter<'w, Q> {
    /// Every table, each checked against `state`.
    ///
    /// # Safety
    /// The caller holds the access `Q` needs to `world`'s columns for `'w`,
    /// and `state` was resolved in this world.
    pub(crate) unsafe fn new(world: &'w World, state: Option<Q::State>) -> Self {
        // SAFETY: the caller's contract; `AllTables` tests every table.
        unsafe { Self::over(world, state, AllTables(0..world.archetypes.len())) }
    }
}

impl<'w, 'm, Q: Query> QueryIter<'w, Q, MatchedTables<'m>> {
    /// The tables `matched` (which `state` matches).
    ///
    /// # Safety
    /// As for `new`, and every index in `matched` is a table of `world`
    /// that `state` matches.
    pub(crate) unsafe fn matched(
        world: &'w World,
        state: Option<Q::State>,
        matched: &'m [u32],
    ) -> Self {
        // SAFETY: the caller's contract.
        unsafe { Self::over(world, state, MatchedTables(matched.iter())) }
    }
}

impl<'w, Q: Query, T: TableSet> QueryIter<'w, Q, T> {
    /// # Safety
    /// As for `new`, and `tables` yields only tables of `world` that
    /// `state` matches.
    unsafe fn over(world: &'w World, state: Option<Q::State>, tables: T) -> Self {
        QueryIter {
            archetypes: &world.archetypes,
            meta: world.entities.meta(),
            tables,
            state,
            fetch: None,
            row: 0,
            len: 0,
        }
    }

    /// The next non-empty matching table.
    #[inline(always)]
    fn next_archetype(&mut self) -> Option<&'w Archetype> {
        let state = self.state?;
        self.tables.next_table::<Q>(self.archetypes, state)
    }

    /// Moves to the next non-empty matching table; `false` at the end.
    #[inline(always)]
    fn advance(&mut self) -> bool {
        let Some(archetype) = self.next_archetype() else {
            return false;
        };
        let Some(state) = self.state else {
            return false;
        };
        self.fetch = Some(Q::fetch(state, archetype, self.meta));
        self.row = 0;
        self.len = archetype.len();
        true
    }

    /// Calls `f` on every item from the threads of rayon's global pool.
    ///
    /// The rows are shared out by themselves (guided self-scheduling):
    /// every thread, the calling one too, takes a share of the rows still
    /// left (a quarter of one thread's part of them, never less than one
    /// row) until none is left, so the first pieces are large (few atomic
    /// operations over many rows) and the last ones a row or so (no thread
    /// waits long for another at the end, even when rows cost different
    /// amounts or a thread is slowed by other work). Worth it when `f`
    /// does real work per row (hundreds of nanoseconds or more), or over
    /// hundreds of thousands of rows; for a cheap `f` over a few thousand
    /// rows a plain `for` loop is faster than waking threads.
    ///
    /// ```
    /// use playground_ecs::World;
    /// struct Mass(f32);
    /// let mut world = World::new();
    /// world.spawn_batch((0..1000).map(|i| (Mass(i as f32),)));
    /// world.query_mut::<&mut Mass>().par_for_each(|m| m.0 *= 2.0);
    /// assert_eq!(world.query_mut::<&Mass>().map(|m| m.0).sum::<f32>(), 999_000.0);
    /// ```
    pub fn par_for_each(mut self, f: impl Fn(Q::Item<'w>) + Send + Sync)
    where
        Q::Fetch: 'w,
    {
        // Each table's pointers, its first row to visit, and where its rows
        // start and end in the run of all rows, table after table.
        let mut pieces = Vec::new();
        let mut rows = 0;
        if let Some(fetch) = self.fetch
            && self.row < self.len
        {
            let end = rows + self.len - self.row;
            pieces.push((SendFetch(fetch), self.row, rows, end));
            rows = end;
        }
        while let Some(archetype) = self.next_archetype() {
            let state = self.state.expect("a table matched");
            let end = rows + archetype.len();
            pieces.push((
                SendFetch(Q::fetch(state, archetype, self.meta)),
                0,
                rows,
                end,
            ));
            rows = end;
        }
        let threads = rayon::current_num_threads();
        // Rows `from..to` of the run, table by table.
        let run = |from: usize, to: usize| {
            let first = pieces.partition_point(|&(_, _, _, end)| end <= from);
            for &(fetch, offset, start, end) in &pieces[first..] {
                if start >= to {
                    break;
                }
                let rows = (from.max(start) - start + offset)..(to.min(end) - start + offset);
                for row in rows {
                    // SAFETY: a row of this table (`offset` plus less than
                    // its `end - start` rows still to visit), which the
                    // query matches, under the access `new`'s caller
                    // holds; every row of the run is taken by one thread
                    // once (the cursor below), and items of distinct rows
                    // do not alias.
                    f(unsafe { Q::item(fetch.0, row) });
                }
            }
        };
        if threads <= 1 || rows <= 1 {
            run(0, rows);
            return;
        }
        let cursor = AtomicUsize::new(0);
        let work = || {
            let mut from = cursor.load(Ordering::Relaxed);
            while from < rows {
                let left = rows - from;
                let to = from + (left / (4 * threads)).clamp(1, left);
                match cursor.compare_exchange_weak(from, to, Ordering::Relaxed, Ordering::Relaxed) {
                    Ok(_) => {
                        run(from, to);
                        from = cursor.load(Ordering::Relaxed);
                    }
                    Err(now) => from = now,
                }
            }
        };
        // In place: the calling thread works too, with one helper fewer
        // than the pool has threads (one thread per core: more would only
        // take turns).
        rayon::in_place_scope(|scope| {
            for _ in 0..(threads - 1).min(rows - 1) {
                scope.spawn(|_| work());
            }
            work();
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

impl<'w, Q: Query, T: TableSet> Iterator for QueryIter<'w, Q, T> {
    type Item = Q::Item<'w>;

    #[inline(always)]
    fn next(&mut self) -> Option<Q::Item<'w>> {
        loop {
            if self.row < self.len {
                let row = self.row;
                self.row += 1;
                // SAFETY: `fetch` is `Some` whenever `row < len`.
                let fetch = unsafe { self.fetch.unwrap_unchecked() };
                // SAFETY: `fetch` is from a matching table, `row` is in
                // bounds, and `new`'s caller holds the access for `'w`.
                return Some(unsafe { Q::item(fetch, row) });
            }
            if !self.advance() {
                return None;
            }
        }
    }

    /// A tight loop per table (what `for_each` uses).
    #[inline]
    fn fold<B, F: FnMut(B, Q::Item<'w>) -> B>(mut self, init: B, mut f: F) -> B {
        let mut acc = init;
        if let Some(fetch) = self.fetch {
            for row in self.row..self.len {
                // SAFETY: as in `next`.
                acc = f(acc, unsafe { Q::item(fetch, row) });
            }
        }
        while let Some(archetype) = self.next_archetype() {
            let Some(state) = self.state else { break };
            let fetch = Q::fetch(state, archetype, self.meta);
            for row in 0..archetype.len() {
                // SAFETY: as in `next`.
                acc = f(acc, unsafe { Q::item(fetch, row) });
            }
        }
        acc
    }
}

/// The components a shared query uses, borrowed until it is dropped.
///
/// From [`World::query`], or [`PreparedQuery::query`] (which walks only
/// the tables it matched before).
pub struct QueryBorrow<'w, Q: Query, T: TableSet = AllTables> {
    world: &'w World,
    state: Option<Q::State>,
    tables: T,
}

impl<'w, Q: Query> QueryBorrow<'w, Q> {
    /// Takes `Q`'s borrows, for every table.
    pub(crate) fn new(world: &'w World, state: Option<Q::State>) -> Result<Self, EcsError> {
        Self::over(world, state, AllTables(0..world.archetypes.len()))
    }
}

impl<'w, Q: Query, T: TableSet> QueryBorrow<'w, Q, T> {
    /// Takes `Q`'s borrows, for `tables` (which `state` matches).
    fn over(world: &'w World, state: Option<Q::State>, tables: T) -> Result<Self, EcsError> {
        if let Some(state) = state {
            acquire::<Q>(world, state)?;
        }
        Ok(QueryBorrow {
            world,
            state,
            tables,
        })
    }

    /// The matching entities.
    pub fn iter(&mut self) -> QueryIter<'_, Q, T> {
        // SAFETY: the borrows taken in `over` give this query its access
        // for as long as `self` lives; `&mut self` keeps two iterators of
        // one borrow from overlapping. `tables` holds tables of this world
        // that the state matches (`AllTables` tests each;
        // `PreparedQuery::update` made `MatchedTables`).
        unsafe { QueryIter::over(self.world, self.state, self.tables.clone()) }
    }
}

impl<'a, 'w, Q: Query, T: TableSet> IntoIterator for &'a mut QueryBorrow<'w, Q, T> {
    type Item = Q::Item<'a>;
    type IntoIter = QueryIter<'a, Q, T>;
    fn into_iter(self) -> QueryIter<'a, Q, T> {
        self.iter()
    }
}

impl<Q: Query, T: TableSet> Drop for QueryBorrow<'_, Q, T> {
    fn drop(&mut self) {
        if let Some(state) = self.state {
            release::<Q>(self.world, state);
        }
    }
}

/// A query that finds its tables once: later runs look only at tables
/// created since, and walk the matched ones without testing any table (the
/// idea of hecs's `PreparedQuery` and bevy_ecs's `QueryState`). A run
/// allocates nothing.
///
/// ```
/// use playground_ecs::{PreparedQuery, World};
/// struct Pos(f32);
/// struct Vel(f32);
/// let mut world = World::new();
/// world.spawn((Pos(0.0), Vel(1.0)));
/// let mut query = PreparedQuery::<(&mut Pos, &Vel)>::new();
/// for _ in 0..2 {
///     for (p, v) in query.iter_mut(&mut world) {
///         p.0 += v.0;
///     }
/// }
/// world.spawn((Pos(0.0), Vel(5.0), 7u8)); // a new table, found on the next run
/// assert_eq!(query.iter_mut(&mut world).map(|(p, _)| p.0).sum::<f32>(), 2.0);
/// ```
pub struct PreparedQuery<Q: Query> {
    /// The world it was prepared in (0: none yet).
    world: u64,
    /// How many component types and tables the world had when last updated.
    components: usize,
    archetypes: usize,
    state: Option<Q::State>,
    matched: Vec<u32>,
}

impl<Q: Query> Default for PreparedQuery<Q> {
    fn default() -> Self {
        PreparedQuery {
            world: 0,
            components: 0,
            archetypes: 0,
            state: None,
            matched: Vec::new(),
        }
    }
}

impl<Q: Query> PreparedQuery<Q> {
    /// A query not yet prepared: it binds to the world of its first run
    /// (and starts over if later given another world).
    pub fn new() -> Self {
        Self::default()
    }

    /// Catches up with tables (and component types) created since the last
    /// run.
    fn update(&mut self, world: &World) {
        if self.world != world.id() || self.components != world.components.len() {
            self.world = world.id();
            self.components = world.components.len();
            self.state = Q::init(&world.components);
            if let Some(state) = self.state {
                check_aliasing::<Q>(state, &world.components);
            }
            self.archetypes = 0;
            self.matched.clear();
        }
        if let Some(state) = self.state {
            for (index, archetype) in world.archetypes.iter().enumerate().skip(self.archetypes) {
                if Q::matches(state, archetype) {
                    self.matched.push(index as u32);
                }
            }
        }
        self.archetypes = world.archetypes.len();
    }

    /// Every match, with exclusive access to the world.
    ///
    /// # Panics
    /// If `Q` would alias a `&mut` (see [`World::query_mut`]).
    pub fn iter_mut<'w>(&'w mut self, world: &'w mut World) -> QueryIter<'w, Q, MatchedTables<'w>> {
        self.update(world);
        // SAFETY: `&mut World` is exclusive access to every table; the
        // query does not alias within itself (checked in `update`), and
        // `matched` lists this world's tables that the state matches.
        unsafe { QueryIter::matched(world, self.state, &self.matched) }
    }

    /// Every match, through `&World`, borrowed as [`World::query`] does.
    pub fn query<'w>(
        &'w mut self,
        world: &'w World,
    ) -> Result<QueryBorrow<'w, Q, MatchedTables<'w>>, EcsError> {
        self.update(world);
        QueryBorrow::over(world, self.state, MatchedTables(self.matched.iter()))
    }

    /// How many tables it matched (empty ones included).
    pub fn matched_tables(&self) -> usize {
        self.matched.len()
    }
}
