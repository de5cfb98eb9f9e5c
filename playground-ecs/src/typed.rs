//! Typed access through the view: a module that holds a `dyn Ecs` reads,
//! writes, inserts and queries model components as their Rust types, in
//! place, without encoding them as [`ModelValue`](crate::ModelValue)s.
//!
//! The caller may be another image (a module library) than the world, so
//! a `TypeId` proves nothing: a component type is named by its model id
//! and state version (its structural fingerprint) with its size and align,
//! a [`TypedKey`]. The world resolves the key to its column once per call
//! from a cached hint and hands out a pointer into the column; a key whose
//! model the world holds in another version, or with another layout, is a
//! typed error ([`EcsError::ModelVersion`], [`EcsError::ModelLayout`]),
//! never a reinterpretation.
//!
//! Borrows follow the typed [`World`](crate::World)'s rules: one flag per
//! column, shared or exclusive, a conflict an [`EcsError::Borrowed`]. A
//! guard also keeps the world's read lock until it drops, so nothing can
//! move or free the value under it (despawn, inserts and removes that
//! move rows, a tick); on the guard's own thread such changes are refused
//! with [`EcsError::WorldBorrowed`], other threads wait. The release goes
//! through the view ([`TypedView::typed_release`]): the world's own code
//! gives back its flags and lock.
//!
//! [`TypedView`] holds the six building blocks; [`TypedEcs`] (from
//! `<dyn Ecs>::typed`) and its read sessions ([`TypedRead`]) are the API.

use crate::storage::component::Component;
use crate::storage::entity::{Entity, Meta};
use crate::storage::model::ComponentRegistration;
use crate::view::Ecs;
use crate::view::typed::{RawBorrow, RawSession, TypedTable};
use crate::view::typed_key::{AccessKind, TypedAccess, TypedKey};
use crate::world::error::EcsError;
use crate::world::query::{With, Without};
use playground_runtime::Model;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU32, Ordering};

/// Component ids the calling image last saw, per model (hashed into a few
/// slots): a hint only, checked by the world on every use, so a slot
/// shared by two models or two worlds costs a lookup, never a wrong type.
static HINTS: [AtomicU32; 64] = [const { AtomicU32::new(u32::MAX) }; 64];

fn hint_slot(key: &TypedKey) -> &'static AtomicU32 {
    &HINTS[((key.model_id ^ key.state_version) % HINTS.len() as u64) as usize]
}

#[inline]
fn hint_of(key: &TypedKey) -> u32 {
    hint_slot(key).load(Ordering::Relaxed)
}

#[inline]
fn remember(key: &TypedKey, id: u32) {
    let slot = hint_slot(key);
    if slot.load(Ordering::Relaxed) != id {
        slot.store(id, Ordering::Relaxed);
    }
}

impl<'e> dyn Ecs + 'e {
    /// Typed access to this ECS's model components, in place: see
    /// [`TypedEcs`].
    #[inline]
    pub fn typed(&self) -> TypedEcs<'_> {
        TypedEcs { ecs: self }
    }
}

/// Typed access through the view, from `<dyn Ecs>::typed`: model
/// components as their Rust types, checked by model id, state version and
/// layout, then zero-copy, with the typed [`World`](crate::World)'s borrow
/// rules.
///
/// ```
/// use playground_ecs::{Ecs, EcsModule, EntityView};
/// use playground_runtime::model;
///
/// #[model]
/// #[derive(Debug, Clone, PartialEq)]
/// struct Pos(f32);
///
/// let module = EcsModule::default();
/// let ecs: &dyn Ecs = &module;
/// let e = ecs.spawn();
/// ecs.typed().insert(e, Pos(1.0)).unwrap(); // registers `Pos`
/// ecs.typed().get_mut::<Pos>(e).unwrap().0 += 1.0;
/// assert_eq!(*ecs.typed().get::<Pos>(e).unwrap(), Pos(2.0));
/// let mut sum = 0.0;
/// ecs.typed().for_each::<&Pos>(|p| sum += p.0).unwrap();
/// assert_eq!(sum, 2.0);
/// ```
#[derive(Clone, Copy)]
pub struct TypedEcs<'a> {
    ecs: &'a (dyn Ecs + 'a),
}

impl<'a> TypedEcs<'a> {
    /// `entity`'s `M`, borrowed shared until the guard drops: meanwhile a
    /// mutable borrow of `M` ([`TypedEcs::get_mut`], a query writing it,
    /// a system) is refused, and changes to the world's structure wait
    /// (other threads) or are refused ([`EcsError::WorldBorrowed`], this
    /// thread).
    #[inline]
    pub fn get<M: Model + Component>(&self, entity: Entity) -> Result<TypedRef<'a, M>, EcsError> {
        Ok(TypedRef {
            borrow: Guard::take::<M>(self.ecs, entity, false, None)?,
            _type: PhantomData,
        })
    }

    /// `entity`'s `M`, borrowed exclusively until the guard drops.
    #[inline]
    pub fn get_mut<M: Model + Component>(
        &self,
        entity: Entity,
    ) -> Result<TypedMut<'a, M>, EcsError> {
        Ok(TypedMut {
            borrow: Guard::take::<M>(self.ecs, entity, true, None)?,
            _type: PhantomData,
        })
    }

    /// Adds or replaces `entity`'s `M`, moving `value` into the world
    /// (registering `M` on first use). On an error `value` is dropped and
    /// nothing changed.
    #[inline]
    pub fn insert<M: Model + Component>(&self, entity: Entity, value: M) -> Result<(), EcsError> {
        let key = TypedKey::of::<M>();
        let mut value = ManuallyDrop::new(value);
        let ptr: *mut M = &mut *value;
        // SAFETY: `ptr` is an initialised `M`, which `key` and the
        // registration describe; on `Ok` the world took it (or left the
        // replaced value there and dropped it), so it is not dropped here.
        let inserted = unsafe {
            self.ecs.typed_insert(
                entity,
                key,
                hint_of(&key),
                &ComponentRegistration::of::<M>(),
                ptr.cast(),
            )
        };
        match inserted {
            Ok(id) => {
                remember(&key, id.0);
                Ok(())
            }
            Err(error) => {
                // SAFETY: on `Err` the world did not touch the value, and
                // it is dropped once, here.
                unsafe { ManuallyDrop::drop(&mut value) };
                Err(error)
            }
        }
    }

    /// Whether `entity` has an `M` (a shared borrow, taken and given back).
    pub fn has<M: Model + Component>(&self, entity: Entity) -> Result<bool, EcsError> {
        match self.get::<M>(entity) {
            Ok(_) => Ok(true),
            Err(EcsError::MissingComponent { .. } | EcsError::UnknownModel { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Calls `f` with every entity that matches `Q` (`&M`, `&mut M`,
    /// [`Entity`], [`With<M>`], [`Without<M>`], or a tuple of them), table
    /// by table in a tight loop; returns how many matched. The columns are
    /// borrowed (all, or an error naming the first conflict) and the world
    /// read-locked for the whole call.
    ///
    /// A panic in `f` unwinds out of this call; the borrows are given
    /// back on the way, and the world stays usable.
    pub fn for_each<Q: ViewQuery>(
        &self,
        mut f: impl for<'q> FnMut(Q::Item<'q>),
    ) -> Result<u64, EcsError> {
        let mut accesses = Vec::with_capacity(4);
        Q::accesses(&mut |key, kind| {
            accesses.push(TypedAccess {
                key,
                kind,
                hint: hint_of(&key),
            })
        });
        let mut visit = |table: &TypedTable| {
            let mut next = 0;
            // SAFETY: `table` comes from a query of `Q`'s accesses, in the
            // order `Q::accesses` gave them.
            let fetch = unsafe { Q::fetch(table, &mut next) };
            for row in 0..table.len {
                // SAFETY: `row` is below the table's length; the world holds
                // `Q`'s borrows and its read lock for the whole visit, and
                // the item cannot outlive one call of `f` (`for<'q>`).
                f(unsafe { Q::item(fetch, row) });
            }
        };
        let rows = self.ecs.typed_query(&mut accesses, &mut visit)?;
        for access in &accesses {
            remember(&access.key, access.hint);
        }
        Ok(rows)
    }
}

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
/// ```compile_fail
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

/// A borrow with the view that gives it back.
struct Guard<'a> {
    ecs: &'a (dyn Ecs + 'a),
    borrow: ManuallyDrop<RawBorrow>,
}

impl<'a> Guard<'a> {
    #[inline]
    fn take<M: Model + Component>(
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
/// ([`TypedEcs::get`]); gives the borrow back when dropped.
pub struct TypedRef<'a, M> {
    borrow: Guard<'a>,
    _type: PhantomData<&'a M>,
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
/// ([`TypedEcs::get_mut`]); gives the borrow back when dropped.
pub struct TypedMut<'a, M> {
    borrow: Guard<'a>,
    _type: PhantomData<&'a mut M>,
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

/// What a typed query through the view asks for: `&M`, `&mut M` of a model
/// component `M`, [`Entity`], [`With<M>`], [`Without<M>`], or a tuple of
/// them.
///
/// # Safety
/// `accesses` reports every column `fetch`/`item` read (`Read`) or write
/// (`Write`), in the order `fetch` consumes them, and reports filters
/// (`With`, `Without`) as accesses that `fetch` skips.
pub unsafe trait ViewQuery {
    /// What one row yields.
    type Item<'q>;
    /// Pointers into one table.
    type Fetch: Copy;
    /// Calls `f` with each component type used, in order.
    fn accesses(f: &mut impl FnMut(TypedKey, AccessKind));
    /// This query's pointers into `table`, consuming its accesses from
    /// `*next` on.
    ///
    /// # Safety
    /// `table` was matched by a query of `accesses` in this order.
    unsafe fn fetch(table: &TypedTable, next: &mut usize) -> Self::Fetch;
    /// The item at `row`.
    ///
    /// # Safety
    /// `fetch` is of a table being visited, `row` below its length, and the
    /// query's borrows are held for `'q`.
    unsafe fn item<'q>(fetch: Self::Fetch, row: usize) -> Self::Item<'q>;
}

// SAFETY: reads `M`'s column only, reported as `Read`.
unsafe impl<M: Model + Component> ViewQuery for &M {
    type Item<'q> = &'q M;
    type Fetch = *const M;
    fn accesses(f: &mut impl FnMut(TypedKey, AccessKind)) {
        f(TypedKey::of::<M>(), AccessKind::Read);
    }
    #[inline]
    unsafe fn fetch(table: &TypedTable, next: &mut usize) -> *const M {
        let column = table.column(*next);
        *next += 1;
        column.cast()
    }
    #[inline(always)]
    unsafe fn item<'q>(fetch: *const M, row: usize) -> &'q M {
        // SAFETY: the trait's contract: the column holds `len` `M`s (the
        // world checked the key) under a shared borrow.
        unsafe { &*fetch.add(row) }
    }
}

// SAFETY: writes `M`'s column only, reported as `Write`.
unsafe impl<M: Model + Component> ViewQuery for &mut M {
    type Item<'q> = &'q mut M;
    type Fetch = *mut M;
    fn accesses(f: &mut impl FnMut(TypedKey, AccessKind)) {
        f(TypedKey::of::<M>(), AccessKind::Write);
    }
    #[inline]
    unsafe fn fetch(table: &TypedTable, next: &mut usize) -> *mut M {
        let column = table.column(*next);
        *next += 1;
        column.cast()
    }
    #[inline(always)]
    unsafe fn item<'q>(fetch: *mut M, row: usize) -> &'q mut M {
        // SAFETY: the trait's contract: an exclusive borrow of the column
        // (not aliased within the query: the world checks), and each row
        // is yielded once.
        unsafe { &mut *fetch.add(row) }
    }
}

// SAFETY: reads the table's entity indices and the world's entity records,
// which nothing writes under the read lock; no column.
unsafe impl ViewQuery for Entity {
    type Item<'q> = Entity;
    type Fetch = (*const u32, *const Meta);
    fn accesses(_: &mut impl FnMut(TypedKey, AccessKind)) {}
    #[inline]
    unsafe fn fetch(table: &TypedTable, _: &mut usize) -> Self::Fetch {
        (table.entities, table.meta)
    }
    #[inline(always)]
    unsafe fn item<'q>((indices, meta): Self::Fetch, row: usize) -> Self::Item<'q> {
        // SAFETY: `row` is a row of the table, whose index is a live
        // entity's, below the length of the records.
        unsafe {
            let index = *indices.add(row);
            Entity {
                index,
                generation: (*meta.add(index as usize)).generation,
            }
        }
    }
}

// SAFETY: a filter: reported as `With`, skipped by `fetch`.
unsafe impl<M: Model + Component> ViewQuery for With<M> {
    type Item<'q> = ();
    type Fetch = ();
    fn accesses(f: &mut impl FnMut(TypedKey, AccessKind)) {
        f(TypedKey::of::<M>(), AccessKind::With);
    }
    #[inline]
    unsafe fn fetch(_: &TypedTable, next: &mut usize) {
        *next += 1;
    }
    #[inline(always)]
    unsafe fn item<'q>(_: (), _: usize) -> Self::Item<'q> {}
}

// SAFETY: a filter: reported as `Without`, skipped by `fetch`.
unsafe impl<M: Model + Component> ViewQuery for Without<M> {
    type Item<'q> = ();
    type Fetch = ();
    fn accesses(f: &mut impl FnMut(TypedKey, AccessKind)) {
        f(TypedKey::of::<M>(), AccessKind::Without);
    }
    #[inline]
    unsafe fn fetch(_: &TypedTable, next: &mut usize) {
        *next += 1;
    }
    #[inline(always)]
    unsafe fn item<'q>(_: (), _: usize) -> Self::Item<'q> {}
}

macro_rules! tuple_view_query {
    ($($name:ident $index:tt),+) => {
        // SAFETY: the elements' accesses, in order, as `fetch` consumes them.
        unsafe impl<$($name: ViewQuery),+> ViewQuery for ($($name,)+) {
            type Item<'q> = ($($name::Item<'q>,)+);
            type Fetch = ($($name::Fetch,)+);
            fn accesses(f: &mut impl FnMut(TypedKey, AccessKind)) {
                $($name::accesses(f);)+
            }
            #[inline]
            unsafe fn fetch(table: &TypedTable, next: &mut usize) -> Self::Fetch {
                // SAFETY: the trait's contract, forwarded in order.
                unsafe { ($($name::fetch(table, next),)+) }
            }
            #[inline(always)]
            unsafe fn item<'q>(fetch: Self::Fetch, row: usize) -> Self::Item<'q> {
                // SAFETY: the trait's contract, forwarded to each element.
                unsafe { ($($name::item(fetch.$index, row),)+) }
            }
        }
    };
}

tuple_view_query!(A 0);
tuple_view_query!(A 0, B 1);
tuple_view_query!(A 0, B 1, C 2);
tuple_view_query!(A 0, B 1, C 2, D 3);
tuple_view_query!(A 0, B 1, C 2, D 3, E 4);
tuple_view_query!(A 0, B 1, C 2, D 3, E 4, F 5);
