//! The ECS as views: seven fragments with 115 operations, composed into
//! one [`Ecs`] view, for coarse calls across modules. Components, events
//! and resources cross as [`ModelValue`](crate::ModelValue)s (a model's
//! bytes, id and version); hot loops use the typed API
//! ([`World`](crate::World), [`Query`](crate::Query)) instead.
//!
//! Every fragment folds [`ABI_VERSION`](crate::ABI_VERSION) into its API
//! version: its methods take playground-ecs types (`Entity`, `System`), so a
//! module built against other playground-ecs sources is refused.
//!
//! One file per fragment, named as the part of the ECS it serves
//! (`entity.rs` for [`EntityView`], and so on), with the values that cross
//! it; `typed.rs` and `typed_key.rs` are the eighth, [`TypedView`], whose
//! building blocks the typed API (`typed/`) wraps. This file composes them
//! into [`Ecs`].

pub(crate) mod abi;
pub(crate) mod component;
pub(crate) mod entity;
pub(crate) mod event;
pub(crate) mod query;
pub(crate) mod storage;
pub(crate) mod system;
pub(crate) mod typed;
pub(crate) mod typed_key;
pub(crate) mod world;

use crate::view::component::ComponentView;
use crate::view::entity::EntityView;
use crate::view::event::EventView;
use crate::view::query::QueryView;
use crate::view::storage::StorageView;
use crate::view::system::SystemView;
use crate::view::typed::TypedView;
use crate::view::world::WorldView;
use playground_runtime::view;

/// The whole ECS: every fragment in one view, and the building blocks of
/// typed access ([`TypedView`], used through `<dyn Ecs>::typed`).
#[view(abi(
    <dyn EntityView as playground_runtime::View>::API_VERSION.get(),
    <dyn ComponentView as playground_runtime::View>::API_VERSION.get(),
    <dyn EventView as playground_runtime::View>::API_VERSION.get(),
    <dyn QueryView as playground_runtime::View>::API_VERSION.get(),
    <dyn StorageView as playground_runtime::View>::API_VERSION.get(),
    <dyn SystemView as playground_runtime::View>::API_VERSION.get(),
    <dyn WorldView as playground_runtime::View>::API_VERSION.get(),
    <dyn TypedView as playground_runtime::View>::API_VERSION.get(),
))]
pub trait Ecs:
    EntityView
    + ComponentView
    + EventView
    + QueryView
    + StorageView
    + SystemView
    + WorldView
    + TypedView
    + Send
    + Sync
{
}
