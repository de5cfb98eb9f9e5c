//! How a viewmodel's generated `save_state` and `restore_state` save and
//! restore a field without a `State` bound of their own: the field's
//! manifest record (`Record::state`) already requires it, so a field that
//! is not `State` is reported once, there, rather than once per use.

use crate::contract::error::StateError;
use crate::contract::state::{SavedState, State};

/// A field to save: [`SaveState`] for a `State` field, the only one that
/// runs, else [`SaveAny`] (method resolution picks the first that applies,
/// and the field's record refuses the program in the second case).
pub struct Save<'a, S>(pub &'a S);

/// Saves a `State` field.
pub trait SaveState {
    /// Saves the field into `state` as entry `field`.
    fn save_into(&self, state: &mut SavedState, field: &str) -> Result<(), StateError>;
}

impl<S: State> SaveState for Save<'_, S> {
    fn save_into(&self, state: &mut SavedState, field: &str) -> Result<(), StateError> {
        state.save(field, self.0)
    }
}

/// Any other field: resolves so that the error is only the record's.
pub trait SaveAny {
    /// Never runs: a program with such a field does not compile.
    fn save_into(&self, state: &mut SavedState, field: &str) -> Result<(), StateError>;
}

impl<S> SaveAny for &Save<'_, S> {
    fn save_into(&self, _: &mut SavedState, field: &str) -> Result<(), StateError> {
        unreachable!("field `{field}` is not viewmodel state: its manifest record refuses it")
    }
}

/// A field to restore: [`RestoreState`] for a `State` field, the only one
/// that runs, else [`RestoreAny`] (method resolution picks the first that
/// applies, and the field's record refuses the program in the second case).
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

/// Any other field: resolves so that the error is only the record's.
pub trait RestoreAny {
    /// Never runs: a program with such a field does not compile.
    fn restore_from(&mut self, state: &SavedState, field: &str) -> Result<(), StateError>;
}

impl<S> RestoreAny for &mut Restore<'_, S> {
    fn restore_from(&mut self, _: &SavedState, field: &str) -> Result<(), StateError> {
        unreachable!("field `{field}` is not viewmodel state: its manifest record refuses it")
    }
}
