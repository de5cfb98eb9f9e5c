//! How typed access names a model component type across images (another
//! build may call: a `TypeId` proves nothing): a [`TypedKey`], and what a
//! typed query does with each type it uses ([`TypedAccess`]).

use crate::storage::component::ComponentKey;
use playground_runtime::Model;

/// A model component type as a caller knows it: what the world checks
/// before it hands out a pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TypedKey {
    /// `Model::MODEL_ID`.
    pub model_id: u64,
    /// `Model::STATE_VERSION`: the structural fingerprint.
    pub state_version: u64,
    /// `size_of`.
    pub size: u64,
    /// `align_of`.
    pub align: u64,
}

impl TypedKey {
    /// The key of `M`.
    pub const fn of<M: Model>() -> TypedKey {
        TypedKey {
            model_id: M::MODEL_ID.get(),
            state_version: M::STATE_VERSION.get(),
            size: size_of::<M>() as u64,
            align: align_of::<M>() as u64,
        }
    }

    pub(crate) fn component_key(&self) -> ComponentKey {
        ComponentKey::Model {
            id: self.model_id,
            version: self.state_version,
        }
    }
}

/// What a typed query does with one component type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessKind {
    /// Reads it: `&M`.
    Read,
    /// Writes it: `&mut M`.
    Write,
    /// Only entities that have it: `With<M>`.
    With,
    /// Only entities that lack it: `Without<M>`.
    Without,
}

/// One component type a typed query uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypedAccess {
    /// The type.
    pub key: TypedKey,
    /// How it is used.
    pub kind: AccessKind,
    /// The world's component id for it, if the caller knows one: checked
    /// against `key`, and set by the world to the id it resolved.
    pub hint: u32,
}
