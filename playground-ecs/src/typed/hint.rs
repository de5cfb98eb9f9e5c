//! The component ids each image last saw, per model: where typed access
//! through the view looks first.

use crate::view::typed_key::TypedKey;
use std::sync::atomic::{AtomicU32, Ordering};

/// Component ids the calling image last saw, per model (hashed into a few
/// slots): a hint only, checked by the world on every use, so a slot
/// shared by two models or two worlds costs a lookup, never a wrong type.
static HINTS: [AtomicU32; 64] = [const { AtomicU32::new(u32::MAX) }; 64];

fn hint_slot(key: &TypedKey) -> &'static AtomicU32 {
    &HINTS[((key.model_id ^ key.state_version) % HINTS.len() as u64) as usize]
}

#[inline]
pub(crate) fn hint_of(key: &TypedKey) -> u32 {
    hint_slot(key).load(Ordering::Relaxed)
}

#[inline]
pub(crate) fn remember(key: &TypedKey, id: u32) {
    let slot = hint_slot(key);
    if slot.load(Ordering::Relaxed) != id {
        slot.store(id, Ordering::Relaxed);
    }
}
