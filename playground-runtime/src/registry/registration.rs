//! Link-time registrations: `#[view]`, `#[model]` and `#[viewmodel]` append
//! to these slices, and the linker gathers every entry of the program.
//!
//! linkme slices are per image: a dynamic library has its own, separate from
//! the host's.

use crate::contract::model::ModelDescriptor;
use crate::contract::view::ViewDescriptor;
use crate::registry::entry::ViewModelEntry;
use linkme::distributed_slice;

/// Every view linked into this image.
#[distributed_slice]
pub static VIEWS: [&'static ViewDescriptor];

/// Every non-generic model linked into this image.
#[distributed_slice]
pub static MODELS: [ModelDescriptor];

/// Every viewmodel linked into this image.
#[distributed_slice]
pub static VIEWMODELS: [ViewModelEntry];
