//! What keeps a module's code mapped while anything made from it lives.

use std::any::Any;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// A library that viewmodels came from, as the registry holds it: every
/// binding, pool and lineage made from its code holds one, so the library
/// stays mapped while any of them lives. The loading layer's `Library`
/// implements it.
pub(crate) trait Mapped: Send + Sync + fmt::Debug {
    /// The file it was loaded from.
    fn path(&self) -> &Path;

    /// Itself, for the layer that made it to read what else it keeps (the
    /// loading layer: the library's manifest).
    fn as_any(&self) -> &dyn Any;

    /// Unmaps it if this is the last holder; `false` when it stays mapped
    /// (another holder, or `dlclose` kept it).
    ///
    /// # Safety
    /// Nothing from the library may be used afterwards: no binding, handle,
    /// value, vtable or function pointer it produced may still be reachable.
    unsafe fn unload(self: Arc<Self>) -> bool;
}

/// A shared hold on a loaded library.
pub(crate) type MappedLibrary = Arc<dyn Mapped>;
