//! Walking a query's tables: a [`QueryIter`] over [`AllTables`] (each
//! tested against the query), the [`MatchedTables`] of a prepared query or
//! the [`SharedTables`] of a system's query, one tight loop per table, or
//! in parallel.

use crate::storage::archetype::Archetype;
use crate::storage::entity::Meta;
use crate::world::World;
use crate::world::query::Query;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Which tables a query iterator walks: [`AllTables`] (testing each
/// against the query), [`MatchedTables`] (those a
/// [`PreparedQuery`](crate::PreparedQuery) matched) or [`SharedTables`]
/// (the same list, shared with the query a system keeps). Types rather
/// than one enum, so that each loop is compiled for its own case.
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
    impl Sealed for super::SharedTables {}
}

/// Every table of the world, each tested against the query.
#[derive(Clone)]
pub struct AllTables(pub(crate) std::ops::Range<usize>);

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

/// The tables a [`PreparedQuery`](crate::PreparedQuery) matched: no test
/// per table.
#[derive(Clone)]
pub struct MatchedTables<'m>(pub(crate) std::slice::Iter<'m, u32>);

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

/// The tables a system's query matched, shared with the
/// [`PreparedQuery`](crate::PreparedQuery) the system keeps for it (so
/// that the query can be used while the system asks for others): no test
/// per table.
#[derive(Clone)]
pub struct SharedTables {
    tables: Arc<Vec<u32>>,
    next: usize,
}

impl SharedTables {
    pub(crate) fn new(tables: Arc<Vec<u32>>) -> Self {
        SharedTables { tables, next: 0 }
    }
}

impl TableSet for SharedTables {
    #[inline(always)]
    fn next_table<'w, Q: Query>(
        &mut self,
        archetypes: &'w [Archetype],
        _: Q::State,
    ) -> Option<&'w Archetype> {
        while let Some(&i) = self.tables.get(self.next) {
            self.next += 1;
            let archetype = &archetypes[i as usize];
            if archetype.len() != 0 {
                return Some(archetype);
            }
        }
        None
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
