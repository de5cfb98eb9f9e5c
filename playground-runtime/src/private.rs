//! What generated code refers to, as `::playground_runtime::__private::...`.
//! Not public API: it changes without notice.

pub use crate::__register as register;
pub use crate::contract::codec::{NamedFields, deserialize_named};
pub use crate::contract::error::StateError;
pub use crate::contract::fingerprint::fold_versions;
pub use crate::contract::fingerprint::{
    Callable, Dyn, EXTERN_C, EXTERN_OTHER, FN_MUT_TRAIT, FN_ONCE_TRAIT, FN_POINTER, FN_TRAIT,
    Never, Opaque, Recursive, RecursiveWith, SEND, SYNC, TypeFingerprint, UNPIN, UNSAFE,
};
pub use crate::contract::guard::{
    DropHere, DropThere, GuardFuture, Guarded, call_back, guard, guard_future,
};
pub use crate::contract::ids::{ApiVersion, ModelId, StateVersion, ViewId};
pub use crate::contract::model::{
    Field, FieldDescriptor, Migrations, Model, ModelDescriptor, serde_field,
};
pub use crate::contract::record::{
    BUILD_RECORD, BuildRecord, HeldField, MANIFEST, PoolField, Record as ManifestRecord,
};
pub use crate::contract::restore::{Restore, RestoreAny, RestoreState, Save, SaveAny, SaveState};
pub use crate::contract::state::SavedState;
pub use crate::contract::view::{MethodDescriptor, View, ViewDescriptor};
pub use crate::contract::viewmodel::{Upcast, ViewModel, construct_default};
pub use crate::loading::module::{ModuleContents, ModuleHeader, RawStr, section_slice};
pub use crate::registry::entry::ViewModelEntry;
pub use crate::registry::registration::{MODELS, VIEWMODELS, VIEWS};
pub use async_trait::async_trait;
pub use serde;
pub use std::boxed::Box;
pub use std::marker::PhantomData;
pub use std::option::Option;
pub use std::result::Result;
pub use std::sync::Arc;
