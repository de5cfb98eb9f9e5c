//! Running a query on a world: `World::query_mut`, with exclusive access,
//! and `World::query`, through `&World`, whose [`QueryBorrow`] holds the
//! columns' borrows until it drops.

use crate::storage::component::ComponentId;
use crate::world::World;
use crate::world::error::EcsError;
use crate::world::query::{Query, check_aliasing};
use crate::world::query_iter::{AllTables, QueryIter, TableSet};

/// Takes `Q`'s borrows of `world`'s columns: all of them, or none and the
/// error naming the first conflict.
#[inline]
pub(crate) fn acquire<Q: Query>(world: &World, state: Q::State) -> Result<(), EcsError> {
    let mut taken = 0usize;
    let mut conflict = None;
    Q::access(state, &mut |id, mutable| {
        if conflict.is_none() {
            match world.flag(id).acquire(mutable) {
                Ok(()) => taken += 1,
                Err(found) => conflict = Some((id, found)),
            }
        }
    });
    match conflict {
        None => Ok(()),
        Some((id, found)) => Err(give_back::<Q>(world, state, taken, id, found)),
    }
}

/// Gives back the first `taken` borrows [`acquire`] took before it found
/// component `id` borrowed (`found`), and makes the error.
#[cold]
#[inline(never)]
fn give_back<Q: Query>(
    world: &World,
    state: Q::State,
    taken: usize,
    id: ComponentId,
    found: isize,
) -> EcsError {
    let mut index = 0;
    Q::access(state, &mut |id, mutable| {
        if index < taken {
            world.flag(id).release(mutable);
        }
        index += 1;
    });
    world.borrowed(id, found)
}

/// Gives back the borrows [`acquire`] took.
#[inline]
pub(crate) fn release<Q: Query>(world: &World, state: Q::State) {
    Q::access(state, &mut |id, mutable| world.flag(id).release(mutable));
}

/// The components a shared query uses, borrowed until it is dropped.
///
/// From [`World::query`], or
/// [`PreparedQuery::query`](crate::PreparedQuery::query) (which walks only
/// the tables it matched before).
pub struct QueryBorrow<'w, Q: Query, T: TableSet<Q> = AllTables> {
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

impl<'w, Q: Query, T: TableSet<Q>> QueryBorrow<'w, Q, T> {
    /// Takes `Q`'s borrows, for `tables` (which `state` matches).
    #[inline]
    pub(crate) fn over(
        world: &'w World,
        state: Option<Q::State>,
        tables: T,
    ) -> Result<Self, EcsError> {
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
    pub fn iter(&mut self) -> QueryIter<'_, Q, T::Walk<'_>> {
        // SAFETY: the borrows taken in `over` give this query its access
        // for as long as `self` lives; `&mut self` keeps two iterators of
        // one borrow from overlapping. `tables` holds tables of this world
        // that the state matches (`AllTables` tests each;
        // `PreparedQuery::update` made `MatchedTables` and `SharedTables`,
        // whose pointers it checked are current under this borrow of the
        // world, which no write can follow while `'w` lasts).
        unsafe { QueryIter::over(self.world, self.state, self.tables.walk()) }
    }
}

impl<'a, 'w, Q: Query, T: TableSet<Q>> IntoIterator for &'a mut QueryBorrow<'w, Q, T> {
    type Item = Q::Item<'a>;
    type IntoIter = QueryIter<'a, Q, T::Walk<'a>>;
    fn into_iter(self) -> QueryIter<'a, Q, T::Walk<'a>> {
        self.iter()
    }
}

impl<Q: Query, T: TableSet<Q>> Drop for QueryBorrow<'_, Q, T> {
    fn drop(&mut self) {
        if let Some(state) = self.state {
            release::<Q>(self.world, state);
        }
    }
}

impl World {
    /// Every entity matching `Q`, with exclusive access to the world. Looks
    /// the query's types up and allocates nothing; [`PreparedQuery`]
    /// also skips testing every table on each run.
    ///
    /// [`PreparedQuery`]: crate::PreparedQuery
    ///
    /// # Panics
    /// If `Q` asks for one component mutably and a second time
    /// (`(&mut A, &A)`): that would alias a `&mut`.
    pub fn query_mut<Q: Query>(&mut self) -> QueryIter<'_, Q> {
        let state = Q::init(&self.components);
        if let Some(state) = state {
            check_aliasing::<Q>(state, &self.components);
        }
        // SAFETY: `&mut self` is exclusive access to every table, and the
        // query does not alias within itself (checked).
        unsafe { QueryIter::new(self, state) }
    }

    /// Every entity matching `Q`, through `&self`: several such queries can
    /// run at once (on several threads) as long as no component is written
    /// by one and used by another; a conflict is an error, not a data race.
    ///
    /// # Panics
    /// As [`World::query_mut`].
    pub fn query<Q: Query>(&self) -> Result<QueryBorrow<'_, Q>, EcsError> {
        let state = Q::init(&self.components);
        if let Some(state) = state {
            check_aliasing::<Q>(state, &self.components);
        }
        QueryBorrow::new(self, state)
    }
}
