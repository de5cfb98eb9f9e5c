//! Panic containment across images: a panic in a library's code is caught
//! in the image it was raised in and raised again in the caller's, where
//! it can be caught like any other.

use crate::contract::error::StateError;
use std::any::Any;

/// Why user code failed: an error it returned, or a panic, caught in the
/// image the code lives in. (Each library has its own copy of std, and a
/// panic from one image is a foreign exception that another image's
/// `catch_unwind` cannot catch: it would abort.)
#[derive(Debug)]
pub(crate) enum Failure {
    State(StateError),
    Panic(String),
}

/// Runs `f`, catching a panic in this image. It is not generic, so that
/// what calls it for each viewmodel or model type (building, saving,
/// encoding) does not instantiate `catch_unwind` again: a caller that
/// needs a value has `f` write it into a variable of its own.
pub(crate) fn contain(f: &mut dyn FnMut() -> Result<(), StateError>) -> Result<(), Failure> {
    let mut result = Ok(());
    match panic_of(&mut || result = f()) {
        None => result.map_err(Failure::State),
        Some(message) => Err(Failure::Panic(message)),
    }
}

/// Runs `f`, catching a panic in this image: its message.
fn panic_of(f: &mut dyn FnMut()) -> Option<String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .err()
        .map(|payload| panic_message(&*payload))
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

std::thread_local! {
    /// How many callbacks a view method gave back to this image are running
    /// on this thread: code of this image called from inside a view call,
    /// which may hold the callee's own locks.
    static IN_CALLBACK: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Runs `f` counted as a callback on this thread (see [`in_callback`]).
fn as_callback<R>(f: impl FnOnce() -> R) -> R {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            IN_CALLBACK.set(IN_CALLBACK.get() - 1);
        }
    }
    IN_CALLBACK.set(IN_CALLBACK.get() + 1);
    let _leave = Leave;
    f()
}

/// Whether this thread is running a callback that a view method received
/// (the caller's code, called from inside the method): a load or rollback
/// started there could wait on a lock the method holds, for ever.
pub(crate) fn in_callback() -> bool {
    IN_CALLBACK.get() > 0
}

/// Called by the host, in a library it loaded, with the host's [`raise`]
/// and [`catch`].
pub(crate) fn install_panic_bridge(raise: fn(String) -> !, catch: CatchFn) {
    let _ = PANIC_BRIDGE.set(raise);
    let _ = CALLBACK_BRIDGE.set(catch);
}

/// Runs `f`, catching a panic in this image (the host's): its message.
/// A library calls it for every callback it was given.
pub(crate) fn catch(f: &mut dyn FnMut()) -> Option<String> {
    as_callback(|| panic_of(f))
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
        return as_callback(f);
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

/// A view whose supertraits include `Debug` is served through the guard:
/// it formats as the viewmodel does, a panic contained as a method's is.
impl<VM: std::fmt::Debug> std::fmt::Debug for Guarded<VM> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        guard(|| std::fmt::Debug::fmt(&**self, f))
    }
}

/// The same for `Display`.
impl<VM: std::fmt::Display> std::fmt::Display for Guarded<VM> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        guard(|| std::fmt::Display::fmt(&**self, f))
    }
}

impl<VM> Drop for Guarded<VM> {
    fn drop(&mut self) {
        // SAFETY: `self.0` is not used after `drop`.
        unsafe { drop_here(&mut self.0) }
    }
}

/// A value that another image may drop, wrapped so that it is dropped in
/// the image whose code its `Drop` is: [`DropHere`] for a library's value
/// the caller holds, [`DropThere`] for the caller's value a library holds.
pub struct Dropped<T, W: DropIn>(std::mem::ManuallyDrop<T>, std::marker::PhantomData<W>);

/// A value of a library's that another image may drop (a boxed callback
/// a view method returned; `#[view]` wraps it): dropped in place in the
/// image it was made in, a panic in its `Drop` caught there and reported
/// (the rest of it leaked), as a viewmodel's is.
pub type DropHere<T> = Dropped<T, Here>;

/// A value of the caller's that a library holds (a boxed callback passed
/// to a view method; `#[view]` wraps it): dropped through the caller's
/// image, as it is called ([`call_back`]), so that a panic in its `Drop`
/// is caught there and raised again in this image, where the view
/// method's guard carries it back to the caller.
pub type DropThere<T> = Dropped<T, There>;

/// Where a [`Dropped`] value is dropped.
pub trait DropIn {
    /// Drops `value` in place.
    ///
    /// # Safety
    /// `value` is not used afterwards.
    unsafe fn drop_in_place<T>(value: &mut std::mem::ManuallyDrop<T>);
}

/// In the image that wraps the value ([`DropHere`]).
pub enum Here {}

/// Through the caller's image ([`DropThere`]).
pub enum There {}

impl DropIn for Here {
    unsafe fn drop_in_place<T>(value: &mut std::mem::ManuallyDrop<T>) {
        // SAFETY: the caller's contract.
        unsafe { drop_here(value) }
    }
}

impl DropIn for There {
    unsafe fn drop_in_place<T>(value: &mut std::mem::ManuallyDrop<T>) {
        // SAFETY: dropped once (`call_back` runs its closure at most
        // once), in place; the caller does not use it afterwards.
        call_back(move || unsafe { std::mem::ManuallyDrop::drop(value) });
    }
}

impl<T, W: DropIn> Dropped<T, W> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Dropped(std::mem::ManuallyDrop::new(value), std::marker::PhantomData)
    }

    /// The value itself, to consume it (a `FnOnce` callback, called).
    pub fn into_inner(this: Self) -> T {
        let mut this = std::mem::ManuallyDrop::new(this);
        // SAFETY: taken once: `this` is never dropped (`ManuallyDrop`), so
        // neither is the value it held.
        unsafe { std::mem::ManuallyDrop::take(&mut this.0) }
    }
}

impl<T, W: DropIn> std::ops::Deref for Dropped<T, W> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T, W: DropIn> std::ops::DerefMut for Dropped<T, W> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T, W: DropIn> Drop for Dropped<T, W> {
    fn drop(&mut self) {
        // SAFETY: `self.0` is not used after `drop`.
        unsafe { W::drop_in_place(&mut self.0) }
    }
}

/// Drops `value` in place, in this image: a panic in its `Drop`, which
/// the caller's image could not catch if it is another, is caught here
/// and reported, and the rest of the value leaked.
///
/// # Safety
/// `value` is not used afterwards.
unsafe fn drop_here<T>(value: &mut std::mem::ManuallyDrop<T>) {
    let mut value = Some(value);
    let dropped = panic_of(&mut || {
        if let Some(value) = value.take() {
            // SAFETY: dropped once (`value` is taken out of the `Option`
            // the first time this runs) and in place; the caller does not
            // use it afterwards.
            unsafe { std::mem::ManuallyDrop::drop(value) }
        }
    });
    if let Some(message) = dropped {
        leaked(std::any::type_name::<T>(), &message);
    }
}

/// Reports a value of a viewmodel's (the viewmodel itself, the future of
/// its `async fn`, a callback it returned) whose `Drop` panicked.
#[cold]
fn leaked(dropped: &str, message: &str) {
    tracing::error!(
        dropped,
        panic = message,
        "dropping a viewmodel's value panicked; the rest of it is leaked"
    );
}

/// A future whose every poll runs under [`guard`]'s rule: a panic in the
/// body of a viewmodel's `async fn` is caught in the image it was raised
/// in, and raised again in the caller's. Dropping it early (a caller that
/// gives up on it) drops the body's state in this image too, a panic there
/// caught and reported as a viewmodel's `Drop` is.
pub struct GuardFuture<F>(std::mem::ManuallyDrop<F>);

/// Wraps the future of a viewmodel's `async fn` (the impl of its view for
/// `Guarded`, which `#[view]` writes, does).
pub fn guard_future<F: std::future::Future>(future: F) -> GuardFuture<F> {
    GuardFuture(std::mem::ManuallyDrop::new(future))
}

impl<F: std::future::Future> std::future::Future for GuardFuture<F> {
    type Output = F::Output;
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        // SAFETY: structural pinning of the only field: `GuardFuture` never
        // moves it out (its `Drop` drops it in place) and has no `Unpin`
        // impl of its own.
        let inner = unsafe { self.map_unchecked_mut(|g| &mut *g.0) };
        guard(move || inner.poll(cx))
    }
}

impl<F> Drop for GuardFuture<F> {
    fn drop(&mut self) {
        // SAFETY: `self.0` is not used after `drop`; `drop_here` drops it
        // in place, as a pinned future must be.
        unsafe { drop_here(&mut self.0) }
    }
}

/// Raises a panic with `message` in this image (the host's), without
/// running the panic hook again: the library's hook already reported it.
pub(crate) fn raise(message: String) -> ! {
    std::panic::resume_unwind(Box::new(message))
}

/// Runs a viewmodel's method (the impl of its view for `Guarded`, which
/// `#[view]` writes, wraps each call), and each call of a boxed callback a
/// view method returned.
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

/// The message of a caught panic's payload (`&str` or `String`, as
/// `panic!` makes them), or a placeholder for another payload.
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("at {}", 3)).unwrap_err();
/// assert_eq!(playground_runtime::panic_message(&*payload), "at 3");
/// ```
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}
