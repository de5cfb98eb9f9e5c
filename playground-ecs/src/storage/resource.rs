//! The resource store: one slot per resource type (a clock, a score,
//! settings), each with its own borrow flag, as a component's column has.
//! The world's resource API is `World::insert_resource` and the rest, in
//! `world/resource.rs`.

use crate::storage::borrow::BorrowFlag;
use crate::storage::component::{Component, TypeKey, TypeMap};
use std::any::Any;
use std::cell::UnsafeCell;

/// A resource type's index in its world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ResourceId(pub u32);

type Boxed = Box<dyn Any + Send + Sync>;

pub(crate) struct Slot {
    pub(crate) name: &'static str,
    /// Written through `&World` only while `flag` is held exclusively.
    pub(crate) value: UnsafeCell<Option<Boxed>>,
    pub(crate) flag: BorrowFlag,
}

// SAFETY: the value is `Send + Sync`; through `&World` it is only reached
// under `flag` (shared for reads, exclusive for writes), and through
// `&mut World` no other reference exists.
unsafe impl Sync for Slot {}

/// Every resource type a world has seen, present or not.
#[derive(Default)]
pub(crate) struct Resources {
    pub(crate) slots: Vec<Slot>,
    by_type: TypeMap<ResourceId>,
}

impl Resources {
    pub(crate) fn id<R: Component>(&mut self) -> ResourceId {
        if let Some(&id) = self.by_type.get(&TypeKey::of::<R>()) {
            return id;
        }
        let id = ResourceId(u32::try_from(self.slots.len()).expect("too many resource types"));
        self.slots.push(Slot {
            name: std::any::type_name::<R>(),
            value: UnsafeCell::new(None),
            flag: BorrowFlag::default(),
        });
        self.by_type.insert(TypeKey::of::<R>(), id);
        id
    }

    pub(crate) fn get<R: Component>(&self) -> Option<ResourceId> {
        self.lookup(TypeKey::of::<R>())
    }

    /// The id of the type `key`, if it was ever seen.
    pub fn lookup(&self, key: TypeKey) -> Option<ResourceId> {
        self.by_type.get(&key).copied()
    }

    pub fn name(&self, id: ResourceId) -> &'static str {
        self.slots[id.0 as usize].name
    }

    pub(crate) fn value_mut(&mut self, id: ResourceId) -> &mut Option<Boxed> {
        self.slots[id.0 as usize].value.get_mut()
    }
}
