//! The verdict on the state a module would take over, from manifests
//! alone: what [`Registry::load`](crate::Registry::load) refuses before any
//! of the module's code runs, and what [`Registry::check`](crate::Registry::check)
//! and `playground-inspect` answer, with the same errors.
//!
//! A new build of a view's viewmodel takes over what the running one holds:
//! the state of its `state(...)` fields, and the registry's pools of the
//! view. Its manifest lists the format each of its fields reads
//! ([`ManifestHeld`]) and what each model migrates from, so the verdict is
//! the one the restore and the pools' adoption would reach: the same format
//! is taken, an older one its model migrates from is migrated, anything
//! else is refused (state may start fresh if the options allow it). What
//! only running code can find (bytes that do not decode, a panicking
//! migration) is still found at load time.

use crate::contract::error::StateError;
use crate::contract::ids::ViewId;
use crate::loading::diff::Changes;
use crate::loading::error::{LoadError, LoadErrorKind};
use crate::loading::manifest::{Manifest, ManifestHeld, ManifestViewModel};
use crate::registry::carry::StatePolicy;
use crate::registry::error::RegistryError;
use std::path::Path;

/// What the running program holds for one view.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    /// The view.
    pub view: ViewId,
    /// The state fields of the viewmodel bound to it, as its build's
    /// manifest lists them (`None`: not known, left to the restore).
    pub state: Option<Vec<ManifestHeld>>,
    /// The registry's pools of the view.
    pub pools: Vec<ManifestHeld>,
}

impl Held {
    /// What a program or library running `viewmodels` holds, as far as
    /// its manifest tells: their state and declared pools.
    pub fn declared<'m>(viewmodels: impl Iterator<Item = &'m ManifestViewModel>) -> Vec<Held> {
        viewmodels
            .map(|vm| Held {
                view: vm.view_id,
                state: Some(vm.state.clone()),
                pools: vm.pools.clone(),
            })
            .collect()
    }
}

/// Judges the state each of `targets` (the viewmodels of `module` a load
/// would bind, in order) would take over from `held`: `Err` with the error
/// the load would refuse it with.
pub(crate) fn judge<'m>(
    held: &[Held],
    module: &Manifest,
    targets: impl Iterator<Item = &'m ManifestViewModel>,
    policy: StatePolicy,
) -> Result<(), RegistryError> {
    for vm in targets {
        let Some(before) = held.iter().find(|h| h.view == vm.view_id) else {
            continue;
        };
        let refused = |source| RegistryError::State {
            viewmodel: vm.name.clone(),
            source,
        };
        // Pools first: the constructor takes them, before the restore.
        pools(before, vm, module).map_err(refused)?;
        if let Some(saved) = &before.state {
            match state(saved, vm) {
                Err(StateError::VersionMismatch { .. }) if policy == StatePolicy::StartFresh => {}
                result => result.map_err(refused)?,
            }
        }
    }
    Ok(())
}

/// The pools `vm` would take: the ones it declares, or, if it declares
/// none, every pool of the view whose model its build has (a `Pool` field
/// that is not declared is not in the manifest, so it is judged as if the
/// new build takes the pools the running one took).
fn pools(before: &Held, vm: &ManifestViewModel, module: &Manifest) -> Result<(), StateError> {
    if !vm.pools.is_empty() {
        for new in &vm.pools {
            if let Some(old) = before.pools.iter().find(|p| p.model_id == new.model_id) {
                pool(old, new)?;
            }
        }
        return Ok(());
    }
    for old in &before.pools {
        // Each version of the model the build has, as a field would take it.
        let versions: Vec<ManifestHeld> = module
            .models
            .iter()
            .filter(|m| m.model_id == old.model_id)
            .map(|m| ManifestHeld {
                field: format!("Pool<{}>", old.model),
                model: m.name.clone(),
                model_id: m.model_id,
                state_version: m.state_version,
                size: m.size,
                align: m.align,
                reads: module
                    .migrations
                    .iter()
                    .find(|r| r.model_id == m.model_id && r.state_version == m.state_version)
                    .map(|r| r.reads.clone())
                    .unwrap_or_default(),
            })
            .collect();
        if versions.is_empty() || versions.iter().any(|new| pool(old, new).is_ok()) {
            continue;
        }
        // Refused as the newest would refuse it: the version no other
        // version of the model reads.
        let newest = versions
            .iter()
            .find(|m| {
                !versions.iter().any(|o| {
                    o.state_version != m.state_version && o.reads.contains(&m.state_version)
                })
            })
            .unwrap_or(&versions[0]);
        pool(old, newest)?;
    }
    Ok(())
}

/// A pool of `old`'s format, taken by a field of `new`'s: adopted when the
/// formats are the same, migrated when `new`'s model reads `old`'s, else
/// refused as the migration would refuse it.
fn pool(old: &ManifestHeld, new: &ManifestHeld) -> Result<(), StateError> {
    let same = (old.state_version, old.size, old.align) == (new.state_version, new.size, new.align);
    let migrates = old.state_version != new.state_version && new.reads.contains(&old.state_version);
    if same || migrates {
        return Ok(());
    }
    Err(StateError::VersionMismatch {
        field: new.field.clone(),
        model: old.model.clone(),
        saved: old.state_version,
        current: new.state_version,
    })
}

/// The state `vm` would restore from `saved`, field by field in its order,
/// as the restore checks it.
fn state(saved: &[ManifestHeld], vm: &ManifestViewModel) -> Result<(), StateError> {
    for new in &vm.state {
        let Some(entry) = saved.iter().find(|s| s.field == new.field) else {
            return Err(StateError::MissingField {
                field: new.field.clone(),
            });
        };
        if entry.model_id != new.model_id {
            return Err(StateError::ModelMismatch {
                field: new.field.clone(),
                saved: entry.model.clone(),
                current: new.model.clone(),
            });
        }
        if entry.state_version != new.state_version {
            if new.reads.contains(&entry.state_version) {
                continue;
            }
            return Err(StateError::VersionMismatch {
                field: new.field.clone(),
                model: entry.model.clone(),
                saved: entry.state_version,
                current: new.state_version,
            });
        }
        if (entry.size, entry.align) != (new.size, new.align) {
            return Err(StateError::LayoutMismatch {
                field: new.field.clone(),
                model: entry.model.clone(),
                saved: (entry.size as usize, entry.align as usize),
                current: (new.size as usize, new.align as usize),
            });
        }
    }
    Ok(())
}

/// The load error of the library at `path`, whose manifest is `newer`,
/// refused binding for `source`; when it refused a model's format, it says
/// what changed since the first of `older` (manifests of earlier builds,
/// newest first) that lists the refused version.
pub(crate) fn refusal<'m>(
    path: &Path,
    source: RegistryError,
    older: impl Iterator<Item = &'m Manifest>,
    newer: &Manifest,
) -> LoadError {
    let changes = changes(&source, older, newer);
    LoadError::new(
        path.to_owned(),
        LoadErrorKind::Bind {
            source: Box::new(source),
            changes,
        },
    )
}

/// What changed in the model whose format `refusal` refused, if it did.
fn changes<'m>(
    refusal: &RegistryError,
    mut older: impl Iterator<Item = &'m Manifest>,
    newer: &Manifest,
) -> Changes {
    use crate::contract::error::PoolError;
    let (model, versions) = match refusal {
        RegistryError::State {
            source:
                StateError::VersionMismatch {
                    model,
                    saved,
                    current,
                    ..
                },
            ..
        } => (model, (*saved, *current)),
        RegistryError::State {
            source:
                StateError::Pool(PoolError::VersionMismatch {
                    model,
                    pooled,
                    current,
                    ..
                }),
            ..
        } => (model, (*pooled, *current)),
        _ => return Changes::default(),
    };
    older
        .find_map(|older| older.model_changes(newer, model, versions))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{Held, judge};
    use crate::contract::error::StateError;
    use crate::contract::ids::{ApiVersion, ModelId, StateVersion, ViewId};
    use crate::loading::manifest::{
        Manifest, ManifestHeld, ManifestMigrations, ManifestModel, ManifestViewModel,
    };
    use crate::loading::module::Fingerprint;
    use crate::registry::carry::StatePolicy;
    use crate::registry::error::RegistryError;

    const VIEW: ViewId = ViewId::new(7);

    fn held(field: &str, model: u64, version: u64, reads: &[u64]) -> ManifestHeld {
        ManifestHeld {
            field: field.into(),
            model: format!("M{model}"),
            model_id: ModelId::new(model),
            state_version: StateVersion::new(version),
            size: 8,
            align: 8,
            reads: reads.iter().copied().map(StateVersion::new).collect(),
        }
    }

    fn module(
        state: Vec<ManifestHeld>,
        pools: Vec<ManifestHeld>,
        models: &[(u64, u64)],
    ) -> Manifest {
        Manifest {
            build: Fingerprint::of_build_record(),
            crate_name: None,
            views: Vec::new(),
            models: models
                .iter()
                .map(|&(id, version)| ManifestModel {
                    name: format!("M{id}"),
                    module_path: "module".into(),
                    model_id: ModelId::new(id),
                    state_version: StateVersion::new(version),
                    size: 8,
                    align: 8,
                    fields: Vec::new(),
                })
                .collect(),
            viewmodels: vec![ManifestViewModel {
                name: "Vm".into(),
                name_hash: 1,
                module_path: "module".into(),
                view_id: VIEW,
                api_version: ApiVersion::new(3),
                state,
                pools,
            }],
            migrations: Vec::new(),
        }
    }

    fn verdict(before: Held, module: &Manifest, policy: StatePolicy) -> Result<(), StateError> {
        judge(&[before], module, module.viewmodels.iter(), policy).map_err(|e| match e {
            RegistryError::State { source, .. } => source,
            other => panic!("not a state error: {other}"),
        })
    }

    fn running(state: Vec<ManifestHeld>, pools: Vec<ManifestHeld>) -> Held {
        Held {
            view: VIEW,
            state: Some(state),
            pools,
        }
    }

    #[test]
    fn state_of_the_same_format_or_one_the_model_reads_is_taken() {
        let before = || running(vec![held("a", 1, 10, &[])], Vec::new());
        let same = module(vec![held("a", 1, 10, &[])], Vec::new(), &[]);
        assert_eq!(verdict(before(), &same, StatePolicy::Refuse), Ok(()));
        let migrates = module(vec![held("a", 1, 11, &[10])], Vec::new(), &[]);
        assert_eq!(verdict(before(), &migrates, StatePolicy::Refuse), Ok(()));
    }

    #[test]
    fn state_is_refused_as_the_restore_refuses_it() {
        let before = || running(vec![held("a", 1, 10, &[])], Vec::new());
        let other = module(vec![held("a", 1, 11, &[9])], Vec::new(), &[]);
        assert!(matches!(
            verdict(before(), &other, StatePolicy::Refuse),
            Err(StateError::VersionMismatch { field, model, saved, current })
                if field == "a" && model == "M1" && saved.get() == 10 && current.get() == 11
        ));
        // Fresh state where the options allow it, for another format only.
        assert_eq!(verdict(before(), &other, StatePolicy::StartFresh), Ok(()));
        let another_model = module(vec![held("a", 2, 10, &[])], Vec::new(), &[]);
        assert!(matches!(
            verdict(before(), &another_model, StatePolicy::StartFresh),
            Err(StateError::ModelMismatch { .. })
        ));
        let added = module(
            vec![held("a", 1, 10, &[]), held("b", 1, 10, &[])],
            Vec::new(),
            &[],
        );
        assert!(matches!(
            verdict(before(), &added, StatePolicy::Refuse),
            Err(StateError::MissingField { field }) if field == "b"
        ));
        let mut wider = held("a", 1, 10, &[]);
        wider.size = 16;
        let wider = module(vec![wider], Vec::new(), &[]);
        assert!(matches!(
            verdict(before(), &wider, StatePolicy::Refuse),
            Err(StateError::LayoutMismatch {
                saved: (8, 8),
                current: (16, 8),
                ..
            })
        ));
        // A view not bound before has nothing to take over; unknown state
        // is left to the restore.
        assert_eq!(
            verdict(
                Held {
                    view: ViewId::new(8),
                    state: None,
                    pools: Vec::new()
                },
                &other,
                StatePolicy::Refuse
            ),
            Ok(())
        );
        assert_eq!(
            verdict(
                Held {
                    view: VIEW,
                    state: None,
                    pools: Vec::new()
                },
                &other,
                StatePolicy::Refuse
            ),
            Ok(())
        );
    }

    #[test]
    fn a_declared_pool_is_judged_and_named_by_its_field() {
        let before = || running(Vec::new(), vec![held("", 5, 50, &[])]);
        let changed = module(Vec::new(), vec![held("orders", 5, 51, &[])], &[(5, 51)]);
        assert!(matches!(
            verdict(before(), &changed, StatePolicy::StartFresh),
            Err(StateError::VersionMismatch { field, saved, .. }) if field == "orders" && saved.get() == 50
        ));
        let migrates = module(Vec::new(), vec![held("orders", 5, 51, &[50])], &[(5, 51)]);
        assert_eq!(verdict(before(), &migrates, StatePolicy::Refuse), Ok(()));
        // Declaring other pools: this one is not taken, so not judged.
        let others = module(Vec::new(), vec![held("items", 6, 60, &[])], &[(5, 51)]);
        assert_eq!(verdict(before(), &others, StatePolicy::Refuse), Ok(()));
    }

    #[test]
    fn an_undeclared_pool_is_judged_by_the_models_the_build_has() {
        let before = || running(Vec::new(), vec![held("", 5, 50, &[])]);
        let changed = module(Vec::new(), Vec::new(), &[(5, 51)]);
        assert!(matches!(
            verdict(before(), &changed, StatePolicy::Refuse),
            Err(StateError::VersionMismatch { field, .. }) if field == "Pool<M5>"
        ));
        let mut migrates = module(Vec::new(), Vec::new(), &[(5, 51)]);
        migrates.migrations.push(ManifestMigrations {
            model_id: ModelId::new(5),
            state_version: StateVersion::new(51),
            reads: vec![StateVersion::new(50)],
        });
        assert_eq!(verdict(before(), &migrates, StatePolicy::Refuse), Ok(()));
        // A build without the model does not take the pool.
        let without = module(Vec::new(), Vec::new(), &[(6, 60)]);
        assert_eq!(verdict(before(), &without, StatePolicy::Refuse), Ok(()));
    }

    #[test]
    fn pools_are_judged_before_state_as_the_constructor_takes_them_first() {
        let before = running(vec![held("a", 1, 10, &[])], vec![held("", 5, 50, &[])]);
        let both = module(
            vec![held("a", 1, 11, &[])],
            vec![held("orders", 5, 51, &[])],
            &[],
        );
        assert!(matches!(
            verdict(before, &both, StatePolicy::Refuse),
            Err(StateError::VersionMismatch { field, .. }) if field == "orders"
        ));
    }
}
