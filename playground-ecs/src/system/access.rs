//! What a system declared (the components and resources it reads and
//! writes), resolved in one world: what the schedule keeps apart, and what
//! a running system is held to.

use crate::storage::component::ComponentId;
use crate::storage::resource::ResourceId;
use crate::world::error::EcsError;

/// What a system declared, resolved in one world.
#[derive(Clone, Default)]
pub(crate) struct Access {
    pub(crate) reads: Vec<ComponentId>,
    pub(crate) writes: Vec<ComponentId>,
    pub(crate) resource_reads: Vec<ResourceId>,
    pub(crate) resource_writes: Vec<ResourceId>,
}

impl Access {
    pub(crate) fn conflicts(&self, other: &Access) -> bool {
        fn clash<T: PartialEq>(writes: &[T], others: &[T], other_writes: &[T]) -> bool {
            writes
                .iter()
                .any(|w| others.contains(w) || other_writes.contains(w))
        }
        clash(&self.writes, &other.reads, &other.writes)
            || clash(&other.writes, &self.reads, &self.writes)
            || clash(
                &self.resource_writes,
                &other.resource_reads,
                &other.resource_writes,
            )
            || clash(
                &other.resource_writes,
                &self.resource_reads,
                &self.resource_writes,
            )
    }

    pub(crate) fn allows(&self, id: ComponentId, mutable: bool) -> bool {
        self.writes.contains(&id) || (!mutable && self.reads.contains(&id))
    }

    pub(crate) fn allows_resource(&self, id: ResourceId, mutable: bool) -> bool {
        self.resource_writes.contains(&id) || (!mutable && self.resource_reads.contains(&id))
    }
}

/// The error for a system that used what it did not declare.
pub(crate) fn undeclared(component: &'static str, mutable: bool, resource: bool) -> EcsError {
    EcsError::Undeclared {
        component,
        how: if mutable { "writes" } else { "reads" },
        declare: match (resource, mutable) {
            (false, false) => "reads",
            (false, true) => "writes",
            (true, false) => "reads_resource",
            (true, true) => "writes_resource",
        },
    }
}
