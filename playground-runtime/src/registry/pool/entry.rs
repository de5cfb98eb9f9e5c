//! A pool as the registry keeps it: its storage, erased, with what says
//! which builds may read it.

use crate::contract::error::PoolError;
use crate::contract::error::StateError;
use crate::contract::guard::{Failure, contain};
use crate::contract::ids::{ModelId, StateVersion, ViewId};
use crate::contract::model::Model;
use crate::registry::mapped::MappedLibrary;
use crate::registry::pool::storage::PoolStorage;
use std::any::Any;
use std::sync::{Arc, PoisonError};

/// A pool's values encoded, slot by slot: generation and bytes.
pub(crate) struct EncodedPool {
    pub(crate) id: u64,
    pub(crate) slots: Vec<(u32, Option<Vec<u8>>)>,
}

pub(crate) fn encode_storage<M: Model>(
    storage: &(dyn Any + Send + Sync),
) -> Result<EncodedPool, StateError> {
    // Instantiated in the image that made the storage, and called from any
    // other: a panic in the model's `Serialize` is caught here, in its own
    // image (another image cannot catch it), and becomes an error.
    let mut encoded = None;
    let run = contain(&mut || {
        encoded = Some(encode_values::<M>(storage)?);
        Ok(())
    });
    match (run, encoded) {
        (Ok(()), Some(encoded)) => Ok(encoded),
        (Err(Failure::State(error)), _) => Err(error),
        (Err(Failure::Panic(message)), _) => Err(StateError::Encode {
            model: M::NAME.to_owned(),
            message: format!("panicked: {message}"),
        }),
        (Ok(()), None) => unreachable!("an encoding that returned `Ok` wrote its value"),
    }
}

fn encode_values<M: Model>(storage: &(dyn Any + Send + Sync)) -> Result<EncodedPool, StateError> {
    let Some(storage) = storage.downcast_ref::<PoolStorage<M>>() else {
        return Err(StateError::Encode {
            model: M::NAME.to_owned(),
            message: "pool storage of another type".into(),
        });
    };
    let table = storage.table.read().unwrap_or_else(PoisonError::into_inner);
    let slots = table
        .slots
        .iter()
        .map(|slot| {
            Ok((
                slot.generation,
                slot.value.as_ref().map(M::encode).transpose()?,
            ))
        })
        .collect::<Result<_, StateError>>()?;
    Ok(EncodedPool {
        id: storage.id,
        slots,
    })
}

/// A pool as the registry keeps it: its storage, erased, and what says
/// which builds may read it.
#[derive(Clone)]
pub(crate) struct PoolEntry {
    pub(crate) storage: Arc<dyn Any + Send + Sync>,
    pub(crate) model: String,
    pub(crate) model_id: ModelId,
    pub(crate) state_version: StateVersion,
    pub(crate) size: usize,
    pub(crate) align: usize,
    /// Encodes the storage: the code of the image that made it, for its
    /// type (called with that image's `Any`, so the downcast holds).
    pub(crate) encode: fn(&(dyn Any + Send + Sync)) -> Result<EncodedPool, StateError>,
    /// Keeps the image that made the storage (its drop and encode code)
    /// mapped; `None` for the host's, or until the registry publishes it.
    pub library: Option<MappedLibrary>,
}

impl PoolEntry {
    pub(crate) fn reads_as<M: Model>(&self) -> bool {
        (self.model_id, self.state_version, self.size, self.align)
            == (M::MODEL_ID, M::STATE_VERSION, M::SIZE, M::ALIGN)
    }

    pub(crate) fn mismatch<M: Model>(&self) -> PoolError {
        PoolError::VersionMismatch {
            model: self.model.clone(),
            pooled: self.state_version,
            pooled_layout: (self.size, self.align),
            current: M::STATE_VERSION,
            current_layout: (M::SIZE, M::ALIGN),
        }
    }

    /// Whether two entries hold the same storage.
    pub fn same_storage(&self, other: &PoolEntry) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.storage), Arc::as_ptr(&other.storage))
    }
}

/// A pool a construction made or adopted, published with its binding.
#[derive(Clone)]
pub(crate) struct PendingPool {
    pub key: (ViewId, ModelId),
    pub entry: PoolEntry,
    /// Made by this construction (new or migrated): the binding's library
    /// becomes its owner when it is published.
    pub created: bool,
}

/// The registry's pools.
pub(crate) type PoolMap = std::collections::BTreeMap<(ViewId, ModelId), PoolEntry>;
