//! What a developer's host uses and a shipped program does not need:
//! building a module with cargo, watching its sources, and inspecting a
//! library.
//!
//! The top layer; no module code runs any of it, so the runtime's build
//! fingerprint leaves it out (an edit here keeps modules loadable).

pub mod build;
pub mod built;
pub mod cargo_messages;
pub mod direct;
pub mod inspect;
pub mod linker;
pub(crate) mod source_contents;
pub mod thin;
pub mod watcher;
