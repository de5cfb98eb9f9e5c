//! Views calling views: a viewmodel's handle to another view of its
//! registry.

use crate::contract::view::View;
use crate::registry::bindings::BindingStore;
use crate::registry::construction::with_context;
use crate::registry::error::RegistryError;
use crate::registry::view_ref::ViewRef;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// A viewmodel's handle to another view: declare it as a field, and each
/// call goes to whatever viewmodel is bound to `T` *now*, in the registry
/// that built this viewmodel, through a reload of either.
///
/// ```
/// use playground_runtime::{Registry, Uses, view, viewmodel};
///
/// #[view]
/// pub trait Inventory: Send + Sync {
///     fn stock(&self, item: &str) -> u32;
/// }
///
/// #[view]
/// pub trait Pricing: Send + Sync {
///     fn quote(&self, item: &str) -> Option<u32>;
/// }
///
/// #[derive(Default)]
/// struct Shelf;
///
/// #[viewmodel]
/// impl Inventory for Shelf {
///     fn stock(&self, item: &str) -> u32 {
///         if item == "tea" { 3 } else { 0 }
///     }
/// }
///
/// #[derive(Default)]
/// struct ListPrice {
///     inventory: Uses<dyn Inventory>, // set when the registry builds it
/// }
///
/// #[viewmodel]
/// impl Pricing for ListPrice {
///     fn quote(&self, item: &str) -> Option<u32> {
///         let stock = self.inventory.get().ok()?.stock(item);
///         (stock > 0).then_some(5)
///     }
/// }
///
/// let registry = Registry::linked();
/// let pricing = registry.get::<dyn Pricing>()?;
/// assert_eq!(pricing.quote("tea"), Some(5));
/// assert_eq!(pricing.quote("gold"), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A handle is made by `Default` (or [`Uses::new`]) while the registry
/// constructs the viewmodel, in the registry's own lookups or in a module
/// library's: it then points to that registry. It holds no binding, only
/// the registry's bindings, so it needs nothing bound when it is made:
/// views that use each other in a cycle are built in any order, and a
/// call finds whatever is bound when it is made. (A cycle of *calls* is
/// recursion, as with any functions.) Made anywhere else, it points to no
/// registry and [`Uses::get`] says so.
///
/// [`Uses::get`] is the registry's lookup
/// ([`Registry::get`](crate::Registry::get)): a few nanoseconds,
/// lock-free, and never the binding a finished reload replaced.
pub struct Uses<T: ?Sized> {
    store: Option<Arc<BindingStore>>,
    _view: PhantomData<fn() -> Arc<T>>,
}

impl<T: ?Sized> Uses<T> {
    /// A handle to view `T` of the registry constructing the viewmodel
    /// being built on this thread; one that points nowhere outside a
    /// construction.
    pub fn new() -> Self {
        Uses {
            store: with_context(|c| Arc::clone(&c.borrow().store)),
            _view: PhantomData,
        }
    }

    /// Whether the handle points to a registry.
    pub fn is_attached(&self) -> bool {
        self.store.is_some()
    }
}

impl<T: ?Sized + View> Uses<T> {
    /// The viewmodel bound to `T` now, usable as `&T`, or why there is
    /// none (not bound, its constructor failed, compiled against another
    /// version of `T`, or a handle made outside a registry).
    #[inline]
    pub fn get(&self) -> Result<ViewRef<'_, T>, Box<RegistryError>> {
        match &self.store {
            Some(store) => Ok(ViewRef::new(store.lookup::<T>()?)),
            None => Err(detached::<T>()),
        }
    }
}

#[cold]
fn detached<T: ?Sized + View>() -> Box<RegistryError> {
    Box::new(RegistryError::Detached {
        view: T::NAME.to_owned(),
    })
}

impl<T: ?Sized> Default for Uses<T> {
    fn default() -> Self {
        Uses::new()
    }
}

impl<T: ?Sized> Clone for Uses<T> {
    fn clone(&self) -> Self {
        Uses {
            store: self.store.clone(),
            _view: PhantomData,
        }
    }
}

impl<T: ?Sized> fmt::Debug for Uses<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Uses")
            .field("view", &std::any::type_name::<T>())
            .field("attached", &self.store.is_some())
            .finish()
    }
}
