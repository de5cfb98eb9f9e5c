//! [`SystemWorld`]: the world as a running system sees it, only what it
//! declared.

use crate::storage::borrow::{Ref, RefMut};
use crate::storage::component::{Component, ComponentInfo, TypeKey};
use crate::storage::entity::Entity;
use crate::storage::resource::ResourceId;
use crate::system::access::{Access, undeclared};
use crate::system::query_cache::QueryCache;
use crate::world::World;
use crate::world::command::{CommandBuffer, Commands};
use crate::world::error::EcsError;
use crate::world::query::Query;
use crate::world::query_borrow::QueryBorrow;
use crate::world::query_iter::SharedTables;
use std::cell::RefCell;

/// The world as a running system sees it: the components and resources it
/// declared, borrowed through checked guards, and a command buffer.
pub struct SystemWorld<'w> {
    pub(crate) world: &'w World,
    pub(crate) access: &'w Access,
    pub(crate) commands: RefCell<CommandBuffer>,
    /// The system's queries, prepared in earlier runs.
    pub(crate) queries: RefCell<&'w mut QueryCache>,
}

impl<'w> SystemWorld<'w> {
    /// Errs unless the system declared every type `Q` uses.
    fn check<Q: Query>(&self) -> Result<(), EcsError> {
        let mut error = None;
        Q::for_each_type(&mut |key, info: fn() -> ComponentInfo, mutable| {
            if error.is_some() {
                return;
            }
            let declared = self
                .world
                .components
                .lookup(key)
                .is_some_and(|id| self.access.allows(id, mutable));
            if !declared {
                error = Some(undeclared(info().name, mutable, false));
            }
        });
        error.map_or(Ok(()), Err)
    }

    /// Every entity matching `Q`, borrowed as [`World::query`] does. Every
    /// type `Q` uses must be declared.
    ///
    /// The system keeps the query prepared between runs: the first run
    /// checks it against the declaration and finds its tables; later runs
    /// only look at tables created since, with no lookup by type.
    #[inline]
    pub fn query<Q: Query + 'static>(
        &self,
    ) -> Result<QueryBorrow<'w, Q, SharedTables<Q>>, EcsError> {
        let mut queries = self.queries.borrow_mut();
        let prepared = match queries.get::<Q>() {
            Some(prepared) => prepared,
            None => {
                self.check::<Q>()?;
                queries.insert::<Q>()
            }
        };
        prepared.query_shared(self.world)
    }

    /// `entity`'s `T` (declared read or written).
    pub fn get<T: Component>(&self, entity: Entity) -> Result<Ref<'w, T>, EcsError> {
        self.check::<&T>()?;
        self.world.get::<T>(entity)
    }

    /// `entity`'s `T`, mutably (declared written).
    pub fn get_mut<T: Component>(&self, entity: Entity) -> Result<RefMut<'w, T>, EcsError> {
        self.check::<&mut T>()?;
        self.world.get_ref_mut::<T>(entity)
    }

    /// Whether `entity` has a `T` (no declaration needed: it reads no
    /// value).
    pub fn has<T: Component>(&self, entity: Entity) -> Result<bool, EcsError> {
        self.world.has::<T>(entity)
    }

    /// Whether `entity` is alive.
    pub fn contains(&self, entity: Entity) -> bool {
        self.world.contains(entity)
    }

    /// How many entities are alive.
    pub fn len(&self) -> u32 {
        self.world.len()
    }

    /// Whether no entity is alive.
    pub fn is_empty(&self) -> bool {
        self.world.is_empty()
    }

    fn resource_id<R: Component>(&self, mutable: bool) -> Result<ResourceId, EcsError> {
        let name = std::any::type_name::<R>();
        let id = self
            .world
            .resources
            .lookup(TypeKey::of::<R>())
            .ok_or_else(|| undeclared(name, mutable, true))?;
        if self.access.allows_resource(id, mutable) {
            Ok(id)
        } else {
            Err(undeclared(self.world.resource_name(id), mutable, true))
        }
    }

    /// The resource `R` (declared read or written).
    pub fn resource<R: Component>(&self) -> Result<Ref<'w, R>, EcsError> {
        let id = self.resource_id::<R>(false)?;
        self.world.resource_ref(id)
    }

    /// The resource `R`, mutably (declared written).
    pub fn resource_mut<R: Component>(&self) -> Result<RefMut<'w, R>, EcsError> {
        let id = self.resource_id::<R>(true)?;
        self.world.resource_ref_mut(id)
    }

    /// The system's command buffer: spawn, despawn, insert, remove and
    /// resources, applied at the end of its stage.
    pub fn commands(&self) -> Commands<'_> {
        Commands::new(self.world, &self.commands)
    }
}
