//! A viewmodel's link-time registration, and how the registry builds one.

use crate::contract::guard::{Failure, Guarded, contain};
use crate::contract::state::SavedState;
use crate::contract::view::View;
use crate::contract::viewmodel::{ViewModel, ViewModelDescriptor};
use crate::registry::bindings::BindingStore;
use crate::registry::instance::Instance;
use std::fmt;
use std::sync::Arc;

/// Builds a viewmodel (restoring `saved`) for the registry whose store is
/// given: the [`Uses`](crate::Uses) handles it makes point there.
pub(crate) type Instantiate =
    fn(Option<&SavedState>, &Arc<BindingStore>) -> Result<Instance, Failure>;

/// A viewmodel's link-time registration: its descriptor and how to build it.
pub struct ViewModelEntry {
    /// What the registry lists.
    pub descriptor: ViewModelDescriptor,
    pub(crate) instantiate: Instantiate,
}

impl ViewModelEntry {
    /// The entry of `VM`, written in `module_path`.
    pub const fn of<VM: ViewModel>(module_path: &'static str) -> Self {
        ViewModelEntry {
            descriptor: ViewModelDescriptor {
                name: VM::NAME,
                module_path,
                view: <VM::View as View>::NAME,
                view_id: <VM::View as View>::VIEW_ID,
                api_version: VM::API_VERSION,
            },
            instantiate: instantiate::<VM>,
        }
    }
}

impl fmt::Debug for ViewModelEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.descriptor.fmt(f)
    }
}

/// Runs in the viewmodel's own image (it is monomorphised there), so the
/// construction context it sets is the one that image's `Uses::default`
/// reads.
fn instantiate<VM: ViewModel>(
    saved: Option<&SavedState>,
    store: &Arc<BindingStore>,
) -> Result<Instance, Failure> {
    let mut instance = None;
    contain(&mut || {
        let constructed = crate::registry::construction::constructing(
            store,
            <VM::View as View>::VIEW_ID,
            VM::construct,
        );
        let mut viewmodel = constructed.value;
        if let Some(error) = constructed.error {
            return Err(error);
        }
        if let Some(saved) = saved {
            viewmodel.restore_state(saved)?;
        }
        let shared = Arc::new(Guarded::new(viewmodel));
        let view: Arc<VM::View> = VM::into_view(Arc::clone(&shared));
        instance = Some(Instance {
            view: Box::new(view),
            state: shared,
            pools: constructed.pools,
        });
        Ok(())
    })?;
    Ok(instance.expect("a construction that returned `Ok` made its instance"))
}
