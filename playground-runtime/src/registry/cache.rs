//! `ViewCache`: a view's binding kept where it is called, checked at every
//! call.

use crate::contract::ids::Generation;
use crate::contract::view::View;
use crate::registry::bindings::{BindingStore, no_viewmodel};
use crate::registry::error::RegistryError;
use crate::registry::view_ref::ViewHandle;
use std::fmt;
use std::sync::Arc;

/// A view's binding, kept where it is called and checked at every call:
/// [`ViewCache::get`] compares the registry's generation with the one the
/// binding was taken at (one load and one comparison) and looks the view
/// up again only if a rebinding happened since, so a call never reaches a
/// binding older than the last one published before it started.
///
/// Made by [`Registry::view_cache`](crate::Registry::view_cache). It is owned (`Send` if `T` is), and it
/// keeps the binding it last served, and its library, alive until its
/// next refresh or its drop: keep it in the struct that calls, not in a
/// long-lived place nobody calls.
///
/// ```
/// # use playground_runtime::{Registry, view, viewmodel};
/// # #[view] pub trait Ticker: Send + Sync { fn tick(&self, n: u64) -> u64; }
/// # #[derive(Default)] pub struct Plain;
/// # #[viewmodel] impl Ticker for Plain { fn tick(&self, n: u64) -> u64 { n } }
/// let registry = Registry::linked();
/// let mut ticker = registry.view_cache::<dyn Ticker>()?;
/// for frame in 0..3 {
///     // A reload between frames is picked up by the next call.
///     assert_eq!(ticker.get()?.tick(frame), frame);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ViewCache<T: ?Sized> {
    pub(crate) store: Arc<BindingStore>,
    /// The generation of the map `handle` was found in. Never 0
    /// (generations start at 1), so a cache whose last refresh failed
    /// always refreshes.
    pub(crate) generation: Generation,
    /// `None` after a failed refresh (with `generation` 0): what it
    /// served is let go.
    pub(crate) handle: Option<ViewHandle<T>>,
}

impl<T: ?Sized + View> ViewCache<T> {
    /// The viewmodel bound to `T` now. Takes `&mut self`: a refresh
    /// replaces the handle, so no `&T` from before may be alive.
    ///
    /// Fails as [`Registry::get`](crate::Registry::get) does (the view unbound since, or the
    /// registry dropped), and lets go of the binding it served; it then
    /// looks the view up again at every call.
    #[inline(always)]
    pub fn get(&mut self) -> Result<&T, Box<RegistryError>> {
        if self.store.generation() != self.generation {
            self.refresh()?;
        }
        // A matching generation has a handle (a failed refresh sets 0, which
        // no store has), so the error is never built.
        self.handle
            .as_deref()
            .ok_or_else(|| Box::new(no_viewmodel::<T>()))
    }

    #[cold]
    #[inline(never)]
    fn refresh(&mut self) -> Result<(), Box<RegistryError>> {
        // Let go of what was served, whatever the lookup finds.
        self.handle = None;
        self.generation = Generation::new(0);
        let pinned = self.store.lookup::<T>()?;
        self.handle = Some(ViewHandle::new(&pinned));
        self.generation = pinned.generation();
        Ok(())
    }
}

impl<T: ?Sized> fmt::Debug for ViewCache<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViewCache")
            .field("view", &std::any::type_name::<T>())
            .field("generation", &self.generation)
            .finish()
    }
}
