//! Loading a module library: reading and verifying the file, its manifest
//! and how it differs from the program's, opening it, binding its
//! viewmodels, and rolling back.
//!
//! Built on [`registry`](crate::registry) and [`contract`](crate::contract).

pub mod diff;
pub mod error;
pub mod library;
pub mod loader;
pub mod manifest;
pub mod module;
pub mod sha256;
