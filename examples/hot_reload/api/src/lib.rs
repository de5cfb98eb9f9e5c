//! The contract between the hot_reload host and its module.

use playground_runtime::{model, view};

/// One visit to the guestbook.
#[model]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub name: String,
    pub number: u32,
}

/// A greeter that remembers its visitors.
#[view(models(Visit))]
pub trait Greeter: Send + Sync {
    /// Greets `name` and records the visit.
    fn greet(&self, name: &str) -> String;
    /// Every visit so far.
    fn visits(&self) -> Vec<Visit>;
}
