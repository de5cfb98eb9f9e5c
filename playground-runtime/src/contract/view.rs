//! Views: the API contracts of modules.

use crate::contract::ids::{ApiVersion, ModelId, ViewId};
use std::fmt;

/// A view: implemented by `#[view]` for `dyn Trait`.
///
/// ```
/// use playground_runtime::{View, view};
///
/// #[view]
/// pub trait Greeter: Send + Sync {
///     fn greet(&self, name: &str) -> String;
/// }
///
/// assert_eq!(<dyn Greeter as View>::NAME, "Greeter");
/// println!("{}", <dyn Greeter as View>::API_VERSION);
/// ```
///
/// # Async methods need an executor
///
/// An `async fn` of a view returns a boxed `Send` future (through
/// async-trait), and playground runs no executor of its own. Drive the
/// future with yours: `.await` inside tokio or another runtime, or block
/// on it in a synchronous program, here with the `pollster` crate:
///
/// ```
/// use playground_runtime::{Registry, view, viewmodel};
///
/// #[view]
/// pub trait Store: Send + Sync {
///     async fn load(&self, key: u32) -> String;
/// }
///
/// #[derive(Default)]
/// pub struct Memory;
///
/// #[viewmodel]
/// impl Store for Memory {
///     async fn load(&self, key: u32) -> String {
///         format!("value {key}")
///     }
/// }
///
/// let registry = Registry::linked();
/// let store = registry.get::<dyn Store>()?;
/// assert_eq!(pollster::block_on(store.load(7)), "value 7");
/// # Ok::<(), playground_runtime::RegistryError>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a playground view",
    label = "not declared with #[view]",
    note = "add `#[playground_runtime::view]` to the trait's definition; a view must be `Send + Sync`"
)]
pub trait View: Send + Sync + 'static {
    /// The trait's name.
    const NAME: &'static str;
    /// Stable id: a hash of the declaring crate's name and the trait's name.
    const VIEW_ID: ViewId;
    /// Content hash of the trait's signatures, with the `STATE_VERSION` of
    /// the models named in `#[view(models(...))]` folded in.
    const API_VERSION: ApiVersion;
    /// Everything the registry lists about the view.
    const DESCRIPTOR: &'static ViewDescriptor;
}

/// A view as the registry lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewDescriptor {
    /// The trait's name.
    pub name: &'static str,
    /// Module the trait is declared in.
    pub module_path: &'static str,
    /// See [`View::VIEW_ID`].
    pub view_id: ViewId,
    /// See [`View::API_VERSION`].
    pub api_version: ApiVersion,
    /// The trait's methods, in declaration order.
    pub methods: &'static [MethodDescriptor],
    /// Ids of the models folded into the API version.
    pub models: &'static [ModelId],
}

/// One method of a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodDescriptor {
    /// The method's name.
    pub name: &'static str,
    /// Its signature as written, e.g. `fn step(&self, dt: f32)`.
    pub signature: &'static str,
    /// Whether it is an `async fn` (returns a boxed future through `dyn`).
    pub is_async: bool,
    /// Its shape (name, receiver, arity) and the structural fingerprints of
    /// its parameter and return types, folded: differs whenever the method
    /// does, even when its text reads the same.
    pub fingerprint: u64,
}

impl fmt::Display for ViewDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "view {}::{}  id {}  api {}",
            self.module_path, self.name, self.view_id, self.api_version
        )?;
        for method in self.methods {
            write!(f, "\n    {}", method.signature)?;
        }
        Ok(())
    }
}
