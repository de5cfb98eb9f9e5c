//! Viewmodels: the implementations of views.

use crate::bindings::BindingStore;
use crate::error::StateError;
use crate::state::SavedState;
use crate::view::View;
use std::any::Any;
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
    type View: ?Sized + View;
    /// The implementing type's name.
    const NAME: &'static str;
    /// The view's `API_VERSION` when this viewmodel was compiled.
    const API_VERSION: u64;

    /// Builds a fresh instance (`Default`, or `#[viewmodel(new = path)]`).
    fn construct() -> Self;

    /// Turns the shared instance into the view it implements. The
    /// instance is wrapped in `Guarded`, which implements the view by
    /// forwarding to it (`#[view]` writes that impl), so that a panic in its
    /// `Drop` is caught in the image the code lives in.
    fn into_view(this: Arc<Guarded<Self>>) -> Arc<Self::View>;

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
    pub view_id: u64,
    /// The view's `API_VERSION` the viewmodel was compiled against.
    pub api_version: u64,
}

impl fmt::Display for ViewModelDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "viewmodel {}::{}  implements {} (api {:016x})",
            self.module_path, self.name, self.view, self.api_version
        )
    }
}

/// Builds a viewmodel (restoring `saved`) for the registry whose store is
/// given: the [`Uses`](crate::Uses) handles it makes point there.
pub(crate) type Instantiate =
    fn(Option<&SavedState>, &Arc<BindingStore>) -> Result<Instance, Failure>;

/// A viewmodel's link-time registration: its descriptor and how to build it.
pub struct ViewModelEntry {
    /// What the registry lists.
    pub descriptor: ViewModelDescriptor,
    pub(crate) instantiate: Instantiate,
}

impl ViewModelEntry {
    /// The entry of `VM`, written in `module_path`.
    pub const fn of<VM: ViewModel>(module_path: &'static str) -> Self {
        ViewModelEntry {
            descriptor: ViewModelDescriptor {
                name: VM::NAME,
                module_path,
                view: <VM::View as View>::NAME,
                view_id: <VM::View as View>::VIEW_ID,
                api_version: VM::API_VERSION,
            },
            instantiate: instantiate::<VM>,
        }
    }
}

impl fmt::Debug for ViewModelEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.descriptor.fmt(f)
    }
}

/// A constructed viewmodel, erased: the view it serves and how to save it.
pub(crate) struct Instance {
    /// An `Arc<dyn Trait>`, downcast by `Registry::get::<dyn Trait>`.
    pub view: Box<dyn Any + Send + Sync>,
    /// The same object, for saving its state.
    pub state: Arc<dyn SaveState>,
    /// The pools its `Pool` fields took, published with its binding.
    pub pools: Vec<crate::pool::PendingPool>,
}

/// Why user code failed: an error it returned, or a panic, caught in the
/// image the code lives in. (Each library has its own copy of std, and a
/// panic from one image is a foreign exception that another image's
/// `catch_unwind` cannot catch: it would abort.)
#[derive(Debug)]
pub(crate) enum Failure {
    State(StateError),
    Panic(String),
}

/// Runs `f`, catching a panic in this image.
fn contained<R>(f: impl FnOnce() -> Result<R, StateError>) -> Result<R, Failure> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(Failure::State),
        Err(payload) => Err(Failure::Panic(panic_message(&*payload))),
    }
}

/// How a library raises a panic in the host's image; installed by the
/// host when it loads the library (see [`install_panic_bridge`]). Unset in
/// the host itself.
static PANIC_BRIDGE: std::sync::OnceLock<fn(String) -> !> = std::sync::OnceLock::new();

/// How a library runs a callback the host gave it (a closure parameter of a
/// view method) so that a panic in it is caught in the host's image, where
/// it was raised; see [`call_back`]. Unset in the host itself.
static CALLBACK_BRIDGE: std::sync::OnceLock<CatchFn> = std::sync::OnceLock::new();

/// Runs a callback, catching a panic in the image this function is in.
pub(crate) type CatchFn = fn(&mut dyn FnMut()) -> Option<String>;

/// Called by the host, in a library it loaded, with the host's [`raise`]
/// and [`catch`].
pub(crate) fn install_panic_bridge(raise: fn(String) -> !, catch: CatchFn) {
    let _ = PANIC_BRIDGE.set(raise);
    let _ = CALLBACK_BRIDGE.set(catch);
}

/// Runs `f`, catching a panic in this image (the host's): its message.
pub(crate) fn catch(f: &mut dyn FnMut()) -> Option<String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .err()
        .map(|payload| panic_message(&*payload))
}

/// Calls a callback that a view method received as a parameter (a `&dyn
/// Fn`, `&mut dyn FnMut` or `Box<dyn Fn>`; `#[view]` wraps them).
///
/// In a library, the callback is the caller's code (the host's): a panic
/// in it is raised in the host's image, and would abort the program when it
/// reached the library's own `catch_unwind` (a foreign exception). So the
/// call goes through the host, which catches the panic where it was
/// raised, and the panic is raised again here, in the library's image,
/// where [`guard`] carries it back to the caller as usual.
#[inline]
pub fn call_back<R>(f: impl FnOnce() -> R) -> R {
    let Some(catch) = CALLBACK_BRIDGE.get() else {
        return f();
    };
    let mut f = Some(f);
    let mut result = None;
    let failure = catch(&mut || {
        if let Some(f) = f.take() {
            result = Some(f());
        }
    });
    match (result, failure) {
        (Some(result), None) => result,
        (_, message) => std::panic::resume_unwind(Box::new(
            message.unwrap_or_else(|| "a callback did not return".to_owned()),
        )),
    }
}

/// A viewmodel as it is shared: implements its view by forwarding (the
/// impl is written by `#[view]`), and catches a panic in the viewmodel's
/// `Drop` in the image the viewmodel's code lives in, wherever the last
/// reference is dropped.
pub struct Guarded<VM>(std::mem::ManuallyDrop<VM>);

impl<VM> Guarded<VM> {
    /// Wraps `viewmodel`.
    pub fn new(viewmodel: VM) -> Self {
        Guarded(std::mem::ManuallyDrop::new(viewmodel))
    }
}

impl<VM> std::ops::Deref for Guarded<VM> {
    type Target = VM;
    #[inline(always)]
    fn deref(&self) -> &VM {
        &self.0
    }
}

impl<VM> Drop for Guarded<VM> {
    fn drop(&mut self) {
        let inner = &mut self.0;
        // SAFETY: dropped once, here; `self.0` is not used afterwards.
        let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
            std::mem::ManuallyDrop::drop(inner)
        }));
        if let Err(payload) = dropped {
            tracing::error!(
                viewmodel = std::any::type_name::<VM>(),
                panic = %panic_message(&*payload),
                "dropping a viewmodel panicked; the rest of it is leaked"
            );
        }
    }
}

/// A future whose every poll runs under [`guard`]'s rule: a panic in the
/// body of a viewmodel's `async fn` is caught in the image it was raised
/// in, and raised again in the caller's.
pub struct GuardFuture<F>(F);

/// Wraps the body of a viewmodel's `async fn` (`#[viewmodel]` does).
pub fn guard_future<F: std::future::Future>(future: F) -> GuardFuture<F> {
    GuardFuture(future)
}

impl<F: std::future::Future> std::future::Future for GuardFuture<F> {
    type Output = F::Output;
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        // SAFETY: structural pinning of the only field: `GuardFuture` never
        // moves it out, and has no `Drop` or `Unpin` impl of its own.
        let inner = unsafe { self.map_unchecked_mut(|g| &mut g.0) };
        guard(move || inner.poll(cx))
    }
}

/// Raises a panic with `message` in this image (the host's), without
/// running the panic hook again: the library's hook already reported it.
pub(crate) fn raise(message: String) -> ! {
    std::panic::resume_unwind(Box::new(message))
}

/// Runs the body of a viewmodel method (`#[viewmodel]` wraps each one).
///
/// A panic in a library's code is a foreign exception in the host, which no
/// `catch_unwind` there can catch: it would abort the program. So the panic
/// is caught here, in the image it was raised in, and raised again in the
/// host's image, where the caller can catch it like any other.
#[inline(always)]
pub fn guard<R>(body: impl FnOnce() -> R) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => match PANIC_BRIDGE.get() {
            Some(raise) => raise(panic_message(&*payload)),
            None => std::panic::resume_unwind(payload),
        },
    }
}

/// The message of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

/// Object-safe access to [`ViewModel::save_state`], panics contained.
pub(crate) trait SaveState: Send + Sync {
    fn save(&self) -> Result<SavedState, Failure>;
}

impl<VM: ViewModel> SaveState for Guarded<VM> {
    fn save(&self) -> Result<SavedState, Failure> {
        contained(|| {
            let mut state = SavedState::default();
            self.save_state(&mut state)?;
            Ok(state)
        })
    }
}

/// Runs in the viewmodel's own image (it is monomorphised there), so the
/// construction context it sets is the one that image's `Uses::default`
/// reads.
fn instantiate<VM: ViewModel>(
    saved: Option<&SavedState>,
    store: &Arc<BindingStore>,
) -> Result<Instance, Failure> {
    contained(|| {
        let constructed =
            crate::uses::constructing(store, <VM::View as View>::VIEW_ID, VM::construct);
        let mut viewmodel = constructed.value;
        if let Some(error) = constructed.error {
            return Err(error);
        }
        if let Some(saved) = saved {
            viewmodel.restore_state(saved)?;
        }
        let shared = Arc::new(Guarded::new(viewmodel));
        let view: Arc<VM::View> = VM::into_view(Arc::clone(&shared));
        Ok(Instance {
            view: Box::new(view),
            state: shared,
            pools: constructed.pools,
        })
    })
}
