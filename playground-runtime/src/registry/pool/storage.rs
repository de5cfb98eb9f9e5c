//! A pool's storage: generational slots behind a `std::sync::RwLock`.

use crate::registry::pool::handle::PoolHandle;
use std::sync::RwLock;

pub(crate) struct Slot<M> {
    /// Bumped when the value is removed; a slot whose generation reached
    /// `u32::MAX` is retired rather than reused.
    pub(crate) generation: u32,
    pub(crate) value: Option<M>,
}

pub(crate) struct Table<M> {
    pub(crate) slots: Vec<Slot<M>>,
    /// Empty slots to reuse, last freed first.
    pub(crate) free: Vec<u32>,
    pub(crate) len: usize,
}

/// The storage a pool's handles share, and the registry keeps. A
/// `std::sync::RwLock` (a futex word, no global state): the host and every
/// library lock it with their own copy of the code, which a lock with a
/// global parking table (parking_lot's) would not allow.
pub(crate) struct PoolStorage<M> {
    /// Names the pool in its handles: the same for every build of it,
    /// migrated or not, so handles stay valid across reloads.
    pub(crate) id: u64,
    pub(crate) table: RwLock<Table<M>>,
}

impl<M> PoolStorage<M> {
    pub(crate) fn new(id: u64) -> Self {
        PoolStorage {
            id,
            table: RwLock::new(Table {
                slots: Vec::new(),
                free: Vec::new(),
                len: 0,
            }),
        }
    }
}

#[inline(always)]
pub(crate) fn live<M>(slots: &[Slot<M>], id: u64, handle: PoolHandle<M>) -> Option<&M> {
    if handle.pool != id {
        return None;
    }
    let slot = slots.get(handle.index as usize)?;
    if slot.generation != handle.generation {
        return None;
    }
    slot.value.as_ref()
}

#[inline(always)]
pub(crate) fn live_mut<M>(slots: &mut [Slot<M>], id: u64, handle: PoolHandle<M>) -> Option<&mut M> {
    if handle.pool != id {
        return None;
    }
    let slot = slots.get_mut(handle.index as usize)?;
    if slot.generation != handle.generation {
        return None;
    }
    slot.value.as_mut()
}
