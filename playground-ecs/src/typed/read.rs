//! Read sessions of typed access through the view: [`TypedRead`], the
//! world read-locked once for many borrows.

use crate::storage::component::Component;
use crate::storage::entity::Entity;
use crate::typed::TypedEcs;
use crate::typed::guard::{Guard, TypedMut, TypedRef};
use crate::typed::query::ViewQuery;
use crate::view::Ecs;
use crate::view::typed::RawSession;
use crate::world::error::EcsError;
use playground_runtime::Model;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;

impl<'a> TypedEcs<'a> {
    /// A read session: the world read-locked once, and each column it
    /// reads borrowed shared once, until it drops, as a `&World` with a
    /// shared query borrow would be: a `get` in it then takes no lock and
    /// no flag. Meanwhile the columns it has read cannot be borrowed
    /// mutably ([`EcsError::Borrowed`]), this thread cannot change the
    /// world's structure ([`EcsError::WorldBorrowed`]), and other threads'
    /// changes wait.
    ///
    /// ```
    /// use playground_ecs::{Ecs, EcsModule, EntityView};
    /// use playground_runtime::model;
    /// #[model]
    /// #[derive(Debug, Clone, PartialEq)]
    /// struct Hp(u32);
    ///
    /// let module = EcsModule::default();
    /// let ecs: &dyn Ecs = &module;
    /// let entities: Vec<_> = (0..3).map(|_| ecs.spawn()).collect();
    /// for &e in &entities {
    ///     ecs.typed().insert(e, Hp(10)).unwrap();
    /// }
    /// let read = ecs.typed().read();
    /// let total: u32 = entities.iter().map(|&e| read.get::<Hp>(e).unwrap().0).sum();
    /// assert_eq!(total, 30);
    /// ```
    pub fn read(&self) -> TypedRead<'a> {
        TypedRead {
            ecs: self.ecs,
            session: ManuallyDrop::new(self.ecs.typed_lock()),
        }
    }
}

/// A read session of a world through the view ([`TypedEcs::read`]):
/// the world stays read-locked until it drops. Not `Send`.
///
/// Its guards borrow it, so none outlives the lock:
///
/// ```compile_fail,E0505
/// use playground_ecs::{Ecs, EcsModule, EntityView};
/// use playground_runtime::model;
/// #[model]
/// #[derive(Debug, Clone)]
/// struct Hp(u32);
///
/// let module = EcsModule::default();
/// let ecs: &dyn Ecs = &module;
/// let e = ecs.spawn();
/// ecs.typed().insert(e, Hp(1)).unwrap();
/// let read = ecs.typed().read();
/// let hp = read.get::<Hp>(e).unwrap();
/// drop(read); // error: `read` is borrowed by `hp`
/// assert_eq!(hp.0, 1);
/// ```
pub struct TypedRead<'a> {
    ecs: &'a (dyn Ecs + 'a),
    session: ManuallyDrop<RawSession>,
}

impl TypedRead<'_> {
    /// `entity`'s `M`, borrowed shared: its column stays borrowed until
    /// the session ends (the guard borrows the session, so it drops
    /// first).
    #[inline]
    pub fn get<M: Model + Component>(&self, entity: Entity) -> Result<TypedRef<'_, M>, EcsError> {
        Ok(TypedRef {
            borrow: Guard::take::<M>(self.ecs, entity, false, Some(&self.session))?,
            _type: PhantomData,
        })
    }

    /// `entity`'s `M`, borrowed exclusively until the guard drops; refused
    /// if the session has read `M`.
    #[inline]
    pub fn get_mut<M: Model + Component>(
        &self,
        entity: Entity,
    ) -> Result<TypedMut<'_, M>, EcsError> {
        Ok(TypedMut {
            borrow: Guard::take::<M>(self.ecs, entity, true, Some(&self.session))?,
            _type: PhantomData,
        })
    }

    /// [`TypedEcs::for_each`], in the session.
    pub fn for_each<Q: ViewQuery>(
        &self,
        f: impl for<'q> FnMut(Q::Item<'q>),
    ) -> Result<u64, EcsError> {
        self.ecs.typed().for_each::<Q>(f)
    }
}

impl Drop for TypedRead<'_> {
    fn drop(&mut self) {
        // SAFETY: taken once, here; `self.session` is not used afterwards.
        let session = unsafe { ManuallyDrop::take(&mut self.session) };
        // SAFETY: taken by `typed_lock` of `self.ecs`, borrowed since; the
        // guards of the session borrow `self`, so none is left.
        unsafe { self.ecs.typed_unlock(session) };
    }
}
