//! What a developer's host uses and a shipped program does not need:
//! building a module with cargo and watching its sources.
//!
//! The top layer; no module code runs any of it, so the runtime's build
//! fingerprint leaves it out (an edit here keeps modules loadable).

pub mod build;
pub mod built;
pub mod cargo_messages;
pub mod direct;
pub mod linker;
pub mod watcher;
