//! Saved state: what a viewmodel hands over to its successor on a reload.

use crate::error::StateError;
use crate::model::Model;
use crate::wrappers::{Atomic, Handle, Shared};
use crossbeam_utils::atomic::AtomicCell;
use parking_lot::RwLock;
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// The saved state of one viewmodel: one entry per field named in
/// `#[viewmodel(state(...))]`, each tagged with its model's id and
/// `STATE_VERSION` so that bytes of one format are never read as another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedState {
    entries: Vec<SavedModel>,
}

/// One saved field.
#[derive(Clone)]
pub struct SavedModel {
    /// The viewmodel field it was saved from.
    pub field: String,
    /// The model's name.
    pub model: String,
    /// The model's id.
    pub model_id: u64,
    /// The format of `bytes`.
    pub state_version: u64,
    /// The encoded model.
    pub bytes: Vec<u8>,
    /// The live storage of a `Shared`, `Atomic` or `Handle` field. A
    /// successor of the same model and version adopts it instead of decoding
    /// `bytes`, so writes made through the old viewmodel after the save
    /// still land in the storage the new one reads: no write is lost.
    pub live: Option<Arc<dyn Any + Send + Sync>>,
}

impl PartialEq for SavedModel {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.field,
            &self.model,
            self.model_id,
            self.state_version,
            &self.bytes,
        ) == (
            &other.field,
            &other.model,
            other.model_id,
            other.state_version,
            &other.bytes,
        )
    }
}

impl Eq for SavedModel {}

impl fmt::Debug for SavedModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SavedModel")
            .field("field", &self.field)
            .field("model", &self.model)
            .field("model_id", &format_args!("{:016x}", self.model_id))
            .field(
                "state_version",
                &format_args!("{:016x}", self.state_version),
            )
            .field("bytes", &self.bytes.len())
            .field("live", &self.live.is_some())
            .finish()
    }
}

impl SavedState {
    /// Saves `value` under `field`.
    pub fn save<S: State>(&mut self, field: &str, value: &S) -> Result<(), StateError> {
        let bytes = value.save()?;
        self.entries.retain(|e| e.field != field);
        self.entries.push(SavedModel {
            field: field.to_owned(),
            model: S::Model::NAME.to_owned(),
            model_id: S::Model::MODEL_ID,
            state_version: S::Model::STATE_VERSION,
            bytes,
            live: value.share(),
        });
        Ok(())
    }

    /// Restores `field` into `target`, refusing another model or format.
    pub fn restore<S: State>(&self, field: &str, target: &mut S) -> Result<(), StateError> {
        let entry = self.get(field).ok_or_else(|| StateError::MissingField {
            field: field.to_owned(),
        })?;
        if entry.model_id != S::Model::MODEL_ID {
            return Err(StateError::ModelMismatch {
                field: field.to_owned(),
                saved: entry.model.clone(),
                current: S::Model::NAME.to_owned(),
            });
        }
        if entry.state_version != S::Model::STATE_VERSION {
            return Err(StateError::VersionMismatch {
                field: field.to_owned(),
                model: entry.model.clone(),
                saved: entry.state_version,
                current: S::Model::STATE_VERSION,
            });
        }
        if entry.live.as_ref().is_some_and(|live| target.adopt(live)) {
            return Ok(());
        }
        target.restore(S::Model::decode(&entry.bytes)?);
        Ok(())
    }

    /// The entry saved under `field`.
    pub fn get(&self, field: &str) -> Option<&SavedModel> {
        self.entries.iter().find(|e| e.field == field)
    }

    /// Every saved entry, in the order they were saved.
    pub fn entries(&self) -> &[SavedModel] {
        &self.entries
    }

    /// Total encoded size in bytes.
    pub fn len_bytes(&self) -> usize {
        self.entries.iter().map(|e| e.bytes.len()).sum()
    }
}

/// A viewmodel field that can hold saved state: a model, or a model inside
/// one of the thread-safe wrappers.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold viewmodel state",
    label = "named in #[viewmodel(state(...))]",
    note = "a state field is a #[model] type, or a model inside `Shared<M>`, `Atomic<M>` or `Handle<M>`"
)]
pub trait State {
    /// The model that is saved.
    type Model: Model;
    /// Encodes the current value.
    fn save(&self) -> Result<Vec<u8>, StateError>;
    /// Replaces the current value.
    fn restore(&mut self, value: Self::Model);
    /// The live storage a successor may adopt (see [`SavedModel::live`]).
    fn share(&self) -> Option<Arc<dyn Any + Send + Sync>> {
        None
    }
    /// Adopts a predecessor's live storage if it is of this field's type.
    fn adopt(&mut self, live: &Arc<dyn Any + Send + Sync>) -> bool {
        let _ = live;
        false
    }
}

impl<M: Model> State for M {
    type Model = M;
    fn save(&self) -> Result<Vec<u8>, StateError> {
        self.encode()
    }
    fn restore(&mut self, value: M) {
        *self = value;
    }
}

impl<M: Model> State for Shared<M> {
    type Model = M;
    fn save(&self) -> Result<Vec<u8>, StateError> {
        self.read().encode()
    }
    fn restore(&mut self, value: M) {
        *self.write() = value;
    }
    fn share(&self) -> Option<Arc<dyn Any + Send + Sync>> {
        Some(self.0.clone())
    }
    fn adopt(&mut self, live: &Arc<dyn Any + Send + Sync>) -> bool {
        match Arc::clone(live).downcast::<RwLock<M>>() {
            Ok(storage) => {
                self.0 = storage;
                true
            }
            Err(_) => false,
        }
    }
}

impl<M: Model + Copy> State for Atomic<M> {
    type Model = M;
    fn save(&self) -> Result<Vec<u8>, StateError> {
        self.load().encode()
    }
    fn restore(&mut self, value: M) {
        self.store(value);
    }
    fn share(&self) -> Option<Arc<dyn Any + Send + Sync>> {
        Some(self.0.clone())
    }
    fn adopt(&mut self, live: &Arc<dyn Any + Send + Sync>) -> bool {
        match Arc::clone(live).downcast::<AtomicCell<M>>() {
            Ok(storage) => {
                self.0 = storage;
                true
            }
            Err(_) => false,
        }
    }
}

impl<M: Model> State for Handle<M> {
    type Model = M;
    fn save(&self) -> Result<Vec<u8>, StateError> {
        (**self).encode()
    }
    fn restore(&mut self, value: M) {
        *self = Handle::new(value);
    }
    fn share(&self) -> Option<Arc<dyn Any + Send + Sync>> {
        Some(self.0.clone())
    }
    fn adopt(&mut self, live: &Arc<dyn Any + Send + Sync>) -> bool {
        match Arc::clone(live).downcast::<M>() {
            Ok(storage) => {
                self.0 = storage;
                true
            }
            Err(_) => false,
        }
    }
}
