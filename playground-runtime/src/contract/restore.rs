//! How a viewmodel's generated `restore_state` restores a field without a
//! second `State` bound: `save_state` already requires it of the same
//! field, so a field that is not `State` is reported once, there, rather
//! than once per call.

use crate::contract::error::StateError;
use crate::contract::state::{SavedState, State};

/// A field to restore: [`RestoreState`] for a `State` field, the only one
/// that runs, else [`RestoreAny`] (method resolution picks the first that
/// applies, and `save_state` refuses the program in the second case).
pub struct Restore<'a, S>(pub &'a mut S);

/// Restores a `State` field.
pub trait RestoreState {
    /// Restores the field from `state`'s entry `field`.
    fn restore_from(&mut self, state: &SavedState, field: &str) -> Result<(), StateError>;
}

impl<S: State> RestoreState for Restore<'_, S> {
    fn restore_from(&mut self, state: &SavedState, field: &str) -> Result<(), StateError> {
        state.restore(field, &mut *self.0)
    }
}

/// Any other field: resolves so that the error is only `save_state`'s.
pub trait RestoreAny {
    /// Never runs: a program with such a field does not compile.
    fn restore_from(&mut self, state: &SavedState, field: &str) -> Result<(), StateError>;
}

impl<S> RestoreAny for &mut Restore<'_, S> {
    fn restore_from(&mut self, _: &SavedState, field: &str) -> Result<(), StateError> {
        unreachable!("field `{field}` is not viewmodel state: save_state refuses it")
    }
}
