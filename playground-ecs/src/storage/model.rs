//! Model components: component types identified across rebuilds by their
//! model id and state version rather than their `TypeId`, so that a module
//! rebuilt and reloaded finds the world's existing columns, and a changed
//! layout is migrated or refused like any model. This file packs such a
//! type ([`ComponentRegistration`]); the world registers and migrates it in
//! `world/model.rs`.

use crate::storage::component::TypeKey;
use crate::storage::component::{Component, ComponentInfo, ComponentKey};
use playground_runtime::{Model, StateError};

/// Encodes the `T` at `ptr`.
///
/// # Safety
/// `ptr` points to an initialised `T`.
unsafe fn encode_as<T: Model>(ptr: *const u8) -> Result<Vec<u8>, StateError> {
    // SAFETY: the caller's contract.
    unsafe { &*ptr.cast::<T>() }.encode()
}

/// Decodes a `T` into the slot at `ptr`.
///
/// # Safety
/// `ptr` is valid for writing a `T` and holds no value that needs dropping.
unsafe fn decode_into<T: Model>(bytes: &[u8], ptr: *mut u8) -> Result<(), StateError> {
    let value = T::decode(bytes)?;
    // SAFETY: the caller's contract.
    unsafe { ptr.cast::<T>().write(value) };
    Ok(())
}

pub(crate) fn info_of<T: Component + Model>() -> ComponentInfo {
    let mut info = ComponentInfo::with_key::<T>(ComponentKey::Model {
        id: T::MODEL_ID.get(),
        version: T::STATE_VERSION.get(),
    });
    info.encode = Some(encode_as::<T>);
    info.decode = Some(decode_into::<T>);
    info
}

/// A model component type, packed so that code which does not know the
/// type (another module, through the ECS view) can register it.
#[derive(Debug, Clone, Copy)]
pub struct ComponentRegistration {
    pub(crate) type_key: TypeKey,
    pub(crate) info: ComponentInfo,
    pub(crate) model: &'static str,
    pub(crate) model_id: u64,
    pub(crate) version: u64,
}

// Typed access adds `describes` (a registration checked against a
// caller's key) in `module/typed.rs`.
impl ComponentRegistration {
    /// The registration of `T`.
    pub fn of<T: Component + Model>() -> Self {
        ComponentRegistration {
            type_key: TypeKey::of::<T>(),
            info: info_of::<T>(),
            model: T::NAME,
            model_id: T::MODEL_ID.get(),
            version: T::STATE_VERSION.get(),
        }
    }

    /// The type's model id.
    pub(crate) fn model_id(&self) -> u64 {
        self.model_id
    }

    /// The type's state version.
    pub(crate) fn version(&self) -> u64 {
        self.version
    }

    /// The model's name.
    pub(crate) fn model_name(&self) -> &'static str {
        self.model
    }

    /// The type's layout.
    pub(crate) fn layout(&self) -> std::alloc::Layout {
        self.info.layout
    }
}
