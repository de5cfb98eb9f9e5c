//! [`QueryCache`]: the queries a system asked for, kept prepared between
//! its runs, so that a run finds its tables and columns without a hash
//! lookup.

use crate::world::prepared_query::PreparedQuery;
use crate::world::query::Query;
use std::any::{Any, TypeId};

/// One system's prepared queries, one per query type, found by comparing
/// type ids (a system asks for a handful), each checked against the
/// system's declaration in one world.
#[derive(Default)]
pub(crate) struct QueryCache {
    /// The world the queries were checked in (0: none yet).
    world: u64,
    queries: Vec<(TypeId, Box<dyn Any + Send + Sync>)>,
}

impl QueryCache {
    /// Starts over if the system now runs in another world than before.
    pub(crate) fn in_world(&mut self, world: u64) {
        if self.world != world {
            self.world = world;
            self.queries.clear();
        }
    }

    /// The prepared query for `Q`, if the system asked for it before.
    #[inline]
    pub(crate) fn get<Q: Query + 'static>(&mut self) -> Option<&mut PreparedQuery<Q>> {
        let id = TypeId::of::<PreparedQuery<Q>>();
        let (_, query) = self.queries.iter_mut().find(|(key, _)| *key == id)?;
        let query: *mut (dyn Any + Send + Sync) = &mut **query;
        // SAFETY: `insert` keys every box by the `TypeId` of the
        // `PreparedQuery` it holds, and no entry's key or box is replaced
        // alone, so this box holds a `PreparedQuery<Q>`: the check
        // `downcast_mut` would make again, through the vtable, on every
        // run of the system. The pointer comes from the `&mut` borrow of
        // `self`, which the result keeps.
        Some(unsafe { &mut *query.cast::<PreparedQuery<Q>>() })
    }

    /// Keeps a new prepared query for `Q`.
    pub(crate) fn insert<Q: Query + 'static>(&mut self) -> &mut PreparedQuery<Q> {
        self.queries.push((
            TypeId::of::<PreparedQuery<Q>>(),
            Box::new(PreparedQuery::<Q>::new()),
        ));
        let (_, query) = self.queries.last_mut().expect("just pushed");
        query.downcast_mut().expect("a `PreparedQuery<Q>`")
    }

    /// Forgets every query (the system's declared access changed, so each
    /// must be checked against it again).
    pub(crate) fn clear(&mut self) {
        self.queries.clear();
    }
}
