//! Building a binding, and carrying a viewmodel's state from one binding to
//! the next under a load's rules (restore, migrate, start fresh or refuse):
//! what loads, rollbacks and [`Registry::bind`](crate::Registry::bind) share.

use crate::contract::error::StateError;
use crate::contract::guard::Failure;
use crate::contract::state::SavedState;
use crate::contract::view::ViewDescriptor;
use crate::registry::bindings::{Binding, BindingStore};
use crate::registry::entry::ViewModelEntry;
use crate::registry::error::RegistryError;
use crate::registry::mapped::MappedLibrary;
use std::sync::Arc;

/// What to do when a module's state format differs from the saved state's
/// and the model has no migration for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatePolicy {
    /// Refuse the module; the old binding keeps running with its state.
    #[default]
    Refuse,
    /// Bind the new viewmodel with fresh state; the old state is dropped.
    StartFresh,
}

/// Options of [`Registry::load_with`](crate::Registry::load_with).
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// See [`StatePolicy`].
    pub on_state_mismatch: StatePolicy,
}

/// One view bound by a load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebound {
    /// The view's name.
    pub view: String,
    /// The new viewmodel's name.
    pub viewmodel: String,
    /// How its state was set.
    pub state: Carried,
}

/// How a new viewmodel's state was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carried {
    /// The view was not bound before: fresh state.
    New,
    /// The old viewmodel's state, same format (adopted or decoded), or
    /// migrated by the model.
    Restored,
    /// Fresh state, because the format changed and the options allowed it.
    StartedFresh,
}

pub(crate) fn save(binding: &Binding) -> Result<SavedState, RegistryError> {
    binding
        .instance
        .state
        .save()
        .map_err(|failure| failed(binding.viewmodel.name, failure, "while saving state: "))
}

fn failed(viewmodel: &str, failure: Failure, context: &str) -> RegistryError {
    match failure {
        Failure::State(source) => RegistryError::State {
            viewmodel: viewmodel.to_owned(),
            source,
        },
        Failure::Panic(message) => RegistryError::ConstructorPanicked {
            viewmodel: viewmodel.to_owned(),
            message: format!("{context}{message}"),
        },
    }
}

/// Builds a binding of `entry` for `view`, catching panics from user code.
pub(crate) fn bind(
    store: &Arc<BindingStore>,
    entry: &ViewModelEntry,
    view: &ViewDescriptor,
    saved: Option<&SavedState>,
    library: Option<&MappedLibrary>,
) -> Result<Arc<Binding>, RegistryError> {
    let viewmodel = entry.descriptor;
    if viewmodel.api_version != view.api_version {
        return Err(RegistryError::ApiVersionMismatch {
            view: view.name.to_owned(),
            viewmodel: viewmodel.name.to_owned(),
            expected: view.api_version,
            found: viewmodel.api_version,
        });
    }
    let mut instance =
        (entry.instantiate)(saved, store).map_err(|failure| failed(viewmodel.name, failure, ""))?;
    let pools = std::mem::take(&mut instance.pools);
    Ok(Arc::new(Binding {
        viewmodel,
        pools,
        instance,
        _library: library.cloned(),
    }))
}

/// Binds `entry` for `view` with `saved` state, under a load's state rules:
/// restored (or migrated) when it can be read, else started fresh if
/// `options` allow it, else refused.
pub(crate) fn bind_carrying(
    store: &Arc<BindingStore>,
    entry: &ViewModelEntry,
    view: &ViewDescriptor,
    saved: Option<&SavedState>,
    library: Option<&MappedLibrary>,
    options: LoadOptions,
) -> Result<(Arc<Binding>, Carried), RegistryError> {
    match bind(store, entry, view, saved, library) {
        Ok(binding) => Ok((
            binding,
            if saved.is_some() {
                Carried::Restored
            } else {
                Carried::New
            },
        )),
        Err(RegistryError::State {
            source: StateError::VersionMismatch { .. },
            ..
        }) if options.on_state_mismatch == StatePolicy::StartFresh => Ok((
            bind(store, entry, view, None, library)?,
            Carried::StartedFresh,
        )),
        Err(error) => Err(error),
    }
}
