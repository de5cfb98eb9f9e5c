//! Values that cross module boundaries: a model's encoded bytes tagged with
//! its id and format version. The ECS view takes and returns components,
//! events and resources as these; the typed API never needs them.

use playground_runtime::{Model, StateError, model};

/// An encoded model value: a component, an event or a resource.
#[model]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelValue {
    /// `Model::MODEL_ID` of its type.
    pub model_id: u64,
    /// `Model::STATE_VERSION` of its type: the format of `bytes`.
    pub state_version: u64,
    /// The encoded value.
    pub bytes: Vec<u8>,
}

impl ModelValue {
    /// Encodes `value`.
    pub fn of<M: Model>(value: &M) -> Result<ModelValue, StateError> {
        Ok(ModelValue {
            model_id: M::MODEL_ID.get(),
            state_version: M::STATE_VERSION.get(),
            bytes: value.encode()?,
        })
    }

    /// Decodes as `M`, refusing another model or format.
    pub fn to<M: Model>(&self) -> Result<M, StateError> {
        if self.model_id != M::MODEL_ID.get() {
            return Err(StateError::ModelMismatch {
                field: "value".into(),
                saved: format!("{:016x}", self.model_id),
                current: M::NAME.into(),
            });
        }
        if self.state_version != M::STATE_VERSION.get() {
            return Err(StateError::VersionMismatch {
                field: "value".into(),
                model: M::NAME.into(),
                saved: playground_runtime::StateVersion::new(self.state_version),
                current: M::STATE_VERSION,
            });
        }
        M::decode(&self.bytes)
    }
}
