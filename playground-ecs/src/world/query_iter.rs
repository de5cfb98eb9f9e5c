//! Walking a query's tables: a [`QueryIter`] over [`AllTables`] (each
//! tested against the query), the [`MatchedTables`] of a prepared query or
//! the [`SharedTables`] of a system's query (their column pointers found
//! before the run), one tight loop per table, or in parallel.

use crate::storage::archetype::Archetype;
use crate::storage::entity::Meta;
use crate::world::World;
use crate::world::query::Query;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Which tables a query iterator walks: [`AllTables`] (testing each
/// against the query), [`MatchedTables`] (those a
/// [`PreparedQuery`](crate::PreparedQuery) matched, with their column
/// pointers) or [`SharedTables`] (the same list, shared with the query a
/// system keeps). Types rather than one enum, so that each loop is compiled
/// for its own case.
pub trait TableSet<Q: Query>: Clone + sealed::Sealed {
    /// What an iterator over these tables walks: the same tables, borrowed
    /// from the set where it can be (a [`SharedTables`] lends its list as
    /// [`MatchedTables`]).
    type Walk<'a>: TableSet<Q>
    where
        Self: 'a;
    /// The tables to walk, from the start.
    fn walk(&self) -> Self::Walk<'_>;
    /// The next non-empty table that `state` matches: its pointers and
    /// number of rows.
    fn next_table(
        &mut self,
        archetypes: &[Archetype],
        meta: &[Meta],
        state: Q::State,
    ) -> Option<(Q::Fetch, usize)>;
}

mod sealed {
    use crate::world::query::Query;
    pub trait Sealed {}
    impl Sealed for super::AllTables {}
    impl<Q: Query> Sealed for super::MatchedTables<'_, Q> {}
    impl<Q: Query> Sealed for super::SharedTables<Q> {}
}

/// Every table of the world, each tested against the query.
#[derive(Clone)]
pub struct AllTables(pub(crate) std::ops::Range<usize>);

impl<Q: Query> TableSet<Q> for AllTables {
    type Walk<'a> = AllTables;
    #[inline(always)]
    fn walk(&self) -> AllTables {
        self.clone()
    }
    #[inline(always)]
    fn next_table(
        &mut self,
        archetypes: &[Archetype],
        meta: &[Meta],
        state: Q::State,
    ) -> Option<(Q::Fetch, usize)> {
        let table = self
            .0
            .by_ref()
            .map(|i| &archetypes[i])
            .find(|a| a.len() != 0 && Q::matches(state, a))?;
        Some((Q::fetch(state, table, meta), table.len()))
    }
}

/// The non-empty tables a [`PreparedQuery`](crate::PreparedQuery)
/// matched, each with its column pointers and number of rows, found
/// before the run: no table looked up, no column searched.
pub struct MatchedTables<'m, Q: Query>(pub(crate) std::slice::Iter<'m, (Q::Fetch, usize)>);

impl<Q: Query> Clone for MatchedTables<'_, Q> {
    fn clone(&self) -> Self {
        MatchedTables(self.0.clone())
    }
}

impl<'m, Q: Query> TableSet<Q> for MatchedTables<'m, Q> {
    type Walk<'a>
        = MatchedTables<'m, Q>
    where
        Self: 'a;
    #[inline(always)]
    fn walk(&self) -> MatchedTables<'m, Q> {
        self.clone()
    }
    #[inline(always)]
    fn next_table(
        &mut self,
        _: &[Archetype],
        _: &[Meta],
        _: Q::State,
    ) -> Option<(Q::Fetch, usize)> {
        self.0.next().copied()
    }
}

/// The tables a system's query matched, as [`MatchedTables`], shared with
/// the [`PreparedQuery`](crate::PreparedQuery) the system keeps for it (so
/// that the query can be used while the system asks for others).
pub struct SharedTables<Q: Query> {
    tables: Arc<TablePointers<Q>>,
    next: usize,
}

impl<Q: Query> Clone for SharedTables<Q> {
    fn clone(&self) -> Self {
        SharedTables {
            tables: Arc::clone(&self.tables),
            next: self.next,
        }
    }
}

impl<Q: Query> SharedTables<Q> {
    pub(crate) fn new(tables: Arc<TablePointers<Q>>) -> Self {
        SharedTables { tables, next: 0 }
    }
}

impl<Q: Query> TableSet<Q> for SharedTables<Q> {
    type Walk<'a>
        = MatchedTables<'a, Q>
    where
        Self: 'a;
    #[inline(always)]
    fn walk(&self) -> MatchedTables<'_, Q> {
        MatchedTables(self.tables.0[self.next..].iter())
    }
    #[inline(always)]
    fn next_table(
        &mut self,
        _: &[Archetype],
        _: &[Meta],
        _: Q::State,
    ) -> Option<(Q::Fetch, usize)> {
        let table = *self.tables.0.get(self.next)?;
        self.next += 1;
        Some(table)
    }
}

/// A prepared query's non-empty matched tables: each one's column pointers
/// and number of rows, valid while the world's tables are unchanged (see
/// `PreparedQuery`, which checks that before handing them to an iterator).
pub(crate) struct TablePointers<Q: Query>(pub(crate) Vec<(Q::Fetch, usize)>);

impl<Q: Query> Clone for TablePointers<Q> {
    fn clone(&self) -> Self {
        TablePointers(self.0.clone())
    }
}

impl<Q: Query> Default for TablePointers<Q> {
    fn default() -> Self {
        TablePointers(Vec::new())
    }
}

// SAFETY: the pointers are into the columns of one world's tables, of
// `Component` types (`Send + Sync`). Holding them reads nothing; they are
// read only by an iterator made under a borrow of that world (`&mut World`,
// or `&World` with the query's column borrows taken), after the world's
// id and count of table writes were checked to be those they were taken
// at, and through items whose access the query declared.
unsafe impl<Q: Query> Send for TablePointers<Q> {}
// SAFETY: as above.
unsafe impl<Q: Query> Sync for TablePointers<Q> {}

/// The rows of every matching table, table by table.
///
/// `next` walks one table's rows with a bounds check and a pointer offset
/// per row, all inlined into the caller's loop; `for_each` and `fold` run
/// one tight loop per table.
pub struct QueryIter<'w, Q: Query, T: TableSet<Q> = AllTables> {
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

impl<'w, 'm, Q: Query> QueryIter<'w, Q, MatchedTables<'m, Q>> {
    /// The tables `matched`, with their pointers.
    ///
    /// # Safety
    /// As for `new`, and every entry of `matched` holds the pointers and
    /// number of rows of a table of `world` that `state` matches, as the
    /// table is now.
    pub(crate) unsafe fn matched(
        world: &'w World,
        state: Option<Q::State>,
        matched: &'m [(Q::Fetch, usize)],
    ) -> Self {
        // SAFETY: the caller's contract.
        unsafe { Self::over(world, state, MatchedTables(matched.iter())) }
    }
}

impl<'w, Q: Query, T: TableSet<Q>> QueryIter<'w, Q, T> {
    /// # Safety
    /// As for `new`, and `tables` yields only tables of `world` that
    /// `state` matches.
    pub(crate) unsafe fn over(world: &'w World, state: Option<Q::State>, tables: T) -> Self {
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

    /// The next non-empty matching table: its pointers and number of rows.
    #[inline(always)]
    fn next_table(&mut self) -> Option<(Q::Fetch, usize)> {
        let state = self.state?;
        self.tables.next_table(self.archetypes, self.meta, state)
    }

    /// Moves to the next non-empty matching table; `false` at the end.
    #[inline(always)]
    fn advance(&mut self) -> bool {
        let Some((fetch, len)) = self.next_table() else {
            return false;
        };
        self.fetch = Some(fetch);
        self.row = 0;
        self.len = len;
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
        while let Some((fetch, len)) = self.next_table() {
            let end = rows + len;
            pieces.push((SendFetch(fetch), 0, rows, end));
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

impl<'w, Q: Query, T: TableSet<Q>> Iterator for QueryIter<'w, Q, T> {
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
        while let Some((fetch, len)) = self.next_table() {
            for row in 0..len {
                // SAFETY: as in `next`.
                acc = f(acc, unsafe { Q::item(fetch, row) });
            }
        }
        acc
    }
}
