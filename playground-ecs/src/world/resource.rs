//! Resources: one value per type, beside the entities (a clock, a score,
//! settings), borrowed through `&World` with the same checked flags as
//! components. This file holds `World`'s resource API; the slots are in
//! `storage/resource.rs`.

use crate::storage::borrow::{Ref, RefMut, taken_how};
use crate::storage::component::Component;
use crate::storage::resource::ResourceId;
use crate::world::World;
use crate::world::error::EcsError;

fn missing<R>() -> EcsError {
    EcsError::NoResource {
        resource: std::any::type_name::<R>(),
    }
}

impl World {
    /// Adds (or replaces) the resource of type `R`; returns the old one.
    ///
    /// ```
    /// use playground_ecs::World;
    /// struct Score(u32);
    /// let mut world = World::new();
    /// world.insert_resource(Score(1));
    /// world.resource_mut::<Score>().unwrap().0 += 1;
    /// assert_eq!(world.resource::<Score>().unwrap().0, 2);
    /// assert_eq!(world.remove_resource::<Score>().map(|s| s.0), Some(2));
    /// assert!(!world.has_resource::<Score>());
    /// ```
    pub fn insert_resource<R: Component>(&mut self, value: R) -> Option<R> {
        let id = self.resources.id::<R>();
        let old = self.resources.value_mut(id).replace(Box::new(value));
        old.map(|old| *old.downcast::<R>().expect("slot of type R"))
    }

    /// Removes the resource of type `R` and returns it.
    pub fn remove_resource<R: Component>(&mut self) -> Option<R> {
        let id = self.resources.get::<R>()?;
        let old = self.resources.value_mut(id).take()?;
        Some(*old.downcast::<R>().expect("slot of type R"))
    }

    /// Whether there is a resource of type `R`.
    pub fn has_resource<R: Component>(&self) -> bool {
        self.resources.get::<R>().is_some_and(|id| {
            let slot = &self.resources.slots[id.0 as usize];
            if slot.flag.acquire(false).is_err() {
                // Held mutably: only a present value can be.
                return true;
            }
            // SAFETY: the shared flag is held: no writer exists.
            let present = unsafe { (*slot.value.get()).is_some() };
            slot.flag.release(false);
            present
        })
    }

    /// The resource of type `R`, borrowed until the guard is dropped.
    pub fn resource<R: Component>(&self) -> Result<Ref<'_, R>, EcsError> {
        let id = self.resources.get::<R>().ok_or_else(missing::<R>)?;
        self.resource_ref(id)
    }

    /// The resource of type `R`, mutably.
    pub fn resource_mut<R: Component>(&mut self) -> Result<&mut R, EcsError> {
        let id = self.resources.get::<R>().ok_or_else(missing::<R>)?;
        self.resources
            .value_mut(id)
            .as_mut()
            .and_then(|value| value.downcast_mut::<R>())
            .ok_or_else(missing::<R>)
    }

    /// The id of resource type `R`, registering it (without a value).
    pub(crate) fn resource_id<R: Component>(&mut self) -> ResourceId {
        self.resources.id::<R>()
    }

    /// The name of resource type `id`.
    pub(crate) fn resource_name(&self, id: ResourceId) -> &'static str {
        self.resources.name(id)
    }

    /// Resource `id` (of type `R`), shared, checked against its flag.
    pub(crate) fn resource_ref<R: Component>(
        &self,
        id: ResourceId,
    ) -> Result<Ref<'_, R>, EcsError> {
        let slot = &self.resources.slots[id.0 as usize];
        slot.flag
            .acquire(false)
            .map_err(|state| EcsError::Borrowed {
                component: slot.name,
                how: taken_how(state),
            })?;
        // SAFETY: the shared flag is held: no writer exists until the guard
        // (which releases it) is dropped.
        let value = unsafe { &*slot.value.get() };
        match value.as_ref().and_then(|v| v.downcast_ref::<R>()) {
            // SAFETY: the flag is held shared for this value.
            Some(value) => Ok(unsafe { Ref::new(value, &slot.flag) }),
            None => {
                slot.flag.release(false);
                Err(missing::<R>())
            }
        }
    }

    /// Resource `id` (of type `R`), exclusively, checked against its flag.
    pub(crate) fn resource_ref_mut<R: Component>(
        &self,
        id: ResourceId,
    ) -> Result<RefMut<'_, R>, EcsError> {
        let slot = &self.resources.slots[id.0 as usize];
        slot.flag
            .acquire(true)
            .map_err(|state| EcsError::Borrowed {
                component: slot.name,
                how: taken_how(state),
            })?;
        // SAFETY: the exclusive flag is held: no other reference to the
        // value exists until the guard (which releases it) is dropped.
        let value = unsafe { &mut *slot.value.get() };
        match value.as_mut().and_then(|v| v.downcast_mut::<R>()) {
            // SAFETY: the flag is held exclusively for this value.
            Some(value) => Ok(unsafe { RefMut::new(value, &slot.flag) }),
            None => {
                slot.flag.release(true);
                Err(missing::<R>())
            }
        }
    }
}
