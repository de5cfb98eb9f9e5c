//! Why a world operation failed: [`EcsError`], and [`ModelError`] for
//! registering and migrating model components (which an `EcsError` can
//! carry).

use crate::storage::entity::Entity;
use playground_runtime::StateError;
use thiserror::Error;

/// Why an entity or component operation failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EcsError {
    /// The entity was despawned (or never existed): a stale id.
    #[error("entity {0:?} does not exist (despawned, or from another world)")]
    NoSuchEntity(Entity),
    /// The entity exists but has no such component.
    #[error("entity {entity:?} has no `{component}`")]
    MissingComponent {
        /// The entity.
        entity: Entity,
        /// The component type's name.
        component: &'static str,
    },
    /// The component is borrowed in a way that conflicts (see `World::query`).
    #[error("`{component}` is already borrowed {how}")]
    Borrowed {
        /// The component type's name.
        component: &'static str,
        /// "mutably" or "shared".
        how: &'static str,
    },
    /// No model component of this id (and version) is registered.
    #[error(
        "no component of model {model_id:016x} (state version {state_version:016x}) is registered in this world"
    )]
    UnknownModel {
        /// The model id.
        model_id: u64,
        /// The state version asked for (0: any).
        state_version: u64,
    },
    /// Encoding or decoding a model component failed.
    #[error("component `{component}`: {source}")]
    State {
        /// The component type's name.
        component: &'static str,
        /// What failed.
        #[source]
        source: StateError,
    },
    /// A bundle names one component type twice.
    #[error("a bundle has `{component}` twice")]
    DuplicateComponent {
        /// The component type's name.
        component: &'static str,
    },
    /// The world has no resource of this type.
    #[error("there is no resource `{resource}`")]
    NoResource {
        /// The resource type's name.
        resource: &'static str,
    },
    /// A system used a component or resource it did not declare. Caught on
    /// the system's first run, whatever else runs beside it.
    #[error(
        "the system {how} `{component}` without declaring it: add `.{declare}::<{component}>()` \
         (or `.access::<Q>()` for the query) to the system"
    )]
    Undeclared {
        /// The component or resource type's name.
        component: &'static str,
        /// "reads" or "writes".
        how: &'static str,
        /// The declaration that is missing: `reads`, `writes`,
        /// `reads_resource` or `writes_resource`.
        declare: &'static str,
    },
    /// A caller's type of a model has another state version (structural
    /// fingerprint) than the world's values of that model: another
    /// structure, never read as the caller's type.
    #[error(
        "model component `{model}` is in the world in state version {world:016x}, \
         the caller's type has {caller:016x}: another structure; rebuild the caller \
         or migrate the world (`World::migrate_model`)"
    )]
    ModelVersion {
        /// The model's name, as the world registered it.
        model: &'static str,
        /// The world's state version.
        world: u64,
        /// The caller's.
        caller: u64,
    },
    /// Same model and state version, another size or align: another
    /// compiler or flags.
    #[error(
        "model component `{model}` has size {world_size} and align {world_align} in the world, \
         the caller's type size {caller_size} and align {caller_align}"
    )]
    ModelLayout {
        /// The model's name, as the world registered it.
        model: &'static str,
        /// `size_of` in the world.
        world_size: u64,
        /// `align_of` in the world.
        world_align: u64,
        /// The caller's `size_of`.
        caller_size: u64,
        /// The caller's `align_of`.
        caller_align: u64,
    },
    /// Registering a model component failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A typed query through the view asks for one component mutably and
    /// a second time: that would alias a `&mut`.
    #[error("a typed query uses `{component}` mutably and a second time: ask for it once")]
    AliasedQuery {
        /// The component type's name.
        component: &'static str,
    },
    /// This thread holds typed borrows of the world through the view (a
    /// `TypedRef`, a `TypedMut`, or a running `TypedEcs::for_each`), which
    /// keep its structure fixed: drop them before changing it.
    #[error(
        "the world is borrowed by typed guards or a typed query on this thread: \
         drop them before spawning, despawning, inserting or removing"
    )]
    WorldBorrowed,
    /// A typed borrow was asked for in a read session of another world.
    #[error("a typed borrow in a read session of another world")]
    ForeignSession,
}

/// Why a model component could not be registered or migrated. Nothing in
/// the world changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The world holds this model in another state version: migrate it
    /// ([`World::migrate_model`](crate::World::migrate_model)) or refuse
    /// the new build.
    #[error(
        "model component `{model}` is in the world in state version {stored:016x}, \
         this build has {new:016x}; migrate it or keep the old build"
    )]
    VersionChanged {
        /// The model's name.
        model: &'static str,
        /// The version in the world.
        stored: u64,
        /// This build's version.
        new: u64,
    },
    /// Same id and version, another layout: another compiler or flags.
    #[error(
        "model component `{model}` is registered with layout {stored:?}, this build has {new:?}"
    )]
    Layout {
        /// The model's name.
        model: &'static str,
        /// The layout in the world.
        stored: std::alloc::Layout,
        /// This build's.
        new: std::alloc::Layout,
    },
    /// The model knows no migration from the stored version.
    #[error(
        "model component `{model}` has no migration from state version {from:016x} to {to:016x}; \
         add `#[model(migrate_from(Old))]`"
    )]
    NoMigration {
        /// The model's name.
        model: &'static str,
        /// The stored version.
        from: u64,
        /// This build's.
        to: u64,
    },
    /// Encoding an old value or the migration itself failed.
    #[error("migrating `{model}` of entity {entity:?}: {source}")]
    Migration {
        /// The model's name.
        model: &'static str,
        /// The entity whose value failed.
        entity: Entity,
        /// What failed.
        #[source]
        source: StateError,
    },
}
