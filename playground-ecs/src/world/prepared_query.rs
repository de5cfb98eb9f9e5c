//! [`PreparedQuery`]: a query that finds its tables once, then walks the
//! matched ones without testing any.

use crate::world::World;
use crate::world::error::EcsError;
use crate::world::query::{Query, check_aliasing};
use crate::world::query_borrow::QueryBorrow;
use crate::world::query_iter::{MatchedTables, QueryIter, SharedTables};
use std::sync::Arc;

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
    /// The indices of the tables it matched; shared with the iterators of
    /// a system's query ([`SharedTables`]), copied only if one is still
    /// alive when the list grows.
    matched: Arc<Vec<u32>>,
}

impl<Q: Query> Default for PreparedQuery<Q> {
    fn default() -> Self {
        PreparedQuery {
            world: 0,
            components: 0,
            archetypes: 0,
            state: None,
            matched: Arc::default(),
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
            Arc::make_mut(&mut self.matched).clear();
        }
        if let Some(state) = self.state
            && self.archetypes < world.archetypes.len()
        {
            let new = world.archetypes.iter().enumerate().skip(self.archetypes);
            let matched = new.filter(|(_, archetype)| Q::matches(state, archetype));
            Arc::make_mut(&mut self.matched).extend(matched.map(|(index, _)| index as u32));
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

    /// Every match, through `&World`, borrowed as [`World::query`] does,
    /// iterating a shared copy of the matched list: what a system's query
    /// runs.
    pub(crate) fn query_shared<'w>(
        &mut self,
        world: &'w World,
    ) -> Result<QueryBorrow<'w, Q, SharedTables>, EcsError> {
        self.update(world);
        QueryBorrow::over(world, self.state, SharedTables::new(self.matched.clone()))
    }

    /// How many tables it matched (empty ones included).
    pub fn matched_tables(&self) -> usize {
        self.matched.len()
    }
}
