//! A constructed viewmodel, erased: the view it serves, how to save its
//! state, and the pools it took.

use crate::contract::guard::{Failure, Guarded, contain};
use crate::contract::state::SavedState;
use crate::contract::viewmodel::ViewModel;
use crate::registry::pool::entry::PendingPool;
use std::any::Any;
use std::sync::Arc;

/// A constructed viewmodel, erased: the view it serves and how to save it.
pub(crate) struct Instance {
    /// An `Arc<dyn Trait>`, downcast by `Registry::get::<dyn Trait>`.
    pub view: Box<dyn Any + Send + Sync>,
    /// The same object, for saving its state.
    pub state: Arc<dyn SaveState>,
    /// The pools its `Pool` fields took, published with its binding.
    pub pools: Vec<PendingPool>,
}

/// Object-safe access to [`ViewModel::save_state`], panics contained.
pub(crate) trait SaveState: Send + Sync {
    fn save(&self) -> Result<SavedState, Failure>;
}

impl<VM: ViewModel> SaveState for Guarded<VM> {
    fn save(&self) -> Result<SavedState, Failure> {
        let mut state = SavedState::default();
        contain(&mut || self.save_state(&mut state))?;
        Ok(state)
    }
}
