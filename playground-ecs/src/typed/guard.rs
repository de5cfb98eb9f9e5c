//! The guards of typed access through the view: [`TypedRef`] and
//! [`TypedMut`], each a borrow with the view that gives it back when it
//! drops.

use crate::storage::component::Component;
use crate::storage::entity::Entity;
use crate::typed::hint::{hint_of, remember};
use crate::view::Ecs;
use crate::view::typed::{RawBorrow, RawSession};
use crate::view::typed_key::TypedKey;
use crate::world::error::EcsError;
use playground_runtime::Model;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

/// A borrow with the view that gives it back.
pub(crate) struct Guard<'a> {
    ecs: &'a (dyn Ecs + 'a),
    borrow: ManuallyDrop<RawBorrow>,
}

impl<'a> Guard<'a> {
    #[inline]
    pub(crate) fn take<M: Model + Component>(
        ecs: &'a (dyn Ecs + 'a),
        entity: Entity,
        mutable: bool,
        session: Option<&'a RawSession>,
    ) -> Result<Self, EcsError> {
        let key = TypedKey::of::<M>();
        // SAFETY: a session comes from a `TypedRead` of `ecs` (open while
        // borrowed, for `'a`), and so does the guard's lifetime.
        let borrow = unsafe { ecs.typed_borrow(entity, key, hint_of(&key), mutable, session)? };
        remember(&key, borrow.component);
        Ok(Guard {
            ecs,
            borrow: ManuallyDrop::new(borrow),
        })
    }
}

impl Drop for Guard<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.borrow.flag.is_null() && !self.borrow.locked {
            // A shared borrow of a read session's: the session holds the
            // column's flag and the lock, and gives both back itself.
            return;
        }
        // SAFETY: taken once, here; `self.borrow` is not used afterwards.
        let borrow = unsafe { ManuallyDrop::take(&mut self.borrow) };
        // SAFETY: `borrow` was taken by `typed_borrow` of `self.ecs`, which
        // the guard has borrowed ever since (`'a`), as it has the session
        // the borrow was taken in, if any.
        unsafe { self.ecs.typed_release(borrow) };
    }
}

/// A model component borrowed shared through the view
/// ([`TypedEcs::get`](crate::TypedEcs::get)); gives the borrow back when
/// dropped.
///
/// It holds the world's lock for its thread, so it stays on that thread:
///
/// ```compile_fail,E0277
/// use playground_ecs::{Ecs, EcsModule, EntityView};
/// #[playground_runtime::model]
/// #[derive(Debug, Clone)]
/// struct Hp(u32);
///
/// fn send<T: Send>(_: T) {}
/// let module = EcsModule::default();
/// let ecs: &dyn Ecs = &module;
/// let e = ecs.spawn();
/// ecs.typed().insert(e, Hp(1)).unwrap();
/// let hp = ecs.typed().get::<Hp>(e).unwrap();
/// send(hp); // error: `TypedRef` is not `Send`
/// ```
pub struct TypedRef<'a, M> {
    pub(crate) borrow: Guard<'a>,
    pub(crate) _type: PhantomData<&'a M>,
}

impl<M> Deref for TypedRef<'_, M> {
    type Target = M;
    #[inline]
    fn deref(&self) -> &M {
        // SAFETY: the world checked that the column holds `M`s (model id,
        // state version, size and align of `M`: `TypedKey::of::<M>()`),
        // and the borrow keeps the value in place and unwritten: the world
        // stays read-locked (no despawn, no table move, no `&mut World`)
        // and the column's shared flag is held (no `&mut M` through the
        // view or `&World`) until the guard drops: by the guard, or by the
        // read session it was taken in, which the guard borrows.
        unsafe { &*self.borrow.borrow.ptr.cast::<M>() }
    }
}

impl<M: std::fmt::Debug> std::fmt::Debug for TypedRef<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<M: PartialEq> PartialEq<M> for TypedRef<'_, M> {
    fn eq(&self, other: &M) -> bool {
        **self == *other
    }
}

/// A model component borrowed exclusively through the view
/// ([`TypedEcs::get_mut`](crate::TypedEcs::get_mut)); gives the borrow
/// back when dropped.
pub struct TypedMut<'a, M> {
    pub(crate) borrow: Guard<'a>,
    pub(crate) _type: PhantomData<&'a mut M>,
}

impl<M> Deref for TypedMut<'_, M> {
    type Target = M;
    #[inline]
    fn deref(&self) -> &M {
        // SAFETY: as for `TypedRef`, with the flag held exclusively.
        unsafe { &*self.borrow.borrow.ptr.cast::<M>() }
    }
}

impl<M> DerefMut for TypedMut<'_, M> {
    #[inline]
    fn deref_mut(&mut self) -> &mut M {
        // SAFETY: the world checked the type (as for `TypedRef`), and the
        // exclusive flag, held until the guard drops, keeps every other
        // borrow of the column out; `&mut self` makes this the only
        // reference through the guard.
        unsafe { &mut *self.borrow.borrow.ptr.cast::<M>() }
    }
}

impl<M: std::fmt::Debug> std::fmt::Debug for TypedMut<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}
