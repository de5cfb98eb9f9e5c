//! The registry: which viewmodel serves each view, the lock-free lookups,
//! `Uses` handles, pools, and state carried from one binding to the next.
//!
//! Built on [`contract`](crate::contract) only.

pub mod bindings;
pub mod cache;
pub mod carry;
pub mod catalog;
pub mod construction;
pub mod entry;
pub mod error;
pub mod history;
pub mod instance;
pub mod mapped;
pub mod pool;
pub mod registration;
#[allow(
    clippy::module_inception,
    reason = "the registry's own type, in the registry layer"
)]
pub mod registry;
pub mod rollback;
pub mod uses;
pub mod view_ref;
