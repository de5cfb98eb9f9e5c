//! The manifest: what a module holds, as the loader reads it from the
//! module's file before any of its code runs (see
//! [`contract::record`](crate::contract::record) for how it is written).
//!
//! `impl Manifest` is in three files: the types and what they say here,
//! reading them in [`reading`](super::reading), comparing a module's with
//! the program's in [`compat`](super::compat).

use crate::contract::ids::{ApiVersion, ModelId, StateVersion, ViewId};
use crate::contract::model::ModelDescriptor;
use crate::contract::viewmodel::ViewModelDescriptor;
use crate::loading::module::Fingerprint;
use std::fmt;

/// A view as a module's manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestView {
    /// The view's name.
    pub name: String,
    /// Module the trait is declared in.
    pub module_path: String,
    /// Its id.
    pub view_id: ViewId,
    /// Its `API_VERSION` in the module's build.
    pub api_version: ApiVersion,
    /// Its methods, in order.
    pub methods: Vec<ManifestMethod>,
}

/// A method of a view as a module's manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestMethod {
    /// The method's name (ends with [`CUT`](crate::CUT) if cut to 64 bytes).
    pub name: String,
    /// Its signature, e.g. `fn step(&self, dt: f32)` (ends with [`CUT`](crate::CUT) if
    /// cut to 192 bytes).
    pub signature: String,
    /// Whether it is an `async fn`.
    pub is_async: bool,
    /// See [`MethodDescriptor::fingerprint`](crate::MethodDescriptor::fingerprint).
    pub fingerprint: u64,
}

/// A field of a model as a module's manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestField {
    /// The field's name (see [`FieldDescriptor::name`](crate::FieldDescriptor::name)).
    pub name: String,
    /// Its type as written (ends with [`CUT`](crate::CUT) if cut to 192 bytes).
    pub ty: String,
    /// The type's structural fingerprint.
    pub fingerprint: u64,
}

/// A model as a module's manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestModel {
    /// The model's name.
    pub name: String,
    /// Module it is declared in.
    pub module_path: String,
    /// Its id.
    pub model_id: ModelId,
    /// Its `STATE_VERSION` (structural fingerprint).
    pub state_version: StateVersion,
    /// `size_of`.
    pub size: u64,
    /// `align_of`.
    pub align: u64,
    /// Its fields, in order.
    pub fields: Vec<ManifestField>,
}

/// A viewmodel as a module's manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestViewModel {
    /// The implementing type's name (cut to 64 bytes).
    pub name: String,
    /// A hash of the whole name.
    pub name_hash: u64,
    /// Module the impl is written in.
    pub module_path: String,
    /// The id of the view it implements.
    pub view_id: ViewId,
    /// The `API_VERSION` it was compiled against.
    pub api_version: ApiVersion,
    /// Its state fields (`#[viewmodel(state(...))]`), in the order they
    /// are restored.
    pub state: Vec<ManifestHeld>,
    /// The pool fields it declares (`#[viewmodel(pools(...))]`).
    pub pools: Vec<ManifestHeld>,
}

/// A state or pool field of a viewmodel as a module's manifest lists it,
/// with the format of the model it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestHeld {
    /// The field's name.
    pub field: String,
    /// The model's name.
    pub model: String,
    /// The model's id.
    pub model_id: ModelId,
    /// The model's `STATE_VERSION`.
    pub state_version: StateVersion,
    /// The model's `size_of`.
    pub size: u64,
    /// The model's `align_of`.
    pub align: u64,
    /// The older formats the model reads
    /// ([`Model::MIGRATIONS`](crate::Model::MIGRATIONS)).
    pub reads: Vec<StateVersion>,
}

/// The older formats one version of a model reads
/// ([`Model::MIGRATIONS`](crate::Model::MIGRATIONS)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestMigrations {
    /// The model's id.
    pub model_id: ModelId,
    /// The version that reads them.
    pub state_version: StateVersion,
    /// The versions it reads.
    pub reads: Vec<StateVersion>,
}

/// What a module library holds, read from its file without running any of
/// its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// How it was built.
    pub build: Fingerprint,
    /// The module's crate, if it names itself with `export_module!`.
    pub crate_name: Option<String>,
    /// Every view linked into it.
    pub views: Vec<ManifestView>,
    /// Every (non-generic) model linked into it.
    pub models: Vec<ManifestModel>,
    /// Every viewmodel linked into it (of its own crate and of the crates
    /// it links).
    pub viewmodels: Vec<ManifestViewModel>,
    /// The older formats of each model with `migrate_from` (a state or
    /// pool field lists its model's in [`ManifestHeld::reads`]).
    pub migrations: Vec<ManifestMigrations>,
}

impl Manifest {
    /// Whether version `version` of model `model_id` reads `older` (the
    /// same version, or one it migrates from; two models of one id and
    /// version read what either does).
    pub fn reads(&self, model_id: ModelId, version: StateVersion, older: StateVersion) -> bool {
        version == older
            || self.migrations.iter().any(|m| {
                m.model_id == model_id && m.state_version == version && m.reads.contains(&older)
            })
    }

    /// The viewmodels of the module's own crate (all of them without
    /// `export_module!`).
    pub fn own_viewmodels(&self) -> impl Iterator<Item = &ManifestViewModel> {
        self.viewmodels.iter().filter(|vm| match &self.crate_name {
            Some(name) => in_crate(&vm.module_path, name),
            None => true,
        })
    }

    /// Whether the live registrations of the opened library are the ones
    /// the manifest listed: the first difference, if any.
    pub(crate) fn disagreement(
        &self,
        models: &[ModelDescriptor],
        viewmodels: &[&ViewModelDescriptor],
    ) -> Option<String> {
        for model in models {
            let listed = self.models.iter().any(|m| {
                m.model_id == model.model_id
                    && m.state_version == model.state_version
                    && m.size == model.size as u64
                    && m.align == model.align as u64
            });
            if !listed {
                return Some(format!(
                    "model `{}` is not in the manifest as registered",
                    model.name
                ));
            }
        }
        for vm in viewmodels {
            let listed = self.viewmodels.iter().any(|m| {
                m.view_id == vm.view_id
                    && m.api_version == vm.api_version
                    && m.name_hash == crate::contract::fingerprint::named(vm.name)
            });
            if !listed {
                return Some(format!(
                    "viewmodel `{}` is not in the manifest as registered",
                    vm.name
                ));
            }
        }
        (models.len() != self.models.len() || viewmodels.len() != self.viewmodels.len()).then(|| {
            format!(
                "the manifest lists {} models and {} viewmodels, the library registers {} and {}",
                self.models.len(),
                self.viewmodels.len(),
                models.len(),
                viewmodels.len()
            )
        })
    }
}

impl fmt::Display for Manifest {
    /// Everything the manifest lists, one item a line, its methods and
    /// fields indented below it, as `playground-inspect` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "crate: {}",
            self.crate_name
                .as_deref()
                .unwrap_or("(not named: no `export_module!`)")
        )?;
        writeln!(f, "build: {}", self.build)?;
        for view in &self.views {
            writeln!(
                f,
                "view {}::{}  id {}  api {}",
                view.module_path, view.name, view.view_id, view.api_version
            )?;
            for method in &view.methods {
                writeln!(f, "    {}", method.signature)?;
            }
        }
        for model in &self.models {
            writeln!(
                f,
                "model {}::{}  id {}  state {}  size {}  align {}",
                model.module_path,
                model.name,
                model.model_id,
                model.state_version,
                model.size,
                model.align
            )?;
            for field in &model.fields {
                writeln!(f, "    {}: {}", field.name, field.ty)?;
            }
        }
        for vm in &self.viewmodels {
            let view = self
                .views
                .iter()
                .find(|v| v.view_id == vm.view_id)
                .map_or_else(|| vm.view_id.to_string(), |v| v.name.clone());
            let own = self.own_viewmodels().any(|own| std::ptr::eq(own, vm));
            writeln!(
                f,
                "viewmodel {}::{}  implements {view} (api {}){}",
                vm.module_path,
                vm.name,
                vm.api_version,
                if own {
                    ""
                } else {
                    "  [another crate's: not bound]"
                }
            )?;
            for (what, held) in [("state", &vm.state), ("pool", &vm.pools)] {
                for held in held {
                    writeln!(
                        f,
                        "    {what} {}: {}  state {}",
                        held.field, held.model, held.state_version
                    )?;
                }
            }
        }
        for migrations in &self.migrations {
            let model = self
                .models
                .iter()
                .find(|m| m.model_id == migrations.model_id)
                .map_or_else(|| migrations.model_id.to_string(), |m| m.name.clone());
            let reads: Vec<String> = migrations.reads.iter().map(|v| v.to_string()).collect();
            writeln!(
                f,
                "migrations {model}  state {}  reads {}",
                migrations.state_version,
                reads.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Whether `module_path` is in crate `name`.
pub(crate) fn in_crate(module_path: &str, name: &str) -> bool {
    module_path == name
        || module_path
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with("::"))
}
