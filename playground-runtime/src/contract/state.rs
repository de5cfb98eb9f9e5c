//! Saved state: what a viewmodel hands over to its successor on a reload.

use crate::contract::error::StateError;
use crate::contract::fingerprint::TypeFingerprint;
use crate::contract::ids::{ModelId, StateVersion};
use crate::contract::model::Model;
use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// The saved state of one viewmodel: one entry per field named in
/// `#[viewmodel(state(...))]`, each tagged with its model's id,
/// `STATE_VERSION`, size and align, so that bytes of one format are never
/// read as another.
#[derive(Debug, Clone, Default)]
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
    pub model_id: ModelId,
    /// The format of the saved value.
    pub state_version: StateVersion,
    /// `size_of` the model where it was saved.
    pub size: usize,
    /// `align_of` the model where it was saved.
    pub align: usize,
    /// The structural fingerprint of the field's whole type (the model in
    /// its wrapper: `Shared<M>` and `Atomic<M>` differ): live storage is
    /// only adopted by a field of the same storage type.
    pub storage: u64,
    value: Saved,
}

/// A saved value: encoded, or the live storage of a `Shared`, `Atomic` or
/// `Handle` field, encoded only if a successor needs bytes.
#[derive(Clone)]
pub enum Saved {
    /// The encoded model.
    Bytes(Vec<u8>),
    /// Live storage; see [`Live`].
    Live(Live),
}

/// The live storage of a wrapper field. A successor of the same model and
/// version adopts it instead of decoding, so a write made through the old
/// viewmodel after the save still lands where the new one reads: no write
/// is lost, and nothing is copied.
#[derive(Clone)]
pub struct Live {
    pub(crate) storage: Arc<dyn Any + Send + Sync>,
    /// Encodes `storage`; instantiated where it was saved, for its type.
    pub(crate) encode: fn(&(dyn Any + Send + Sync)) -> Result<Vec<u8>, StateError>,
}

impl SavedModel {
    /// The encoded value (encoding live storage now if needed).
    pub fn bytes(&self) -> Result<Cow<'_, [u8]>, StateError> {
        match &self.value {
            Saved::Bytes(bytes) => Ok(Cow::Borrowed(bytes)),
            Saved::Live(live) => (live.encode)(&*live.storage).map(Cow::Owned),
        }
    }

    /// Whether the value is live storage a successor can adopt.
    pub fn is_live(&self) -> bool {
        matches!(self.value, Saved::Live(_))
    }
}

impl fmt::Debug for SavedModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SavedModel")
            .field("field", &self.field)
            .field("model", &self.model)
            .field("model_id", &self.model_id)
            .field("state_version", &self.state_version)
            .field("live", &self.is_live())
            .finish_non_exhaustive()
    }
}

impl SavedState {
    /// Saves `value` under `field`.
    pub fn save<S: State>(&mut self, field: &str, value: &S) -> Result<(), StateError> {
        let value = value.save()?;
        self.entries.retain(|e| e.field != field);
        self.entries.push(SavedModel {
            field: field.to_owned(),
            model: S::Model::NAME.to_owned(),
            model_id: S::Model::MODEL_ID,
            state_version: S::Model::STATE_VERSION,
            size: S::Model::SIZE,
            align: S::Model::ALIGN,
            storage: S::FINGERPRINT,
            value,
        });
        Ok(())
    }

    /// Restores `field` into `target`: adopts live storage of the same
    /// format, decodes bytes of the same format, runs the model's migration
    /// for another format it knows, and refuses anything else.
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
            let bytes = entry.bytes()?;
            return match S::Model::migrate(entry.state_version, &bytes) {
                Some(migrated) => {
                    target.restore(migrated?);
                    Ok(())
                }
                None => Err(StateError::VersionMismatch {
                    field: field.to_owned(),
                    model: entry.model.clone(),
                    saved: entry.state_version,
                    current: S::Model::STATE_VERSION,
                }),
            };
        }
        if (entry.size, entry.align) != (S::Model::SIZE, S::Model::ALIGN) {
            return Err(StateError::LayoutMismatch {
                field: field.to_owned(),
                model: entry.model.clone(),
                saved: (entry.size, entry.align),
                current: (S::Model::SIZE, S::Model::ALIGN),
            });
        }
        if let Saved::Live(live) = &entry.value
            && entry.storage == S::FINGERPRINT
        {
            // SAFETY: same model id and state version (the model's structural
            // fingerprint, which folds the fingerprint of every field's type,
            // saved or skipped, nested types included), same size and align,
            // the same storage type (the wrapper's fingerprint folds the
            // model's: `Shared<M>` is not `Atomic<M>`), and every image whose
            // state reaches here (the host, or a library that passed the
            // build fingerprint check) was built by the same compiler and
            // runtime: the storage is `target`'s storage type. (Another
            // wrapper falls through to decoding the bytes below.)
            if unsafe { target.adopt(&live.storage) } {
                return Ok(());
            }
        }
        target.restore(S::Model::decode(&entry.bytes()?)?);
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
}

/// A viewmodel field that can hold saved state: a model, or a model inside
/// one of the thread-safe wrappers.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold viewmodel state",
    label = "named in #[viewmodel(state(...))]",
    note = "a state field is a #[model] type or a std type (numbers, `String`, `Vec`, maps...), alone or inside `Shared<M>`, `Atomic<M>` or `Handle<M>`"
)]
pub trait State: TypeFingerprint {
    /// The model that is saved.
    type Model: Model;
    /// Saves the current value.
    fn save(&self) -> Result<Saved, StateError>;
    /// Replaces the current value.
    fn restore(&mut self, value: Self::Model);
    /// Adopts a predecessor's live storage; `false` if this field has none.
    ///
    /// # Safety
    /// `storage` must hold this field's storage type for a model with the
    /// same id, version, size and align, built by the same compiler and
    /// runtime (possibly in another image).
    unsafe fn adopt(&mut self, storage: &Arc<dyn Any + Send + Sync>) -> bool {
        let _ = storage;
        false
    }
}

impl<M: Model> State for M {
    type Model = M;
    fn save(&self) -> Result<Saved, StateError> {
        self.encode().map(Saved::Bytes)
    }
    fn restore(&mut self, value: M) {
        *self = value;
    }
}

/// Reinterprets `storage` as an `Arc<T>`.
///
/// # Safety
/// `storage` must hold a `T` (possibly a type of identical layout and
/// meaning from another image of the same build).
pub(crate) unsafe fn adopt_arc<T: Send + Sync + 'static>(
    storage: &Arc<dyn Any + Send + Sync>,
) -> Arc<T> {
    let raw = Arc::into_raw(Arc::clone(storage)) as *const T;
    // SAFETY: the caller's contract: the allocation holds a `T`, so its
    // `ArcInner` has `T`'s layout and the data offset `Arc<T>` expects.
    unsafe { Arc::from_raw(raw) }
}

pub(crate) fn encode_live<T: Any, M: Model>(
    storage: &(dyn Any + Send + Sync),
    read: fn(&T) -> Result<Vec<u8>, StateError>,
) -> Result<Vec<u8>, StateError> {
    match storage.downcast_ref::<T>() {
        Some(storage) => read(storage),
        None => Err(StateError::Encode {
            model: M::NAME.to_owned(),
            message: "live storage of another type".into(),
        }),
    }
}
