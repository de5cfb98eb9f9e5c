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
//! through the view
//! ([`TypedView::typed_release`](crate::TypedView::typed_release)): the
//! world's own code gives back its flags and lock.
//!
//! [`TypedView`](crate::TypedView) holds the six building blocks;
//! [`TypedEcs`] (from `<dyn Ecs>::typed`) and its read sessions
//! ([`TypedRead`](crate::TypedRead)) are the API.
//!
//! This file holds [`TypedEcs`]; `read.rs` its read sessions, `guard.rs`
//! the guards it hands out, `query.rs` what its queries ask for, `hint.rs`
//! the component ids each image remembers.

pub(crate) mod guard;
pub(crate) mod hint;
pub(crate) mod query;
pub(crate) mod read;

use crate::storage::component::Component;
use crate::storage::entity::Entity;
use crate::storage::model::ComponentRegistration;
use crate::typed::guard::{Guard, TypedMut, TypedRef};
use crate::typed::hint::{hint_of, remember};
use crate::typed::query::ViewQuery;
use crate::view::Ecs;
use crate::view::typed::TypedTable;
use crate::view::typed_key::{TypedAccess, TypedKey};
use crate::world::error::EcsError;
use playground_runtime::Model;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;

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
    /// [`Entity`], [`With<M>`](crate::With), [`Without<M>`](crate::Without),
    /// or a tuple of them), table by table in a tight loop; returns how many
    /// matched. The columns are borrowed (all, or an error naming the first
    /// conflict) and the world read-locked for the whole call.
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
