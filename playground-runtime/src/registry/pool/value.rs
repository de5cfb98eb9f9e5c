//! [`PoolValue`]: a pool's values as encoded bytes, for a program that
//! does not link the model's type.

use crate::contract::error::{PoolError, StateError};
use crate::contract::ids::{ModelId, StateVersion, ViewId};
use crate::registry::bindings::BindingStore;

/// A value of a registry's pool, encoded in its model's save format: what a
/// host reads of a module's pool without linking the module's model type
/// ([`Registry::pool_values`](crate::Registry::pool_values)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolValue {
    /// Its handle's bits ([`PoolHandle::to_bits`](crate::PoolHandle::to_bits)):
    /// [`Pool::handle_from_bits`](crate::Pool::handle_from_bits) finds the
    /// value again in code that links the model.
    pub handle: u128,
    /// The model's id.
    pub model_id: ModelId,
    /// The format of `bytes` (the model's `STATE_VERSION`).
    pub state_version: StateVersion,
    /// The value, encoded (`Model::decode` of a model of the same id and
    /// format reads it).
    pub bytes: Vec<u8>,
}

/// The values of the pool of the model named `model` that view `view`'s
/// viewmodels keep, in slot order. The encoding runs in the image that
/// made the pool, which catches a panic in it (an error, then).
pub(crate) fn pool_values(
    store: &BindingStore,
    view: (ViewId, &str),
    model: &str,
) -> Result<Vec<PoolValue>, StateError> {
    let entry = store
        .pool_entries(view.0)
        .into_iter()
        .find(|entry| entry.model == model)
        .ok_or_else(|| {
            StateError::Pool(PoolError::NoPool {
                view: view.1.to_owned(),
                model: model.to_owned(),
            })
        })?;
    let encoded = (entry.encode)(&*entry.storage)?;
    Ok(encoded
        .slots
        .into_iter()
        .enumerate()
        .filter_map(|(index, (generation, bytes))| {
            Some(PoolValue {
                handle: u128::from(encoded.id) << 64
                    | (index as u128) << 32
                    | u128::from(generation),
                model_id: entry.model_id,
                state_version: entry.state_version,
                bytes: bytes?,
            })
        })
        .collect())
}
