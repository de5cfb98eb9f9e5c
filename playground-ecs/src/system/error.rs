//! [`ScheduleError`]: why a schedule could not be built or run.

use crate::world::error::EcsError;
use thiserror::Error;

/// Why a schedule could not be built or run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScheduleError {
    /// The ordering constraints form a cycle; the systems on it, in order.
    #[error("systems depend on each other in a cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    /// A constraint names a system that is not in the schedule.
    #[error("system `{system}` is ordered against `{missing}`, which is not in the schedule")]
    UnknownSystem {
        /// The system with the constraint.
        system: String,
        /// The name it refers to.
        missing: String,
    },
    /// Two systems have the same name.
    #[error("two systems are named `{0}`")]
    DuplicateName(String),
    /// A system (or one of its commands) returned an error; the others of
    /// its stage finished.
    #[error("system `{system}` failed: {error}")]
    Failed {
        /// The system's name.
        system: String,
        /// Its error.
        error: Box<EcsError>,
    },
    /// A system panicked; the world is intact and the others finished.
    #[error("system `{system}` panicked: {message}")]
    Panicked {
        /// The system's name.
        system: String,
        /// The panic's message.
        message: String,
    },
}
