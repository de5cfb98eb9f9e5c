//! Saved state: what a viewmodel hands over to its successor on a reload.

use crate::contract::error::StateError;
use crate::contract::fingerprint::TypeFingerprint;
use crate::contract::guard::{Failure, contain};
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
    /// Encodes `storage`; instantiated where it was saved, for its type,
    /// and catches a panic there ([`encode_here`]).
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

/// What a saved entry is checked against: the model and storage type of
/// the field it is saved from or restored into.
struct Facts {
    name: &'static str,
    model_id: ModelId,
    state_version: StateVersion,
    size: usize,
    align: usize,
    storage: u64,
}

impl Facts {
    const fn of<S: State>() -> Self {
        Facts {
            name: S::Model::NAME,
            model_id: S::Model::MODEL_ID,
            state_version: S::Model::STATE_VERSION,
            size: S::Model::SIZE,
            align: S::Model::ALIGN,
            storage: S::FINGERPRINT,
        }
    }
}

/// How an entry that passed the checks is restored.
enum Step<'a> {
    /// Another format: the model's migration, if it knows it.
    Migrate,
    /// The same storage type, live: adopted.
    Adopt(&'a Live),
    /// Decoded from its bytes.
    Decode,
}

impl SavedModel {
    fn version_mismatch(&self, field: &str, facts: &Facts) -> StateError {
        StateError::VersionMismatch {
            field: field.to_owned(),
            model: self.model.clone(),
            saved: self.state_version,
            current: facts.state_version,
        }
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
        self.put(field, &const { Facts::of::<S>() }, value);
        Ok(())
    }

    /// Saves `value` under `field`, replacing an earlier entry of that name
    /// (the part of [`SavedState::save`] that does not depend on the type).
    fn put(&mut self, field: &str, facts: &Facts, value: Saved) {
        self.entries.retain(|e| e.field != field);
        self.entries.push(SavedModel {
            field: field.to_owned(),
            model: facts.name.to_owned(),
            model_id: facts.model_id,
            state_version: facts.state_version,
            size: facts.size,
            align: facts.align,
            storage: facts.storage,
            value,
        });
    }

    /// Restores `field` into `target`: adopts live storage of the same
    /// format, decodes bytes of the same format, runs the model's migration
    /// for another format it knows, and refuses anything else.
    pub fn restore<S: State>(&self, field: &str, target: &mut S) -> Result<(), StateError> {
        let facts = const { Facts::of::<S>() };
        let (entry, step) = self.find(field, &facts)?;
        match step {
            Step::Migrate => {
                return match S::Model::migrate(entry.state_version, &entry.bytes()?) {
                    Some(migrated) => {
                        target.restore(migrated?);
                        Ok(())
                    }
                    None => Err(entry.version_mismatch(field, &facts)),
                };
            }
            Step::Adopt(live) => {
                // SAFETY: `find` checked the same model id and state version
                // (the model's structural fingerprint, which folds the
                // fingerprint of every field's type, saved or skipped,
                // nested types included), the same size and align and the
                // same storage type (the wrapper's fingerprint folds the
                // model's: `Shared<M>` is not `Atomic<M>`), and every image
                // whose state reaches here (the host, or a library that
                // passed the build fingerprint check) was built by the same
                // compiler and runtime: the storage is `target`'s storage
                // type. (A field without live storage decodes below.)
                if unsafe { target.adopt(&live.storage) } {
                    return Ok(());
                }
            }
            Step::Decode => {}
        }
        target.restore(S::Model::decode(&entry.bytes()?)?);
        Ok(())
    }

    /// The entry saved under `field` and how to restore it into a field
    /// of `facts` (the checks of [`SavedState::restore`] that do not depend
    /// on the type).
    fn find(&self, field: &str, facts: &Facts) -> Result<(&SavedModel, Step<'_>), StateError> {
        let Some(entry) = self.get(field) else {
            return Err(StateError::MissingField {
                field: field.to_owned(),
            });
        };
        if entry.model_id != facts.model_id {
            return Err(StateError::ModelMismatch {
                field: field.to_owned(),
                saved: entry.model.clone(),
                current: facts.name.to_owned(),
            });
        }
        if entry.state_version != facts.state_version {
            return Ok((entry, Step::Migrate));
        }
        if (entry.size, entry.align) != (facts.size, facts.align) {
            return Err(StateError::LayoutMismatch {
                field: field.to_owned(),
                model: entry.model.clone(),
                saved: (entry.size, entry.align),
                current: (facts.size, facts.align),
            });
        }
        match &entry.value {
            Saved::Live(live) if entry.storage == facts.storage => Ok((entry, Step::Adopt(live))),
            _ => Ok((entry, Step::Decode)),
        }
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

/// The live storage `storage` as the `T` it was saved as, to encode it
/// (an `encode` function of [`Live`], which is instantiated for `T`).
pub(crate) fn live<'a, T: Any>(
    storage: &'a (dyn Any + Send + Sync),
    model: &str,
) -> Result<&'a T, StateError> {
    match storage.downcast_ref::<T>() {
        Some(storage) => Ok(storage),
        None => Err(another_type(model)),
    }
}

/// Runs `encode`, the work of a [`Live`]'s `encode`, catching a panic in
/// the image that saved the storage: `encode` is called from other images
/// (a successor's restore, the host), whose `catch_unwind` cannot catch a
/// panic raised in this one (it would abort the program).
pub(crate) fn encode_here(
    model: &str,
    encode: &mut dyn FnMut() -> Result<Vec<u8>, StateError>,
) -> Result<Vec<u8>, StateError> {
    let mut bytes = Vec::new();
    match contain(&mut || {
        bytes = encode()?;
        Ok(())
    }) {
        Ok(()) => Ok(bytes),
        Err(Failure::State(error)) => Err(error),
        Err(Failure::Panic(message)) => Err(StateError::Encode {
            model: model.to_owned(),
            message: format!("panicked: {message}"),
        }),
    }
}

/// The error of [`live`], not instantiated with it.
#[cold]
fn another_type(model: &str) -> StateError {
    StateError::Encode {
        model: model.to_owned(),
        message: "live storage of another type".into(),
    }
}
