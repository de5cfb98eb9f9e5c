//! The vocabulary that generated code and modules compile against: views,
//! models, viewmodels, their fingerprints, the state wrappers, saved state
//! and the containment of panics across images.
//!
//! The bottom layer: it imports nothing from the rest of the crate.

pub mod codec;
pub mod error;
pub mod fingerprint;
pub mod guard;
pub mod ids;
pub mod model;
pub(crate) mod mutex;
pub mod record;
pub mod restore;
pub mod state;
pub mod view;
pub mod viewmodel;
pub mod wrappers;
