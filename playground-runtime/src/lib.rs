//! playground: programs built from hot-swappable modules.
//!
//! A module's API is a trait, the **view** (`#[view]`); its data are plain
//! structs, **models** (`#[model]`); its behaviour is an implementation of the
//! view, a **viewmodel** (`#[viewmodel]`). The macros give each a stable id and
//! a content-hash version, and register it when the program is linked; the
//! [`Registry`] binds each view to its viewmodel and hands it out lock-free.
//!
//! ```
//! use playground_runtime::{Registry, Shared, model, view, viewmodel};
//!
//! #[view]
//! pub trait Physics: Send + Sync {
//!     fn step(&self, dt: f32);
//!     fn energy(&self) -> f32;
//! }
//!
//! #[model]
//! #[derive(Clone, Default)]
//! pub struct Bodies {
//!     speeds: Vec<f32>,
//! }
//!
//! #[derive(Default)]
//! pub struct Euler {
//!     bodies: Shared<Bodies>,
//! }
//!
//! #[viewmodel(state(bodies))]
//! impl Physics for Euler {
//!     fn step(&self, dt: f32) {
//!         self.bodies.write().speeds.push(dt);
//!     }
//!     fn energy(&self) -> f32 {
//!         self.bodies.read().speeds.iter().map(|v| v * v / 2.0).sum()
//!     }
//! }
//!
//! let registry = Registry::linked();
//! let physics = registry.get::<dyn Physics>()?;
//! physics.step(2.0);
//! assert_eq!(physics.energy(), 2.0);
//! # Ok::<(), playground_runtime::RegistryError>(())
//! ```
//!
//! What the macros generate is described in the README ("What the macros
//! write"); the generated code names only `::playground_runtime::__private`.

/// Runs `$body` as phase `$name` of a load or rollback: inside a `tracing`
/// span of that name whose field `micros` gets the phase's time, which is
/// also pushed onto `$phases`. Evaluates to what `$body` does.
macro_rules! phase {
    ($phases:expr, $name:literal, $body:expr) => {{
        let span = ::tracing::debug_span!($name, micros = ::tracing::field::Empty);
        let started = ::std::time::Instant::now();
        let result = span.in_scope(|| $body);
        let took = started.elapsed();
        span.record("micros", took.as_micros() as u64);
        $phases.push(($name, took));
        result
    }};
}

/// The macros' generated code names the crate by its path, in its own unit
/// tests too.
#[cfg(test)]
extern crate self as playground_runtime;

mod contract;
mod loading;
mod registry;
mod tools;

/// How a type's structure is hashed into its version (re-exported from
/// [`contract::fingerprint`]).
pub use contract::fingerprint;
/// What a registry remembers of its loads (re-exported from
/// [`registry::history`]).
pub use registry::history;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use contract::error::StateError;
pub use contract::fingerprint::TypeFingerprint;
pub use contract::guard::panic_message;
pub use contract::ids::{ApiVersion, Generation, ModelId, StateVersion, ViewId};
pub use contract::model::{FieldDescriptor, Migrations, Model, ModelDescriptor, Saveable};
pub use contract::record::{CUT, PoolField};
pub use contract::state::{Live, Saved, SavedModel, SavedState, State};
pub use contract::view::{MethodDescriptor, View, ViewDescriptor};
pub use contract::viewmodel::{Upcast, ViewModel, ViewModelDescriptor};
pub use contract::wrappers::{Atomic, Handle, Once, Shared};
pub use loading::bytes::{LibraryBytes, write_sha256};
pub use loading::diff::{Change, Changes, Part, Written};
pub use loading::error::{LoadError, LoadErrorKind, ModelPart, ProgramError};
pub use loading::loader::{LeftAlone, LoadReport};
pub use loading::manifest::{
    Manifest, ManifestField, ManifestHeld, ManifestMethod, ManifestMigrations, ManifestModel,
    ManifestView, ManifestViewModel,
};
pub use loading::module::{
    BuildPart, CUSTOM_ALLOCATOR, Fingerprint, MODULE_CRATE_SYMBOL, MODULE_SYMBOL, SYSTEM_ALLOCATOR,
    UNKNOWN_ALLOCATOR,
};
pub use playground_macros::{TypeFingerprint, model, view, viewmodel};
pub use registry::cache::ViewCache;
pub use registry::carry::{Carried, LoadOptions, Rebound, StatePolicy};
pub use registry::catalog::Catalog;
pub use registry::entry::ViewModelEntry;
pub use registry::error::RegistryError;
pub use registry::history::{
    Action, HISTORY_CAPACITY, LoadRecord, ModelVersion, Outcome, ROLLBACK_DEPTH, RecordedView,
    SavedFormat,
};
pub use registry::pool::{Pool, PoolError, PoolHandle, PoolMut, PoolRef, PoolValue};
pub use registry::registry::Registry;
pub use registry::rollback::{RollbackError, RollbackReport};
pub use registry::uses::Uses;
pub use registry::view_ref::{ViewHandle, ViewRef};
pub use tools::build::Build;
pub use tools::built::{BuildError, BuildProgress, Built};
pub use tools::inspect;
pub use tools::linker::Linker;
pub use tools::watcher::{WatchError, WatchEvent, WatchOptions, Watcher};
