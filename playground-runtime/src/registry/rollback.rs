//! Rolling a module back to the build it replaced (see the
//! [`history`](crate::history) module for the rules).

use crate::contract::guard::in_callback;
use crate::contract::ids::ViewId;
use crate::contract::state::SavedState;
use crate::contract::view::View;
use crate::registry::bindings::{Bindings, Slot};
use crate::registry::carry::{Carried, LoadOptions, Rebound, bind_carrying, save};
use crate::registry::error::RegistryError;
use crate::registry::history::{
    Action, LineageEntry, LoadRecord, Outcome, RecordedView, SavedFormat, state_versions,
};
use crate::registry::registry::Registry;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use thiserror::Error;

/// What a successful [`Registry::rollback`] did.
#[derive(Debug, Clone)]
pub struct RollbackReport {
    /// The number of the change rolled back ([`LoadRecord::id`]).
    pub undid: u64,
    /// The library of the build rolled back to (`None`: linked in).
    pub path: Option<PathBuf>,
    /// Each view re-bound, with its viewmodel and how its state came back.
    pub bound: Vec<Rebound>,
    /// Views the rolled-back change had bound first (nothing before them),
    /// left bound as they were.
    pub kept: Vec<String>,
    /// Time from the call to the swap.
    pub elapsed: Duration,
    /// How long each phase took: `save`, `restore` (construct, restore or
    /// migrate), `swap`.
    pub phases: Vec<(&'static str, Duration)>,
}

/// Why a rollback was refused; the registry is unchanged.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RollbackError {
    /// Started from inside a view call (a callback that a view method
    /// received), where the method may hold its own state's lock.
    #[error(
        "a rollback started from a callback inside a view call is refused (the view method \
         may hold a lock its state is carried under); roll back from outside any view call"
    )]
    InCallback,
    /// The view has no earlier viewmodel to go back to: it was never
    /// re-bound, or every earlier binding was forgotten ([`ROLLBACK_DEPTH`](crate::ROLLBACK_DEPTH)),
    /// or it is not bound at all.
    #[error("view `{view}` has no earlier viewmodel to roll back to (bound once, or not at all)")]
    NoPredecessor {
        /// The view's name.
        view: String,
    },
    /// The earlier viewmodel could not take the current state (another
    /// format and no migration, unless starting fresh was allowed), or its
    /// constructor, restore or migration panicked.
    #[error("rolling view `{view}` back to `{viewmodel}`: {source}")]
    Bind {
        /// The view's name.
        view: String,
        /// The earlier viewmodel's name.
        viewmodel: String,
        /// What failed.
        #[source]
        source: Box<RegistryError>,
    },
}

/// What a rollback would do, planned from the lineages.
struct Plan {
    undid: u64,
    targets: Vec<LineageEntry>,
    kept: Vec<String>,
    /// The formats of the state saved from each target's view.
    saved: Vec<Vec<SavedFormat>>,
}

impl Registry {
    /// Rolls the module that bound view `T` back to the build it replaced
    /// (see the [module docs](crate::history) for what "module" and
    /// rolling back twice mean), carrying the current state back as a load
    /// would. Refuses with [`RollbackError::NoPredecessor`] when `T` had
    /// no earlier viewmodel, and with [`RollbackError::Bind`] when the
    /// earlier build cannot take the current state; either way nothing
    /// changes. Recorded in [`Registry::history`].
    pub fn rollback<T: ?Sized + View>(&self) -> Result<RollbackReport, RollbackError> {
        self.rollback_with::<T>(LoadOptions::default())
    }

    /// [`Registry::rollback`] with options (what to do with state of
    /// another format: [`StatePolicy`](crate::StatePolicy)).
    pub fn rollback_with<T: ?Sized + View>(
        &self,
        options: LoadOptions,
    ) -> Result<RollbackReport, RollbackError> {
        let id = self.history.next_id();
        let time = SystemTime::now();
        let start = Instant::now();
        let span = tracing::info_span!("rollback", view = T::NAME, id);
        let _entered = span.enter();
        let mut phases = Vec::new();
        let mut plan = None;
        let result =
            self.rollback_inner(T::VIEW_ID, T::NAME, options, start, &mut phases, &mut plan);
        let (views, outcome, undid) = match &result {
            Ok(report) => {
                tracing::info!(undid = report.undid, views = ?report.bound.iter().map(|b| &b.view).collect::<Vec<_>>(), "rolled back");
                let views = plan
                    .iter()
                    .flat_map(|p: &Plan| p.targets.iter().zip(&p.saved))
                    .zip(&report.bound)
                    .map(|((target, saved), rebound)| RecordedView {
                        state: Some(rebound.state),
                        ..recorded(target, saved)
                    })
                    .collect();
                (views, Outcome::RolledBack, report.undid)
            }
            Err(error) => {
                tracing::warn!(view = T::NAME, %error, "rollback refused");
                let views = plan
                    .iter()
                    .flat_map(|p| &p.targets)
                    .map(|t| recorded(t, &[]))
                    .collect();
                (
                    views,
                    Outcome::Refused(error.to_string()),
                    plan.as_ref().map_or(0, |p| p.undid),
                )
            }
        };
        let first = plan.as_ref().and_then(|p| p.targets.first());
        self.history.push(LoadRecord {
            id,
            action: Action::Rollback { undid },
            time,
            path: first.and_then(|t| t.path.clone()),
            stored: None,
            sha256: first.and_then(|t| t.sha256.clone()),
            crate_name: first.and_then(|t| t.crate_name.clone()),
            views,
            models: first.map(|t| t.models.to_vec()).unwrap_or_default(),
            outcome,
            elapsed: start.elapsed(),
            phases,
        });
        result
    }

    fn rollback_inner(
        &self,
        view_id: ViewId,
        view_name: &str,
        options: LoadOptions,
        start: Instant,
        phases: &mut Vec<(&'static str, Duration)>,
        planned: &mut Option<Plan>,
    ) -> Result<RollbackReport, RollbackError> {
        if in_callback() {
            return Err(RollbackError::InCallback);
        }
        let _writer = self.write.lock();
        let plan = self.plan_rollback(view_id, view_name)?;
        let plan = planned.insert(plan);
        let current = self.bindings.load_full();

        let saved: Vec<Option<SavedState>> = phase!(phases, "save", {
            plan.targets
                .iter()
                .map(|target| match current.slots.get(&target.view.view_id) {
                    Some(Slot::Bound(old)) => {
                        save(old).map(Some).map_err(|e| bind_error(target, e))
                    }
                    _ => Ok(None),
                })
                .collect::<Result<_, _>>()
        })?;
        plan.saved = saved
            .iter()
            .map(|s| s.as_ref().map(state_versions).unwrap_or_default())
            .collect();

        let built = phase!(phases, "restore", {
            plan.targets
                .iter()
                .zip(&saved)
                .map(|(target, saved)| {
                    rebind(&self.bindings, target, saved.as_ref(), options)
                        .map_err(|e| bind_error(target, e))
                })
                .collect::<Result<Vec<_>, _>>()
        })?;

        let bound = phase!(phases, "swap", {
            let mut slots = current.slots.clone();
            let mut bound = Vec::new();
            for (target, (binding, state)) in plan.targets.iter().zip(built) {
                slots.insert(target.view.view_id, Slot::Bound(binding));
                bound.push(Rebound {
                    view: target.view.name.to_owned(),
                    viewmodel: target.entry.descriptor.name.to_owned(),
                    state,
                });
            }
            // One store: callers see every old binding or every new one.
            self.bindings.store(Bindings::new(slots));
            let mut inner = self.history.inner.lock();
            for target in &plan.targets {
                if let Some(lineage) = inner.lineage.get_mut(&target.view.view_id) {
                    lineage.pop();
                }
            }
            bound
        });
        Ok(RollbackReport {
            undid: plan.undid,
            path: plan.targets.first().and_then(|t| t.path.clone()),
            bound,
            kept: plan.kept.clone(),
            elapsed: start.elapsed(),
            phases: phases.clone(),
        })
    }

    /// The views bound by the change that bound `view_id`, each with the
    /// generation before. Caller holds `Registry::write`.
    fn plan_rollback(&self, view_id: ViewId, view_name: &str) -> Result<Plan, RollbackError> {
        let no_predecessor = || RollbackError::NoPredecessor {
            view: view_name.to_owned(),
        };
        let inner = self.history.inner.lock();
        let undid = inner
            .lineage
            .get(&view_id)
            .and_then(|l| l.last())
            .ok_or_else(no_predecessor)?
            .origin;
        let mut targets = Vec::new();
        let mut kept = Vec::new();
        for lineage in inner.lineage.values() {
            match lineage.as_slice() {
                [.., before, now] if now.origin == undid => targets.push(before.clone()),
                [now] if now.origin == undid => kept.push(now.view.name.to_owned()),
                _ => {}
            }
        }
        // The view asked for first, then by name: a stable order.
        targets.sort_by_key(|t| (t.view.view_id != view_id, t.view.name));
        kept.sort();
        if targets.iter().all(|t| t.view.view_id != view_id) {
            return Err(no_predecessor());
        }
        Ok(Plan {
            undid,
            targets,
            kept,
            saved: Vec::new(),
        })
    }
}

/// Builds `target` again with `saved`, under a load's state rules.
fn rebind(
    store: &Arc<crate::registry::bindings::BindingStore>,
    target: &LineageEntry,
    saved: Option<&SavedState>,
    options: LoadOptions,
) -> Result<(Arc<crate::registry::bindings::Binding>, Carried), RegistryError> {
    bind_carrying(
        store,
        target.entry,
        target.view,
        saved,
        target.library.as_ref(),
        options,
    )
}

fn bind_error(target: &LineageEntry, source: RegistryError) -> RollbackError {
    RollbackError::Bind {
        view: target.view.name.to_owned(),
        viewmodel: target.entry.descriptor.name.to_owned(),
        source: Box::new(source),
    }
}

/// A generation as a history record lists it.
fn recorded(target: &LineageEntry, saved: &[SavedFormat]) -> RecordedView {
    RecordedView {
        view: target.view.name.to_owned(),
        viewmodel: target.entry.descriptor.name.to_owned(),
        api_version: target.entry.descriptor.api_version,
        state: None,
        saved_state: saved.to_vec(),
    }
}
