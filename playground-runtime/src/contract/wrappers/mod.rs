//! Thread-safe wrappers for viewmodel state: a view is shared by every
//! caller, so its methods take `&self` and mutable state lives in one of these.
//! Each wrapper is a cheap-to-clone handle: clones share the same value.

mod atomic;
mod handle;
mod once;
mod shared;

pub use atomic::Atomic;
pub use handle::Handle;
pub use once::Once;
pub use shared::Shared;
