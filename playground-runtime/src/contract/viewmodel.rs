//! Viewmodels: the implementations of views.

use crate::contract::error::StateError;
use crate::contract::guard::Guarded;
use crate::contract::ids::{ApiVersion, ViewId};
use crate::contract::state::SavedState;
use crate::contract::view::View;
use std::fmt;
use std::sync::Arc;

/// A viewmodel: implemented by `#[viewmodel]` on `impl View for Type`.
///
/// ```
/// use playground_runtime::{Atomic, Registry, model, view, viewmodel};
///
/// #[view]
/// pub trait Counter: Send + Sync {
///     fn bump(&self) -> u64;
/// }
///
/// #[model]
/// #[derive(Clone, Copy, Default, PartialEq, Eq)]
/// pub struct Count(u64);
///
/// #[derive(Default)]
/// pub struct Simple {
///     count: Atomic<Count>,
/// }
///
/// #[viewmodel(state(count))]
/// impl Counter for Simple {
///     fn bump(&self) -> u64 {
///         self.count.update(|c| Count(c.0 + 1)).0
///     }
/// }
///
/// let registry = Registry::linked();
/// assert_eq!(registry.get::<dyn Counter>().unwrap().bump(), 1);
/// ```
pub trait ViewModel: Send + Sync + Sized + 'static {
    /// The view this viewmodel implements (`dyn Trait`).
    type View: ?Sized + Upcast<Self>;
    /// The implementing type's name.
    const NAME: &'static str;
    /// The view's `API_VERSION` when this viewmodel was compiled.
    const API_VERSION: ApiVersion = <Self::View as View>::API_VERSION;

    /// Builds a fresh instance (`Default`, or `#[viewmodel(new = path)]`).
    fn construct() -> Self;

    /// Turns the shared instance into the view it implements (see
    /// [`Upcast`]).
    fn into_view(this: Arc<Guarded<Self>>) -> Arc<Self::View> {
        <Self::View as Upcast<Self>>::upcast(this)
    }

    /// Saves the fields named in `#[viewmodel(state(...))]`.
    fn save_state(&self, state: &mut SavedState) -> Result<(), StateError> {
        let _ = state;
        Ok(())
    }

    /// Restores the fields named in `#[viewmodel(state(...))]`.
    fn restore_state(&mut self, state: &SavedState) -> Result<(), StateError> {
        let _ = state;
        Ok(())
    }
}

/// A view (`dyn Trait`) made from a viewmodel `M` shared in `Guarded`,
/// which implements the view by forwarding to `M` (`#[view]` writes both
/// impls), so that a panic in `M`'s `Drop` is caught in the image the code
/// lives in. A trait that is not a view has neither: the viewmodel's
/// `type View` then reports it once, as not a view.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a playground view",
    label = "not declared with #[view]",
    note = "add `#[playground_runtime::view]` to the trait's definition; a view must be `Send + Sync`"
)]
pub trait Upcast<M>: View {
    /// The view of the shared instance.
    fn upcast(this: Arc<Guarded<M>>) -> Arc<Self>;
}

/// A viewmodel built with `Default`, the constructor `#[viewmodel]` uses
/// unless `new = path` names another.
#[diagnostic::on_unimplemented(
    message = "viewmodel `{Self}` has no constructor",
    label = "no `Default` implementation",
    note = "derive or implement `Default` for `{Self}`, or name a constructor: `#[viewmodel(new = {Self}::new)]`"
)]
pub trait DefaultConstructible: Default {}

impl<T: Default> DefaultConstructible for T {}

/// Builds a viewmodel with `Default` (its bound, `DefaultConstructible`,
/// explains a missing one in playground's words).
pub fn construct_default<T: DefaultConstructible>() -> T {
    T::default()
}

/// A viewmodel as the registry lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewModelDescriptor {
    /// The implementing type's name.
    pub name: &'static str,
    /// Module the impl is written in.
    pub module_path: &'static str,
    /// The view's name.
    pub view: &'static str,
    /// The view's id.
    pub view_id: ViewId,
    /// The view's `API_VERSION` the viewmodel was compiled against.
    pub api_version: ApiVersion,
}

impl fmt::Display for ViewModelDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "viewmodel {}::{}  implements {} (api {})",
            self.module_path, self.name, self.view, self.api_version
        )
    }
}
