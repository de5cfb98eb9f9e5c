//! What generated code refers to, as `::playground_runtime::__private::...`.
//! Not public API: it changes without notice.

pub use crate::__manifest_fields as manifest_fields;
pub use crate::__manifest_methods as manifest_methods;
pub use crate::error::StateError;
pub use crate::fingerprint::{
    Callable, Dyn, EXTERN_C, EXTERN_OTHER, FN_MUT_TRAIT, FN_ONCE_TRAIT, FN_POINTER, FN_TRAIT,
    Never, Opaque, Recursive, RecursiveWith, SEND, SYNC, TypeFingerprint, UNPIN, UNSAFE,
};
pub use crate::manifest::{MANIFEST, Record as ManifestRecord};
pub use crate::model::{FieldDescriptor, Model, ModelDescriptor, field, fold_versions};
pub use crate::module::RawStr;
pub use crate::registration::{MODELS, VIEWMODELS, VIEWS};
pub use crate::state::SavedState;
pub use crate::view::{MethodDescriptor, View, ViewDescriptor};
pub use crate::viewmodel::construct_default;
pub use crate::viewmodel::{
    GuardFuture, Guarded, ViewModel, ViewModelEntry, call_back, guard, guard_future,
};
pub use async_trait::async_trait;
pub use linkme::{self, distributed_slice};
pub use serde;
pub use std::boxed::Box;
pub use std::sync::Arc;
