//! The host side of typed access: [`EcsModule`]'s [`TypedView`], whose
//! code (the world's own) takes and gives back the borrows, and the
//! world's resolution of a caller's [`TypedKey`] to its column.

use crate::module::EcsModule;
use crate::storage::component::{ComponentId, ComponentKey};
use crate::storage::entity::Entity;
use crate::storage::model::ComponentRegistration;
use crate::view::typed::{RawBorrow, RawSession, TypedTable, TypedView};
use crate::view::typed_key::{AccessKind, TypedAccess, TypedKey};
use crate::world::World;
use crate::world::error::{EcsError, ModelError};
use std::cell::Cell;
use std::thread::LocalKey;

impl World {
    /// The component of `key`: `hint` if it is one (an index compare and
    /// four integer compares), else looked up. `None` if the world has
    /// never registered the model; an error if it has it in another state
    /// version or layout.
    #[inline]
    pub(crate) fn typed_component(
        &self,
        key: &TypedKey,
        hint: u32,
    ) -> Result<Option<ComponentId>, EcsError> {
        if let Some(info) = self.components.try_info(hint)
            && info.key == key.component_key()
            && info.layout.size() as u64 == key.size
            && info.layout.align() as u64 == key.align
        {
            return Ok(Some(ComponentId(hint)));
        }
        self.resolve_typed(key)
    }

    #[cold]
    fn resolve_typed(&self, key: &TypedKey) -> Result<Option<ComponentId>, EcsError> {
        if let Some(id) = self.components.by_key(key.component_key()) {
            let info = self.components.info(id);
            let (size, align) = (info.layout.size() as u64, info.layout.align() as u64);
            if (size, align) != (key.size, key.align) {
                return Err(EcsError::ModelLayout {
                    model: info.name,
                    world_size: size,
                    world_align: align,
                    caller_size: key.size,
                    caller_align: key.align,
                });
            }
            return Ok(Some(id));
        }
        match self.model_component(key.model_id) {
            Some(id) => {
                let info = self.components.info(id);
                let ComponentKey::Model { version, .. } = info.key else {
                    unreachable!("model_component finds model components")
                };
                Err(EcsError::ModelVersion {
                    model: info.name,
                    world: version,
                    caller: key.state_version,
                })
            }
            None => Ok(None),
        }
    }

    /// [`World::typed_component`], registering the type if the world has
    /// no column for it (as [`World::register`] allows: refused if
    /// entities store the model in another version) and `entity` is alive.
    #[inline]
    pub(crate) fn typed_component_or_register(
        &mut self,
        entity: Entity,
        key: &TypedKey,
        hint: u32,
        registration: &ComponentRegistration,
    ) -> Result<ComponentId, EcsError> {
        match self.typed_component(key, hint) {
            Ok(Some(id)) => Ok(id),
            Ok(None) | Err(EcsError::ModelVersion { .. }) => {
                // Not for a stale entity: an insert that fails changes nothing.
                self.location(entity)?;
                self.register_typed(key, registration)
            }
            Err(error) => Err(error),
        }
    }

    #[cold]
    fn register_typed(
        &mut self,
        key: &TypedKey,
        registration: &ComponentRegistration,
    ) -> Result<ComponentId, EcsError> {
        if !registration.describes(key) {
            return Err(EcsError::ModelVersion {
                model: registration.model_name(),
                world: registration.version(),
                caller: key.state_version,
            });
        }
        self.register(*registration).map_err(|error| match error {
            // Named as the other errors of typed access name it: by the
            // world's type name.
            ModelError::VersionChanged { model, stored, new } => EcsError::ModelVersion {
                model: self
                    .model_component(key.model_id)
                    .map_or(model, |id| self.components.info(id).name),
                world: stored,
                caller: new,
            },
            other => EcsError::Model(other),
        })
    }
}

impl ComponentRegistration {
    /// Whether this registration is of the type `key` describes.
    fn describes(&self, key: &TypedKey) -> bool {
        let layout = self.layout();
        self.model_id() == key.model_id
            && self.version() == key.state_version
            && layout.size() as u64 == key.size
            && layout.align() as u64 == key.align
    }
}

/// Gives back column borrows and a thread's held count, also when a
/// visitor panics.
struct Taken<'w> {
    world: &'w World,
    taken: Vec<(ComponentId, bool)>,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        for &(id, mutable) in &self.taken {
            self.world.flag(id).release(mutable);
        }
    }
}

/// Counts a typed borrow on this thread while it lives.
struct Counted(&'static LocalKey<Cell<usize>>);

impl Counted {
    fn new(held: &'static LocalKey<Cell<usize>>) -> Counted {
        held.set(held.get() + 1);
        Counted(held)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

impl EcsModule {
    fn owner(&self) -> *const () {
        std::ptr::from_ref(self).cast()
    }
}

/// Finds `entity`'s component of `key` in `world`: its id and address.
#[inline(always)]
fn locate(
    world: &World,
    entity: Entity,
    key: TypedKey,
    hint: u32,
) -> Result<(ComponentId, *mut u8), EcsError> {
    let location = world.location(entity)?;
    let id = world
        .typed_component(&key, hint)?
        .ok_or(EcsError::UnknownModel {
            model_id: key.model_id,
            state_version: key.state_version,
        })?;
    let table = &world.archetypes[location.archetype as usize];
    let column = table.column(id).ok_or_else(|| EcsError::MissingComponent {
        entity,
        component: world.components.info(id).name,
    })?;
    Ok((id, table.columns[column].ptr(location.row as usize)))
}

/// Takes the flag of column `id` for a borrow of the value at `ptr`,
/// in `world`, which the caller keeps read-locked while it lives.
#[inline(always)]
fn take_flag(
    world: &World,
    id: ComponentId,
    ptr: *mut u8,
    mutable: bool,
    locked: bool,
) -> Result<RawBorrow, EcsError> {
    let flag = world.flag(id);
    flag.acquire(mutable)
        .map_err(|state| world.borrowed(id, state))?;
    Ok(RawBorrow {
        ptr,
        component: id.0,
        mutable,
        locked,
        flag,
        owner: std::ptr::null(),
    })
}

impl TypedView for EcsModule {
    #[inline]
    unsafe fn typed_borrow(
        &self,
        entity: Entity,
        key: TypedKey,
        hint: u32,
        mutable: bool,
        session: Option<&RawSession>,
    ) -> Result<RawBorrow, EcsError> {
        match session {
            None => {
                let simulation = self.read();
                let (id, ptr) = locate(&simulation.world, entity, key, hint)?;
                let borrow = take_flag(&simulation.world, id, ptr, mutable, true)?;
                self.state.held.set(self.state.held.get() + 1);
                // The read lock stays taken until `typed_release` gives
                // it back (`force_unlock_read`): it is what keeps the
                // pointer and the flag valid (no writer can move a row
                // or grow the flags meanwhile).
                std::mem::forget(simulation);
                Ok(RawBorrow {
                    owner: self.owner(),
                    ..borrow
                })
            }
            Some(session) => {
                if session.owner != self.owner() {
                    return Err(EcsError::ForeignSession);
                }
                // SAFETY: the session was taken by `typed_lock` of
                // this module, which has lived since, and is open (the
                // caller's contract; the owner check catches a session
                // of another live module). So this thread holds a read
                // lock of `simulation`, which keeps the world unchanged
                // for as long as the borrow may live (within the
                // session, by the same contract); only reads follow.
                let world = unsafe { &(*self.state.simulation.data_ptr()).world };
                let (id, ptr) = locate(world, entity, key, hint)?;
                let bit = 1u128.checked_shl(id.0).unwrap_or(0);
                if mutable || bit == 0 {
                    let borrow = take_flag(world, id, ptr, mutable, false)?;
                    return Ok(RawBorrow {
                        owner: self.owner(),
                        ..borrow
                    });
                }
                // A shared borrow: of the session's, taken once per
                // column and given back by `typed_unlock`.
                if session.held.get() & bit == 0 {
                    world
                        .flag(id)
                        .acquire(false)
                        .map_err(|state| world.borrowed(id, state))?;
                    session.held.set(session.held.get() | bit);
                }
                Ok(RawBorrow {
                    ptr,
                    component: id.0,
                    mutable: false,
                    locked: false,
                    flag: std::ptr::null(),
                    owner: self.owner(),
                })
            }
        }
    }

    #[inline]
    unsafe fn typed_release(&self, borrow: RawBorrow) {
        if borrow.owner != self.owner() {
            // Another world's borrow: releasing it here would unlock a
            // lock this one does not hold. Leaked instead.
            return;
        }
        // SAFETY: `borrow` came from `typed_borrow` of this module,
        // alive since (the caller's contract; the owner matches). Only
        // `typed_borrow` makes a `RawBorrow`, which is neither `Clone`
        // nor `Send`: this is its only release, on the thread that
        // took it. That call took the flag as `borrow.mutable` says, and
        // a read lock of `simulation` is held (its own, `locked`, or its
        // session's, open by the contract), which keeps the flag's
        // storage in place until after its release.
        unsafe {
            // Null: a shared borrow of a session's, whose flag the
            // session holds.
            if !borrow.flag.is_null() {
                (*borrow.flag).release(borrow.mutable);
            }
            if borrow.locked {
                self.state.held.set(self.state.held.get() - 1);
                self.state.simulation.force_unlock_read();
            }
        }
    }

    fn typed_lock(&self) -> RawSession {
        std::mem::forget(self.read());
        self.state.held.set(self.state.held.get() + 1);
        RawSession {
            owner: self.owner(),
            held: std::cell::Cell::new(0),
        }
    }

    unsafe fn typed_unlock(&self, session: RawSession) {
        if session.owner != self.owner() {
            return;
        }
        // SAFETY: `typed_lock` of this module made the session (the
        // caller's contract; the owner matches) and forgot the read
        // guard it took on this thread (a session is not `Send`), so
        // the world is read-locked and its flags in place; no borrow of
        // the session is held (the contract), so nothing relies on its
        // column flags or on the lock any more.
        unsafe {
            let world = &(*self.state.simulation.data_ptr()).world;
            let mut held = session.held.get();
            while held != 0 {
                let id = held.trailing_zeros();
                world.flag(ComponentId(id)).release(false);
                held &= held - 1;
            }
            self.state.held.set(self.state.held.get() - 1);
            self.state.simulation.force_unlock_read();
        }
    }

    #[inline]
    unsafe fn typed_insert(
        &self,
        entity: Entity,
        key: TypedKey,
        hint: u32,
        registration: &ComponentRegistration,
        value: *mut u8,
    ) -> Result<ComponentId, EcsError> {
        let mut simulation = self.try_write()?;
        let world = &mut simulation.world;
        let id = world.typed_component_or_register(entity, &key, hint, registration)?;
        // SAFETY: `id`'s type is the one `key` describes (checked, or
        // registered from a registration that describes it), and the
        // caller's contract says `value` is such a value, given up on
        // `Ok`.
        unsafe { world.insert_raw(entity, id, value)? };
        Ok(id)
    }

    fn typed_query(
        &self,
        accesses: &mut [TypedAccess],
        visit: &mut dyn FnMut(&TypedTable),
    ) -> Result<u64, EcsError> {
        let simulation = self.read();
        let world = &simulation.world;
        let mut ids = Vec::with_capacity(accesses.len());
        for access in accesses.iter_mut() {
            match world.typed_component(&access.key, access.hint)? {
                Some(id) => {
                    access.hint = id.0;
                    ids.push(Some(id));
                }
                None if access.kind == AccessKind::Without => ids.push(None),
                // A type the world never had: nothing matches.
                None => return Ok(0),
            }
        }
        for (i, (a, id)) in accesses.iter().zip(&ids).enumerate() {
            let Some(id) = id else { continue };
            let uses = |kind| matches!(kind, AccessKind::Read | AccessKind::Write);
            let aliased = accesses.iter().zip(&ids).skip(i + 1).any(|(b, other)| {
                other == &Some(*id)
                    && uses(a.kind)
                    && uses(b.kind)
                    && (a.kind == AccessKind::Write || b.kind == AccessKind::Write)
            });
            if aliased {
                return Err(EcsError::AliasedQuery {
                    component: world.components.info(*id).name,
                });
            }
        }
        let mut taken = Taken {
            world,
            taken: Vec::with_capacity(ids.len()),
        };
        for (access, id) in accesses.iter().zip(&ids) {
            let (Some(id), true) = (
                id,
                matches!(access.kind, AccessKind::Read | AccessKind::Write),
            ) else {
                continue;
            };
            let mutable = access.kind == AccessKind::Write;
            world
                .flag(*id)
                .acquire(mutable)
                .map_err(|state| world.borrowed(*id, state))?;
            taken.taken.push((*id, mutable));
        }
        // While `visit` runs, this thread holds the read lock: a write
        // through the view from inside it must not wait.
        let _counted = Counted::new(self.state.held);
        let mut columns = vec![std::ptr::null_mut::<u8>(); accesses.len()];
        let mut rows = 0u64;
        for table in &world.archetypes {
            if table.len() == 0 {
                continue;
            }
            let matches = accesses
                .iter()
                .zip(&ids)
                .all(|(access, id)| match access.kind {
                    AccessKind::Without => id.is_none_or(|id| table.column(id).is_none()),
                    _ => id.is_some_and(|id| table.column(id).is_some()),
                });
            if !matches {
                continue;
            }
            for ((access, id), column) in accesses.iter().zip(&ids).zip(&mut columns) {
                *column = match (access.kind, id) {
                    (AccessKind::Read | AccessKind::Write, Some(id)) => {
                        let index = table.column(*id).expect("the table matched");
                        table.columns[index].ptr(0)
                    }
                    _ => std::ptr::null_mut(),
                };
            }
            rows += table.len() as u64;
            // The pointers stay valid for the visit: the read lock is
            // held (no row moves, no table grows) and so are the
            // column borrows.
            visit(&TypedTable {
                columns: columns.as_ptr(),
                accesses: columns.len(),
                entities: table.entities.as_ptr(),
                meta: world.entities.meta().as_ptr(),
                len: table.len(),
            });
        }
        Ok(rows)
    }
}
