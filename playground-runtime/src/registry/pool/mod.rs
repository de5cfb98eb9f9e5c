//! Model pools: typed, generational slots of model values that the
//! registry owns, keyed by (view, model), so that a viewmodel's data
//! outlives every build of the viewmodel without being saved or restored.

pub mod entry;
pub mod handle;
#[allow(
    clippy::module_inception,
    reason = "the `Pool` type, in the pool folder"
)]
pub mod pool;
pub mod storage;
pub mod value;

pub use crate::contract::error::PoolError;
pub use handle::PoolHandle;
pub use pool::{Pool, PoolMut, PoolRef};
pub use value::PoolValue;
