//! What a registry remembers of its loads: a bounded record of every
//! attempt, and for each view the builds it was bound to before, so that a
//! module can be rolled back to the build it replaced.
//!
//! # Rolling back
//!
//! Every change of a view's binding (a load, a [`Registry::bind`], a
//! rollback) pushes onto that view's *lineage*: the viewmodel, its library
//! and the change that bound it. [`Registry::rollback`] of view `T` takes
//! the change that bound `T`'s current viewmodel (usually a load), and
//! re-binds every view still bound by that change to the viewmodel it had
//! before, carrying the current state back under the rules of a load: the
//! same format is restored, another format is migrated if the older model
//! knows how, and otherwise the rollback is refused (or starts fresh, with
//! [`StatePolicy::StartFresh`](crate::StatePolicy::StartFresh)). The
//! libraries of earlier builds are still mapped (a lineage holds them), so
//! a rollback runs no `dlopen`. All views are swapped in one store; a
//! refused rollback changes nothing.
//!
//! A rollback pops the lineage: rolling back again goes one more step back
//! along the history of that view (it is an undo, not a redo), until the
//! view's first binding, where [`RollbackError::NoPredecessor`] is
//! returned. A view that the rolled-back load bound for the first time
//! (it had no viewmodel before) keeps its binding and state; the report
//! lists it in [`RollbackReport::kept`].
//!
//! # Bounds
//!
//! [`Registry::history`] keeps the last [`HISTORY_CAPACITY`] attempts, and
//! a view's lineage its current binding and at most [`ROLLBACK_DEPTH`]
//! predecessors: a long-running program that reloads all day does not
//! grow without limit. A library that only a forgotten predecessor held
//! becomes retired. `Registry::unload_retired` forgets every predecessor
//! first: a build that may be unloaded is no longer one to roll back to.

use crate::contract::state::SavedState;
use crate::contract::view::{View, ViewDescriptor};
use crate::registry::bindings::{Bindings, Slot};
use crate::registry::carry::{Carried, LoadOptions, Rebound, bind_carrying, save};
use crate::registry::entry::ViewModelEntry;
use crate::registry::error::RegistryError;
use crate::registry::mapped::MappedLibrary;
use crate::registry::registry::Registry;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};
use thiserror::Error;

/// How many attempts [`Registry::history`] keeps (the oldest are dropped).
pub const HISTORY_CAPACITY: usize = 64;

/// How many earlier builds of one view a registry keeps for
/// [`Registry::rollback`] (the oldest are forgotten).
pub const ROLLBACK_DEPTH: usize = 8;

/// One attempt to change the bindings: a load or a rollback, refused ones
/// included.
#[derive(Debug, Clone)]
pub struct LoadRecord {
    /// Its number in this registry: 1 for the first attempt, then counting
    /// up (a [`Registry::bind`] takes a number too, without a record).
    pub id: u64,
    /// A load, or a rollback.
    pub action: Action,
    /// When it started.
    pub time: SystemTime,
    /// The library loaded, or the library of the build rolled back to
    /// (`None`: the viewmodels linked into this program).
    pub path: Option<PathBuf>,
    /// That library's SHA-256 (lowercase hex), when it was read.
    pub sha256: Option<String>,
    /// The module's crate, if it named itself with `export_module!`.
    pub crate_name: Option<String>,
    /// The views it bound (or, when refused, would have bound, as far as
    /// they were known) with their viewmodels and versions.
    pub views: Vec<RecordedView>,
    /// The models of the library with their state versions (the formats
    /// the new build reads), when its manifest was read.
    pub models: Vec<ModelVersion>,
    /// How it ended.
    pub outcome: Outcome,
    /// Time from the call to the swap (or to the refusal).
    pub elapsed: Duration,
    /// How long each phase took, in order (see
    /// [`LoadReport::phases`](crate::LoadReport::phases)); a refused attempt
    /// lists the phases it completed.
    pub phases: Vec<(&'static str, Duration)>,
}

/// What an attempt tried to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// [`Registry::load`].
    Load,
    /// [`Registry::rollback`], of the change numbered `undid` (the
    /// [`LoadRecord::id`] of the load that bound the view's viewmodel).
    Rollback {
        /// The change rolled back; 0 when there was none to roll back.
        undid: u64,
    },
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The module was loaded and its views bound.
    Loaded,
    /// The views went back to their earlier viewmodels.
    RolledBack,
    /// Refused, with the registry unchanged: the error's message.
    Refused(String),
}

/// A view an attempt bound, or would have bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedView {
    /// The view's name.
    pub view: String,
    /// The viewmodel's name.
    pub viewmodel: String,
    /// The view's `API_VERSION` the viewmodel was compiled against.
    pub api_version: u64,
    /// How its state was set, when it was bound.
    pub state: Option<Carried>,
    /// The formats of the state carried over (the predecessor's saved
    /// fields), empty when none was.
    pub saved_state: Vec<StateVersion>,
}

/// One saved field of a viewmodel's state, with its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateVersion {
    /// The viewmodel field.
    pub field: String,
    /// The model's name.
    pub model: String,
    /// The format of the saved value.
    pub state_version: u64,
}

/// A model of a library with its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelVersion {
    /// The model's name.
    pub name: String,
    /// Its `STATE_VERSION`.
    pub state_version: u64,
}

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
    /// The view has no earlier viewmodel to go back to: it was never
    /// re-bound, or every earlier binding was forgotten ([`ROLLBACK_DEPTH`]),
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

/// A binding a view had: what it takes to build it again.
#[derive(Clone)]
pub(crate) struct Generation {
    pub entry: &'static ViewModelEntry,
    pub view: &'static ViewDescriptor,
    /// Keeps the library mapped while a rollback may need it.
    pub library: Option<MappedLibrary>,
    /// The change that bound it ([`LoadRecord::id`]; 0: `Registry::linked`).
    pub origin: u64,
    pub path: Option<PathBuf>,
    pub sha256: Option<String>,
    pub crate_name: Option<String>,
    pub models: Arc<[ModelVersion]>,
}

impl Generation {
    /// A viewmodel linked into the program, bound by `origin`.
    pub fn linked(
        entry: &'static ViewModelEntry,
        view: &'static ViewDescriptor,
        origin: u64,
    ) -> Self {
        Generation {
            entry,
            view,
            library: None,
            origin,
            path: None,
            sha256: None,
            crate_name: None,
            models: Arc::from([]),
        }
    }
}

/// A registry's records and lineages.
#[derive(Default)]
pub(crate) struct History {
    /// The number of the next change (0 is `Registry::linked`).
    next_id: AtomicU64,
    inner: parking_lot::Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    records: VecDeque<LoadRecord>,
    /// Per view id, its bindings, oldest first; the last is the current one.
    /// Changed only by writers holding `Registry::write`.
    lineage: HashMap<u64, Vec<Generation>>,
}

impl History {
    /// A history whose lineages start with `linked`, numbered 0.
    pub fn new(linked: impl IntoIterator<Item = Generation>) -> Self {
        let history = History {
            next_id: AtomicU64::new(1),
            ..History::default()
        };
        history.inner.lock().lineage = linked
            .into_iter()
            .map(|generation| (generation.view.view_id, vec![generation]))
            .collect();
        history
    }

    /// A number for a new change.
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Keeps `record`, forgetting the oldest past [`HISTORY_CAPACITY`].
    pub fn push(&self, record: LoadRecord) {
        let mut inner = self.inner.lock();
        if inner.records.len() == HISTORY_CAPACITY {
            inner.records.pop_front();
        }
        inner.records.push_back(record);
    }

    /// Forgets every view's earlier bindings, keeping the current ones
    /// (caller holds `Registry::write`).
    pub fn forget_earlier(&self) {
        for lineage in self.inner.lock().lineage.values_mut() {
            let current = lineage.len().saturating_sub(1);
            lineage.drain(..current);
        }
    }

    /// Records that each generation is now its view's binding (caller holds
    /// `Registry::write`, and has just stored the bindings).
    pub fn bound(&self, generations: impl IntoIterator<Item = Generation>) {
        let mut inner = self.inner.lock();
        for generation in generations {
            let lineage = inner.lineage.entry(generation.view.view_id).or_default();
            lineage.push(generation);
            if lineage.len() > ROLLBACK_DEPTH + 1 {
                lineage.remove(0);
            }
        }
    }
}

/// What a rollback would do, planned from the lineages.
struct Plan {
    undid: u64,
    targets: Vec<Generation>,
    kept: Vec<String>,
    /// The formats of the state saved from each target's view.
    saved: Vec<Vec<StateVersion>>,
}

impl Registry {
    /// Every load and rollback attempt this registry remembers, oldest
    /// first: the last [`HISTORY_CAPACITY`], refused ones included.
    pub fn history(&self) -> Vec<LoadRecord> {
        self.history.inner.lock().records.iter().cloned().collect()
    }

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
        view_id: u64,
        view_name: &str,
        options: LoadOptions,
        start: Instant,
        phases: &mut Vec<(&'static str, Duration)>,
        planned: &mut Option<Plan>,
    ) -> Result<RollbackReport, RollbackError> {
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
            self.bindings.store(Bindings { slots });
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
    fn plan_rollback(&self, view_id: u64, view_name: &str) -> Result<Plan, RollbackError> {
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
    target: &Generation,
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

fn bind_error(target: &Generation, source: RegistryError) -> RollbackError {
    RollbackError::Bind {
        view: target.view.name.to_owned(),
        viewmodel: target.entry.descriptor.name.to_owned(),
        source: Box::new(source),
    }
}

/// A generation as a history record lists it.
fn recorded(target: &Generation, saved: &[StateVersion]) -> RecordedView {
    RecordedView {
        view: target.view.name.to_owned(),
        viewmodel: target.entry.descriptor.name.to_owned(),
        api_version: target.entry.descriptor.api_version,
        state: None,
        saved_state: saved.to_vec(),
    }
}

/// The formats of a saved state.
pub(crate) fn state_versions(saved: &SavedState) -> Vec<StateVersion> {
    saved
        .entries()
        .iter()
        .map(|e| StateVersion {
            field: e.field.clone(),
            model: e.model.clone(),
            state_version: e.state_version,
        })
        .collect()
}
