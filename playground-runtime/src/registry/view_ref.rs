//! Views as a lookup hands them out: `ViewRef` (borrowed, pinned) and
//! `ViewHandle` (owned).

use crate::registry::bindings::{Binding, Pinned, PinnedBindings};
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::Arc;

/// A view found by [`Registry::get`](crate::Registry::get), usable as `&T`.
///
/// It pins the bindings it was found in, so the viewmodel it points to
/// lives at least as long as it does.
pub struct ViewRef<'r, T: ?Sized> {
    /// The `Arc` rather than its contents: finding the contents costs a
    /// load of the vtable's alignment, paid at the call instead.
    view: NonNull<Arc<T>>,
    _bindings: PinnedBindings,
    /// Borrows what it was found in: a registry, or a `Uses` handle.
    _registry: PhantomData<&'r ()>,
}

impl<T: ?Sized> ViewRef<'_, T> {
    #[inline(always)]
    pub(crate) fn new(pinned: Pinned<T>) -> Self {
        ViewRef {
            view: NonNull::from(pinned.view()),
            _bindings: pinned.bindings,
            _registry: PhantomData,
        }
    }
}

impl<T: ?Sized> std::ops::Deref for ViewRef<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: `view` was made from an `&Arc<T>` owned by a `Binding` in
        // the `Bindings` that `_bindings` keeps alive; nothing mutates or
        // moves a published map or a `Binding` (rebinding replaces the whole
        // map). The `&T` handed out borrows `self`, so it cannot outlive
        // `_bindings`. `ViewRef` is neither `Send` nor `Sync` (`NonNull` and
        // `Rc` are neither).
        unsafe { self.view.as_ref() }
    }
}

impl<T: ?Sized> fmt::Debug for ViewRef<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ViewRef")
            .field(&std::any::type_name::<T>())
            .finish()
    }
}

/// A view bound in a registry, owned: `Send`, `Sync`, `Clone`, usable as
/// `&T`. It keeps the viewmodel it was taken from (and its library) alive.
pub struct ViewHandle<T: ?Sized> {
    /// Points into the `Arc<T>` that `binding` owns.
    pub(crate) view: NonNull<T>,
    /// One reference count for the viewmodel and its library together.
    pub(crate) binding: Arc<Binding>,
}

// SAFETY: a `ViewHandle<T>` gives out `&T` (from any thread that holds or
// shares it) and keeps a `Binding` alive; `T: Send + Sync` makes the first
// sound, and a `Binding` is `Send + Sync` (checked below), so dropping or
// sharing the `Arc<Binding>` from another thread is sound too.
unsafe impl<T: ?Sized + Send + Sync> Send for ViewHandle<T> {}
// SAFETY: as for `Send`: `&ViewHandle<T>` only gives out `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for ViewHandle<T> {}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Binding>();
};

impl<T: ?Sized> ViewHandle<T> {
    #[inline(always)]
    pub(crate) fn new(pinned: &Pinned<T>) -> Self {
        ViewHandle {
            view: NonNull::from(&**pinned.view()),
            binding: Arc::clone(pinned.binding()),
        }
    }
}

impl<T: ?Sized> Clone for ViewHandle<T> {
    fn clone(&self) -> Self {
        ViewHandle {
            view: self.view,
            binding: Arc::clone(&self.binding),
        }
    }
}

impl<T: ?Sized> std::ops::Deref for ViewHandle<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: `view` was made from the `&T` inside the `Arc<T>` that the
        // binding's instance owns (`Registry::get_owned`); `self.binding`
        // keeps that binding, so the `Arc<T>` and its contents, alive, and a
        // binding is never mutated after it is built. The `&T` borrows
        // `self`.
        unsafe { self.view.as_ref() }
    }
}

impl<T: ?Sized> fmt::Debug for ViewHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ViewHandle")
            .field(&std::any::type_name::<T>())
            .finish()
    }
}
