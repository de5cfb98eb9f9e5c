//! [`PreparedQuery`]: a query that finds its tables once, then walks the
//! matched ones without testing any, by column pointers it keeps while the
//! world's tables are unchanged.

use crate::world::World;
use crate::world::error::EcsError;
use crate::world::query::{Query, check_aliasing};
use crate::world::query_borrow::QueryBorrow;
use crate::world::query_iter::{MatchedTables, QueryIter, SharedTables, TablePointers};
use std::sync::Arc;

/// A query that finds its tables once: later runs look only at tables
/// created since, and walk the matched ones without testing any table (the
/// idea of hecs's `PreparedQuery` and bevy_ecs's `QueryState`). It also
/// keeps each matched table's column pointers and number of rows, taken
/// again only after a table changed (an entity spawned, despawned, or
/// given or rid of a component): a run over unchanged tables walks a flat
/// list, with no table looked up and no column searched. A run allocates
/// nothing once the list has room for every matched table.
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
    /// The indices of the tables it matched.
    matched: Vec<u32>,
    /// The non-empty matched tables' pointers and numbers of rows; shared
    /// with the iterators of a system's query ([`SharedTables`]), copied
    /// only if one is still alive when they are taken again.
    pointers: Arc<TablePointers<Q>>,
    /// What the world's tables were when `pointers` were taken: its count
    /// of table writes, and where its entity records were and how many
    /// (`Entity` items read them). `None`: not taken.
    taken_at: Option<(u64, usize, usize)>,
}

impl<Q: Query> Default for PreparedQuery<Q> {
    fn default() -> Self {
        PreparedQuery {
            world: 0,
            components: 0,
            archetypes: 0,
            state: None,
            matched: Vec::new(),
            pointers: Arc::default(),
            taken_at: None,
        }
    }
}

impl<Q: Query> PreparedQuery<Q> {
    /// A query not yet prepared: it binds to the world of its first run
    /// (and starts over if later given another world).
    pub fn new() -> Self {
        Self::default()
    }

    /// Catches up with the world's tables (and component types) if they
    /// changed since the last run: compares integers only, unless they did.
    #[inline]
    fn update(&mut self, world: &World) {
        let meta = world.entities.meta();
        let now = (
            world.archetypes.writes(),
            meta.as_ptr() as usize,
            meta.len(),
        );
        if self.world != world.id()
            || self.components != world.components.len()
            || self.archetypes != world.archetypes.len()
            || self.taken_at != Some(now)
        {
            self.refresh(world, now);
        }
    }

    /// Matches the tables (and component types) created since the last run
    /// and takes the matched tables' pointers again.
    #[cold]
    #[inline(never)]
    fn refresh(&mut self, world: &World, now: (u64, usize, usize)) {
        if self.world != world.id() || self.components != world.components.len() {
            self.world = world.id();
            self.components = world.components.len();
            self.state = Q::init(&world.components);
            if let Some(state) = self.state {
                check_aliasing::<Q>(state, &world.components);
            }
            self.archetypes = 0;
            self.matched.clear();
            Arc::make_mut(&mut self.pointers).0.clear();
            self.taken_at = None;
        }
        if let Some(state) = self.state
            && self.archetypes < world.archetypes.len()
        {
            let new = world.archetypes.iter().enumerate().skip(self.archetypes);
            let matched = new.filter(|(_, archetype)| Q::matches(state, archetype));
            self.matched.extend(matched.map(|(index, _)| index as u32));
        }
        self.archetypes = world.archetypes.len();
        if self.taken_at != Some(now) {
            if let Some(state) = self.state {
                let meta = world.entities.meta();
                let pointers = &mut Arc::make_mut(&mut self.pointers).0;
                pointers.clear();
                for &index in &self.matched {
                    let table = &world.archetypes[index as usize];
                    if table.len() != 0 {
                        pointers.push((Q::fetch(state, table, meta), table.len()));
                    }
                }
            }
            self.taken_at = Some(now);
        }
    }

    /// Every match, with exclusive access to the world.
    ///
    /// # Panics
    /// If `Q` would alias a `&mut` (see [`World::query_mut`]).
    pub fn iter_mut<'w>(
        &'w mut self,
        world: &'w mut World,
    ) -> QueryIter<'w, Q, MatchedTables<'w, Q>> {
        self.update(world);
        // SAFETY: `&mut World` is exclusive access to every table; the
        // query does not alias within itself (checked in `update`), and
        // `pointers` are those of this world's tables that the state
        // matches, taken since the last write to any table (`update`).
        unsafe { QueryIter::matched(world, self.state, &self.pointers.0) }
    }

    /// Every match, through `&World`, borrowed as [`World::query`] does.
    pub fn query<'w>(
        &'w mut self,
        world: &'w World,
    ) -> Result<QueryBorrow<'w, Q, MatchedTables<'w, Q>>, EcsError> {
        self.update(world);
        QueryBorrow::over(world, self.state, MatchedTables(self.pointers.0.iter()))
    }

    /// Every match, through `&World`, borrowed as [`World::query`] does,
    /// iterating a shared copy of the matched list: what a system's query
    /// runs.
    #[inline]
    pub(crate) fn query_shared<'w>(
        &mut self,
        world: &'w World,
    ) -> Result<QueryBorrow<'w, Q, SharedTables<Q>>, EcsError> {
        self.update(world);
        QueryBorrow::over(
            world,
            self.state,
            SharedTables::new(Arc::clone(&self.pointers)),
        )
    }

    /// How many tables it matched (empty ones included).
    pub fn matched_tables(&self) -> usize {
        self.matched.len()
    }
}
