//! Loading a module library: reading and verifying the file, its manifest
//! and how it differs from the program's, opening it, binding its
//! viewmodels.
//!
//! Built on [`registry`](crate::registry) and [`contract`](crate::contract).

pub mod bytes;
pub mod compat;
pub mod diff;
pub mod error;
pub mod file;
pub mod image;
pub mod library;
pub mod loader;
pub mod manifest;
pub mod mapping;
pub mod module;
pub mod reading;
pub mod sha256;
pub mod store;
pub mod support;
pub mod verdict;
