//! Run-time borrows of the world's columns and resources through `&World`:
//! one flag per component type (and per resource), like a `RefCell`'s but
//! atomic, so that systems on several threads can share a world. A
//! reference handed out through `&World` always comes with a guard that
//! holds its flag ([`Ref`], [`RefMut`], a query's borrow) until dropped.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicIsize, Ordering};

/// One borrow flag: readers (> 0), one writer (-1), or free (0).
#[derive(Default)]
pub(crate) struct BorrowFlag(AtomicIsize);

/// How a flag was found taken: the `how` of [`EcsError::Borrowed`].
///
/// [`EcsError::Borrowed`]: crate::EcsError::Borrowed
pub(crate) fn taken_how(state: isize) -> &'static str {
    if state < 0 { "mutably" } else { "shared" }
}

impl BorrowFlag {
    /// Takes a shared (`mutable == false`) or exclusive borrow; on a
    /// conflict, the state found.
    #[inline]
    pub fn acquire(&self, mutable: bool) -> Result<(), isize> {
        if mutable {
            self.0
                .compare_exchange(0, -1, Ordering::Acquire, Ordering::Relaxed)
                .map(drop)
        } else {
            let mut current = self.0.load(Ordering::Relaxed);
            loop {
                if current < 0 {
                    return Err(current);
                }
                match self.0.compare_exchange_weak(
                    current,
                    current + 1,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return Ok(()),
                    Err(actual) => current = actual,
                }
            }
        }
    }

    /// A shared borrow held until the returned guard drops (also when
    /// unwinding from a panic).
    pub fn hold_shared(&self) -> Result<Held<'_>, isize> {
        self.acquire(false).map(|()| Held(self))
    }

    /// Gives back a borrow taken with [`BorrowFlag::acquire`].
    #[inline]
    pub fn release(&self, mutable: bool) {
        if mutable {
            self.0.store(0, Ordering::Release);
        } else {
            self.0.fetch_sub(1, Ordering::Release);
        }
    }
}

/// A shared borrow of a flag, without a reference: for code that reads
/// through pointers (encoding a model component).
pub(crate) struct Held<'a>(&'a BorrowFlag);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.release(false);
    }
}

/// A shared reference to a component or resource, holding its borrow: while
/// it lives, nothing can borrow the same type mutably through `&World`.
///
/// ```
/// use playground_ecs::World;
/// let mut world = World::new();
/// let e = world.spawn((5u32,));
/// let value = world.get::<u32>(e).unwrap();
/// assert!(world.query::<&mut u32>().is_err(), "held by `value`");
/// assert_eq!(*value, 5);
/// drop(value);
/// assert!(world.query::<&mut u32>().is_ok());
/// ```
pub struct Ref<'w, T: ?Sized> {
    value: &'w T,
    flag: &'w BorrowFlag,
}

impl<'w, T: ?Sized> Ref<'w, T> {
    /// # Safety
    /// `flag` is held shared for `value`'s type, and `value` stays valid
    /// and unmodified while it is held.
    pub(crate) unsafe fn new(value: &'w T, flag: &'w BorrowFlag) -> Self {
        Ref { value, flag }
    }
}

impl<T: ?Sized> Deref for Ref<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T: ?Sized> Drop for Ref<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.flag.release(false);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: ?Sized + PartialEq> PartialEq<T> for Ref<'_, T> {
    fn eq(&self, other: &T) -> bool {
        self.value == other
    }
}

/// An exclusive reference to a component or resource, holding its borrow:
/// while it lives, nothing else can borrow the same type through `&World`.
pub struct RefMut<'w, T: ?Sized> {
    value: &'w mut T,
    flag: &'w BorrowFlag,
}

impl<'w, T: ?Sized> RefMut<'w, T> {
    /// # Safety
    /// `flag` is held exclusively for `value`'s type, and nothing else
    /// reaches `value` while it is held.
    pub(crate) unsafe fn new(value: &'w mut T, flag: &'w BorrowFlag) -> Self {
        RefMut { value, flag }
    }
}

impl<T: ?Sized> Deref for RefMut<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T: ?Sized> DerefMut for RefMut<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        self.value
    }
}

impl<T: ?Sized> Drop for RefMut<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.flag.release(true);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RefMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}
