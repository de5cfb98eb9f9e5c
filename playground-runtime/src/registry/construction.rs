//! The viewmodel being constructed on this thread: what its `Uses` and
//! `Pool` fields attach to.

use crate::contract::error::StateError;
use crate::contract::ids::ViewId;
use crate::registry::bindings::BindingStore;
use crate::registry::pool::entry::PendingPool;
use std::cell::{Cell, RefCell};
use std::sync::Arc;

thread_local! {
    /// The viewmodel being constructed on this thread, in this image: a
    /// pointer to the context on `constructing`'s stack frame, or null.
    ///
    /// A plain pointer, so that the thread-local needs no destructor: a
    /// library whose code registers a thread-local destructor cannot be
    /// unmapped by `dlclose` until the thread exits (glibc keeps it), and
    /// every module runs this code when it builds a viewmodel.
    static CONSTRUCTING: Cell<*const RefCell<Construction>> = const { Cell::new(std::ptr::null()) };
}

/// What a construction needs and makes: the registry's store and the
/// view being built (for `Uses` and `Pool` fields), and the pools its
/// `Pool` fields took, to publish with its binding.
pub(crate) struct Construction {
    pub(crate) store: Arc<BindingStore>,
    pub(crate) view_id: ViewId,
    pub(crate) pools: Vec<PendingPool>,
    /// The first pool that could not be taken: refuses the construction.
    pub(crate) error: Option<StateError>,
}

/// What a construction's `Pool` fields took.
pub(crate) struct Constructed<R> {
    pub value: R,
    pub pools: Vec<PendingPool>,
    pub error: Option<StateError>,
}

/// Runs `construct` with `store` and view `view_id` as the construction
/// context of this image's `Uses` and `Pool` fields; the previous context
/// is restored afterwards, panic or not (a viewmodel may construct
/// another).
pub(crate) fn constructing<R>(
    store: &Arc<BindingStore>,
    view_id: ViewId,
    construct: impl FnOnce() -> R,
) -> Constructed<R> {
    struct Restore(*const RefCell<Construction>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CONSTRUCTING.set(self.0);
        }
    }
    let context = RefCell::new(Construction {
        store: Arc::clone(store),
        view_id,
        pools: Vec::new(),
        error: None,
    });
    let restore = Restore(CONSTRUCTING.replace(&context));
    let value = construct();
    // The pointer to `context` is gone before `context` is.
    drop(restore);
    let Construction { pools, error, .. } = context.into_inner();
    Constructed {
        value,
        pools,
        error,
    }
}

/// Runs `f` on the construction context of this thread, if a construction
/// is running.
pub(crate) fn with_context<R>(f: impl FnOnce(&RefCell<Construction>) -> R) -> Option<R> {
    let context = CONSTRUCTING.with(Cell::get);
    if context.is_null() {
        return None;
    }
    // SAFETY: a non-null pointer was set by `constructing` on this thread,
    // to a context on its stack frame, and is reset (by `Restore`, panic or
    // not) before that frame ends; so it points to a live context. It is
    // only ever used through shared references (the `RefCell` checks the
    // rest).
    Some(f(unsafe { &*context }))
}
