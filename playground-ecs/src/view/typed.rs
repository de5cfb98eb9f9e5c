//! [`TypedView`]: the eighth fragment, the building blocks of typed access
//! (borrows, sessions, inserts and queries of model components in place),
//! and what its calls hand out: a [`RawBorrow`], a [`RawSession`], a
//! [`TypedTable`]. `TypedEcs` wraps them in a safe API.

use crate::storage::borrow::BorrowFlag;
use crate::storage::component::ComponentId;
use crate::storage::entity::{Entity, Meta};
use crate::storage::model::ComponentRegistration;
use crate::view::typed_key::{TypedAccess, TypedKey};
use crate::world::error::EcsError;
use playground_runtime::view;

/// One non-empty table a typed query matched, handed to its visitor: for
/// each access, in order, the base of its column (null for `With` and
/// `Without`), and the table's entities. Valid during the visit only.
pub struct TypedTable {
    pub(crate) columns: *const *mut u8,
    pub(crate) accesses: usize,
    pub(crate) entities: *const u32,
    pub(crate) meta: *const Meta,
    pub(crate) len: usize,
}

impl TypedTable {
    /// How many rows (entities) the table has.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table has no rows (never, for a visited table).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The base of access `index`'s column: `len` values of its type, or
    /// null for a filter.
    ///
    /// # Panics
    /// If `index` is not an access of the query.
    pub fn column(&self, index: usize) -> *mut u8 {
        assert!(index < self.accesses, "access {index} of {}", self.accesses);
        // SAFETY: `columns` points to `accesses` pointers for as long as
        // the visit lasts (`&self` does not outlive it).
        unsafe { *self.columns.add(index) }
    }
}

/// A borrow of one component of one entity, taken by
/// [`TypedView::typed_borrow`]: a building block of
/// [`TypedRef`](crate::TypedRef) and [`TypedMut`](crate::TypedMut), which
/// give it back when dropped.
///
/// While it exists the world stays read-locked and the column's flag is
/// held, so `ptr` stays valid for the type the borrow was checked for.
/// Give it back with [`TypedView::typed_release`] on the same view;
/// dropped otherwise, the borrow is leaked (safe, but the world stays
/// locked for writers). Not `Send`: a read lock is given back by the
/// thread that took it.
#[derive(Debug)]
#[must_use = "a borrow that is not released keeps the world locked"]
pub struct RawBorrow {
    pub(crate) ptr: *mut u8,
    pub(crate) component: u32,
    pub(crate) mutable: bool,
    /// Whether the borrow holds a read lock of its own (else it was taken
    /// in a read session, whose lock it relies on).
    pub(crate) locked: bool,
    pub(crate) flag: *const BorrowFlag,
    /// The module whose world this is, so that a borrow is only given
    /// back to the view that lent it.
    pub(crate) owner: *const (),
}

impl RawBorrow {
    /// The value's address.
    pub fn ptr(&self) -> *mut u8 {
        self.ptr
    }

    /// The world's component id of the value's type.
    pub fn component(&self) -> ComponentId {
        ComponentId(self.component)
    }

    /// Whether the borrow is exclusive.
    pub fn is_mutable(&self) -> bool {
        self.mutable
    }
}

/// A read session of a world, taken by [`TypedView::typed_lock`]: the
/// world stays read-locked (for this thread) until
/// [`TypedView::typed_unlock`], so borrows taken in it
/// ([`TypedView::typed_borrow`] with the session) need no lock of their
/// own; and the columns it reads stay borrowed shared until then, so a
/// shared borrow in it takes no flag either after the first of its column.
/// A building block of [`TypedRead`](crate::TypedRead). Not `Send`.
#[derive(Debug)]
#[must_use = "a session that is not unlocked keeps the world locked"]
pub struct RawSession {
    pub(crate) owner: *const (),
    /// The columns (ids below 128) whose shared flag the session holds.
    pub(crate) held: std::cell::Cell<u128>,
}

/// The building blocks of typed access through the view: 6 operations.
/// Use them through [`TypedEcs`](crate::TypedEcs) (`<dyn Ecs>::typed`),
/// which checks the types and wraps the pointers in guards.
#[view(abi(crate::view::abi::ABI_VERSION))]
pub trait TypedView: Send + Sync {
    /// Borrows `entity`'s component of `key` (shared or exclusive); `hint`
    /// is a component id to try first (`u32::MAX`: none). Without a
    /// `session` the borrow keeps the world read-locked until it is
    /// released; in a session of this view it relies on the session's
    /// lock (a session of another live view is refused).
    ///
    /// # Safety
    /// A `session` was taken by [`TypedView::typed_lock`] of this same
    /// view, alive since, and is not unlocked while the borrow is held (a
    /// `RawSession` has no lifetime of its own: a dropped view's address
    /// may be reused). Without a session there is no condition.
    unsafe fn typed_borrow(
        &self,
        entity: Entity,
        key: TypedKey,
        hint: u32,
        mutable: bool,
        session: Option<&RawSession>,
    ) -> Result<RawBorrow, EcsError>;
    /// Gives back a borrow from [`TypedView::typed_borrow`] of this view.
    ///
    /// # Safety
    /// `borrow` was taken by `typed_borrow` of this same view, which has
    /// lived ever since (a `RawBorrow` has no lifetime of its own). A
    /// borrow of another live view is detected and leaked, not released.
    unsafe fn typed_release(&self, borrow: RawBorrow);
    /// Read-locks the world until [`TypedView::typed_unlock`]: a session
    /// for many borrows. Meanwhile this thread cannot change the world's
    /// structure ([`EcsError::WorldBorrowed`]); other threads wait to.
    fn typed_lock(&self) -> RawSession;
    /// Ends a session.
    ///
    /// # Safety
    /// `session` was taken by `typed_lock` of this same view, alive since,
    /// and no borrow taken in it is still held. A session of another live
    /// view is detected and leaked.
    unsafe fn typed_unlock(&self, session: RawSession);
    /// Moves the value at `value` into `entity`'s component of `key`,
    /// registering the type with `registration` if the world has no
    /// column for it; returns the component id.
    ///
    /// # Safety
    /// `value` points to an initialised value of the type that `key` and
    /// `registration` describe; on `Ok` the caller gives it up (it is
    /// moved out, or receives the replaced value, which is dropped there),
    /// on `Err` it is untouched.
    unsafe fn typed_insert(
        &self,
        entity: Entity,
        key: TypedKey,
        hint: u32,
        registration: &ComponentRegistration,
        value: *mut u8,
    ) -> Result<ComponentId, EcsError>;
    /// Borrows the columns of `accesses` for the whole call and calls
    /// `visit` with every non-empty table that matches; sets each
    /// access's `hint` to the id resolved. Returns how many rows matched.
    fn typed_query(
        &self,
        accesses: &mut [TypedAccess],
        visit: &mut dyn FnMut(&TypedTable),
    ) -> Result<u64, EcsError>;
}
