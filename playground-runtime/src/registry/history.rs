//! What a registry remembers of its loads: a bounded record of every
//! attempt, and for each view the builds it was bound to before, so that a
//! module can be rolled back to the build it replaced.
//!
//! # Rolling back
//!
//! Every change of a view's binding (a load, a [`Registry::bind`](crate::Registry::bind), a
//! rollback) pushes onto that view's *lineage*: the viewmodel, its library
//! and the change that bound it. [`Registry::rollback`](crate::Registry::rollback) of view `T` takes
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
//! view's first binding, where [`RollbackError::NoPredecessor`](crate::RollbackError::NoPredecessor) is
//! returned. A view that the rolled-back load bound for the first time
//! (it had no viewmodel before) keeps its binding and state; the report
//! lists it in [`RollbackReport::kept`](crate::RollbackReport::kept).
//!
//! # Bounds
//!
//! [`Registry::history`](crate::Registry::history) keeps the last [`HISTORY_CAPACITY`] attempts, and
//! a view's lineage its current binding and at most [`ROLLBACK_DEPTH`]
//! predecessors: a long-running program that reloads all day does not
//! grow without limit. A library that only a forgotten predecessor held
//! becomes retired. `Registry::unload_retired` forgets every predecessor
//! first: a build that may be unloaded is no longer one to roll back to.

use crate::contract::ids::{ApiVersion, StateVersion, ViewId};
use crate::contract::mutex::Mutex;
use crate::contract::state::SavedState;
use crate::contract::view::ViewDescriptor;
use crate::registry::carry::Carried;
use crate::registry::entry::ViewModelEntry;
use crate::registry::mapped::MappedLibrary;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// How many attempts [`Registry::history`](crate::Registry::history) keeps (the oldest are dropped).
pub const HISTORY_CAPACITY: usize = 64;

/// How many earlier builds of one view a registry keeps for
/// [`Registry::rollback`](crate::Registry::rollback) (the oldest are forgotten).
pub const ROLLBACK_DEPTH: usize = 8;

/// One attempt to change the bindings: a load or a rollback, refused ones
/// included.
#[derive(Debug, Clone)]
pub struct LoadRecord {
    /// Its number in this registry: 1 for the first attempt, then counting
    /// up (a [`Registry::bind`](crate::Registry::bind) takes a number too, without a record).
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
    /// The copy of that library in the registry's store
    /// ([`Registry::keep_libraries`](crate::Registry::keep_libraries)),
    /// for a load that succeeded while one was set: a file that still holds
    /// what ran after cargo has overwritten `path`.
    pub stored: Option<PathBuf>,
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
    /// [`Registry::load`](crate::Registry::load).
    Load,
    /// [`Registry::rollback`](crate::Registry::rollback), of the change numbered `undid` (the
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
    pub api_version: ApiVersion,
    /// How its state was set, when it was bound.
    pub state: Option<Carried>,
    /// The formats of the state carried over (the predecessor's saved
    /// fields), empty when none was.
    pub saved_state: Vec<SavedFormat>,
}

/// One saved field of a viewmodel's state, with its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedFormat {
    /// The viewmodel field.
    pub field: String,
    /// The model's name.
    pub model: String,
    /// The format of the saved value.
    pub state_version: StateVersion,
}

/// A model of a library with its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelVersion {
    /// The model's name.
    pub name: String,
    /// Its `STATE_VERSION`.
    pub state_version: StateVersion,
}

/// A binding a view had: what it takes to build it again.
#[derive(Clone)]
pub(crate) struct LineageEntry {
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

impl LineageEntry {
    /// A viewmodel linked into the program, bound by `origin`.
    pub fn linked(
        entry: &'static ViewModelEntry,
        view: &'static ViewDescriptor,
        origin: u64,
    ) -> Self {
        LineageEntry {
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
    pub(crate) inner: Mutex<Inner>,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) records: VecDeque<LoadRecord>,
    /// Per view id, its bindings, oldest first; the last is the current one.
    /// Changed only by writers holding `Registry::write`.
    pub(crate) lineage: HashMap<ViewId, Vec<LineageEntry>>,
}

impl History {
    /// The records kept, oldest first.
    pub fn records(&self) -> Vec<LoadRecord> {
        self.inner.lock().records.iter().cloned().collect()
    }

    /// A history whose lineages start with `linked`, numbered 0.
    pub fn new(linked: impl IntoIterator<Item = LineageEntry>) -> Self {
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
    pub fn bound(&self, generations: impl IntoIterator<Item = LineageEntry>) {
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

/// The formats of a saved state.
pub(crate) fn state_versions(saved: &SavedState) -> Vec<SavedFormat> {
    saved
        .entries()
        .iter()
        .map(|e| SavedFormat {
            field: e.field.clone(),
            model: e.model.clone(),
            state_version: e.state_version,
        })
        .collect()
}
