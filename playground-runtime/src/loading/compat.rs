//! Whether a module fits a program, from their two manifests alone, and
//! what changed when it does not: the one comparison behind
//! [`Registry::check`](crate::Registry::check), the first step of
//! [`Registry::load`](crate::Registry::load), and `playground-inspect`.

use crate::contract::ids::{ModelId, StateVersion, ViewId};
use crate::loading::diff::{Change, Changes, Part, Written};
use crate::loading::error::{LoadError, LoadErrorKind, ModelPart};
use crate::loading::manifest::{Manifest, ManifestField, ManifestMethod, ManifestModel};
use std::path::Path;

/// An item of a view or model that can be compared: a name and its text.
trait Item {
    fn name(&self) -> &str;
    fn written(&self) -> Written;
}

impl Item for ManifestMethod {
    fn name(&self) -> &str {
        &self.name
    }
    fn written(&self) -> Written {
        Written {
            text: self.signature.clone(),
            fingerprint: self.fingerprint,
        }
    }
}

impl Item for ManifestField {
    fn name(&self) -> &str {
        &self.name
    }
    fn written(&self) -> Written {
        Written {
            text: self.ty.clone(),
            fingerprint: self.fingerprint,
        }
    }
}

/// The two manifests a comparison reads, and the models already being
/// followed (a recursive model is not followed into itself again).
struct Sides<'a> {
    host: &'a Manifest,
    module: &'a Manifest,
    following: Vec<ModelId>,
}

impl Sides<'_> {
    /// Items matched by name: changed ones (with what changed inside, for
    /// fields), removed ones, moved ones, then added ones.
    fn items<T: Item>(&mut self, part: Part, old: &[T], new: &[T]) -> Vec<Change> {
        let mut changes = Vec::new();
        // Positions among the items both have: only a change of their
        // relative order is a move (an insertion shifts the rest, and is
        // reported as itself).
        let common_old: Vec<&str> = old
            .iter()
            .map(Item::name)
            .filter(|n| new.iter().any(|m| m.name() == *n))
            .collect();
        let common_new: Vec<&str> = new
            .iter()
            .map(Item::name)
            .filter(|n| old.iter().any(|m| m.name() == *n))
            .collect();
        for item in old {
            let name = item.name().to_owned();
            let Some(other) = new.iter().find(|m| m.name() == name) else {
                changes.push(Change::Removed {
                    part,
                    name,
                    old: item.written(),
                });
                continue;
            };
            let (old, new) = (item.written(), other.written());
            if old != new {
                let inside = match part {
                    Part::Field => self.inside(&old, &new),
                    _ => Vec::new(),
                };
                changes.push(Change::Changed {
                    part,
                    name,
                    old,
                    new,
                    inside,
                });
                continue;
            }
            let from = common_old.iter().position(|n| *n == name);
            let to = common_new.iter().position(|n| *n == name);
            if let (Some(from), Some(to)) = (from, to)
                && from != to
            {
                changes.push(Change::Moved {
                    part,
                    name,
                    from,
                    to,
                });
            }
        }
        for item in new
            .iter()
            .filter(|m| !old.iter().any(|o| o.name() == m.name()))
        {
            changes.push(Change::Added {
                part,
                name: item.name().to_owned(),
                new: item.written(),
            });
        }
        changes
    }

    /// What changed inside a field's type: the fields of the model it is
    /// (its fingerprint is that model's state version on each side), or
    /// else of each model its type names whose versions differ.
    fn inside(&mut self, old: &Written, new: &Written) -> Vec<Change> {
        let held = (
            self.host
                .models
                .iter()
                .find(|m| m.state_version.get() == old.fingerprint),
            self.module
                .models
                .iter()
                .find(|m| m.state_version.get() == new.fingerprint),
        );
        if let (Some(host), Some(module)) = held
            && host.model_id == module.model_id
        {
            return self.fields(host, module);
        }
        let mut changes = Vec::new();
        for host in &self.host.models {
            let named = words(&old.text).any(|w| w == host.name);
            let Some(module) = self
                .module
                .models
                .iter()
                .find(|m| m.model_id == host.model_id)
            else {
                continue;
            };
            if !named || host.state_version == module.state_version {
                continue;
            }
            let inside = self.fields(host, module);
            changes.push(Change::Changed {
                part: Part::Model,
                name: host.name.clone(),
                old: Written {
                    text: host.name.clone(),
                    fingerprint: host.state_version.get(),
                },
                new: Written {
                    text: module.name.clone(),
                    fingerprint: module.state_version.get(),
                },
                inside,
            });
        }
        changes
    }

    /// The fields of a model, program's against module's.
    fn fields(&mut self, host: &ManifestModel, module: &ManifestModel) -> Vec<Change> {
        if self.following.contains(&host.model_id) {
            return Vec::new();
        }
        self.following.push(host.model_id);
        let changes = self.items(Part::Field, &host.fields, &module.fields);
        self.following.pop();
        changes
    }
}

impl Manifest {
    /// What changed in model `model` from version `saved`, as this
    /// manifest lists it, to version `current`, as `newer` does: for a
    /// refusal over a module's own model, which no program's manifest has,
    /// between the build whose state is carried and the build refused (a
    /// build may list both versions, the old one kept to migrate from).
    /// `None` when either manifest lacks its version.
    pub(crate) fn model_changes(
        &self,
        newer: &Manifest,
        model: &str,
        (saved, current): (StateVersion, StateVersion),
    ) -> Option<Changes> {
        fn version<'m>(
            manifest: &'m Manifest,
            model: &str,
            version: StateVersion,
        ) -> Option<&'m ManifestModel> {
            manifest
                .models
                .iter()
                .find(|m| m.name == model && m.state_version == version)
        }
        let old = version(self, model, saved)?;
        let new = version(newer, model, current)?;
        let mut sides = Sides {
            host: self,
            module: newer,
            following: Vec::new(),
        };
        let mut changes = sides.fields(old, new);
        if changes.is_empty() {
            changes.push(Change::Elsewhere {
                what: "no field differs: its variants, discriminants or `repr` and `serde` \
                       attributes do",
            });
        }
        Some(changes.into())
    }
}

/// The identifiers of a type as written.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

impl Manifest {
    /// Whether the module whose manifest is `module` (read from the file
    /// at `path`, which the error names) would be accepted by the program
    /// whose manifest is `self`, judged from the two manifests alone: the
    /// same build (compiler, target, runtime, panic strategy, system
    /// allocator); each model both have in the same version, size and
    /// align; each of the module's own viewmodels implementing a view of
    /// the program in the program's API version, one per view, and at
    /// least one. A refused view or model says what changed in it.
    ///
    /// ```no_run
    /// use playground_runtime::Manifest;
    ///
    /// let module = Manifest::read_library("target/debug/libphysics.so")?;
    /// match Manifest::linked().check_module("target/debug/libphysics.so", &module) {
    ///     Ok(()) => println!("would load"),
    ///     Err(refusal) => println!("{refusal}"),
    /// }
    /// # Ok::<(), playground_runtime::LoadError>(())
    /// ```
    pub fn check_module(&self, path: impl AsRef<Path>, module: &Manifest) -> Result<(), LoadError> {
        let path = path.as_ref();
        if let Some((what, host, other)) = self.build.difference(&module.build) {
            return Err(LoadError::new(
                path.to_owned(),
                LoadErrorKind::Fingerprint {
                    what,
                    host: host.to_owned(),
                    module: other.to_owned(),
                },
            ));
        }
        self.check_models(path, module)?;
        self.check_viewmodels(path, module)
    }

    /// Each model the program also has must have the same version, size
    /// and align (the module's own models are checked when state is
    /// restored). Of several that differ, the outermost is reported: its
    /// changes lead into the others.
    fn check_models(&self, path: &Path, module: &Manifest) -> Result<(), LoadError> {
        let mut differing: Vec<(&ManifestModel, &ManifestModel, ModelPart, String, String)> =
            Vec::new();
        for theirs in &module.models {
            let Some(ours) = self.models.iter().find(|m| m.model_id == theirs.model_id) else {
                continue;
            };
            let differs = [
                (
                    ModelPart::StateVersion,
                    ours.state_version.to_string(),
                    theirs.state_version.to_string(),
                ),
                (
                    ModelPart::Size,
                    ours.size.to_string(),
                    theirs.size.to_string(),
                ),
                (
                    ModelPart::Align,
                    ours.align.to_string(),
                    theirs.align.to_string(),
                ),
            ]
            .into_iter()
            .find(|(_, h, m)| h != m);
            if let Some((what, host, other)) = differs {
                differing.push((ours, theirs, what, host, other));
            }
        }
        let inner = |model: &ManifestModel| {
            differing.iter().any(|(outer, ..)| {
                outer.model_id != model.model_id
                    && outer.fields.iter().any(|f| {
                        f.fingerprint == model.state_version.get()
                            || words(&f.ty).any(|w| w == model.name)
                    })
            })
        };
        let reported = differing
            .iter()
            .min_by_key(|(ours, ..)| (inner(ours), ours.name.as_str()));
        let Some((ours, theirs, what, host, other)) = reported else {
            return Ok(());
        };
        let changes = if *what == ModelPart::StateVersion {
            let mut sides = Sides {
                host: self,
                module,
                following: Vec::new(),
            };
            let mut changes = sides.fields(ours, theirs);
            if changes.is_empty() {
                changes.push(Change::Elsewhere {
                    what: "no field differs: its variants, discriminants or `repr` and \
                           `serde` attributes do",
                });
            }
            changes
        } else {
            Vec::new()
        };
        Err(LoadError::new(
            path.to_owned(),
            LoadErrorKind::Model {
                model: ours.name.clone(),
                what: *what,
                host: host.clone(),
                module: other.clone(),
                changes: changes.into(),
            },
        ))
    }

    /// Each of the module's own viewmodels must implement a view of the
    /// program in its version, one viewmodel per view.
    fn check_viewmodels(&self, path: &Path, module: &Manifest) -> Result<(), LoadError> {
        let mut targets: Vec<(&str, ViewId)> = Vec::new();
        for vm in module.own_viewmodels() {
            let theirs = module.views.iter().find(|v| v.view_id == vm.view_id);
            let Some(ours) = self.views.iter().find(|v| v.view_id == vm.view_id) else {
                return Err(LoadError::new(
                    path.to_owned(),
                    LoadErrorKind::UnknownView {
                        viewmodel: vm.name.clone(),
                        view: theirs
                            .map_or_else(|| "(not in the manifest)".to_owned(), |v| v.name.clone()),
                        view_id: vm.view_id,
                    },
                ));
            };
            if vm.api_version != ours.api_version {
                let mut changes = Vec::new();
                if let Some(theirs) = theirs.filter(|v| v.api_version == vm.api_version) {
                    let mut sides = Sides {
                        host: self,
                        module,
                        following: Vec::new(),
                    };
                    changes = sides.items(Part::Method, &ours.methods, &theirs.methods);
                    if changes.is_empty() {
                        changes.push(Change::Elsewhere {
                            what: "no method differs: the view's supertraits or where clause, \
                                   or the models or `abi` constants it names, do",
                        });
                    }
                }
                return Err(LoadError::new(
                    path.to_owned(),
                    LoadErrorKind::ApiVersion {
                        view: ours.name.clone(),
                        viewmodel: vm.name.clone(),
                        host: ours.api_version,
                        module: vm.api_version,
                        changes: changes.into(),
                    },
                ));
            }
            if let Some((other, _)) = targets.iter().find(|(_, id)| *id == vm.view_id) {
                return Err(LoadError::new(
                    path.to_owned(),
                    LoadErrorKind::AmbiguousViewModel {
                        view: ours.name.clone(),
                        first: (*other).to_owned(),
                        second: vm.name.clone(),
                    },
                ));
            }
            targets.push((&vm.name, vm.view_id));
        }
        if targets.is_empty() {
            return Err(LoadError::new(path.to_owned(), LoadErrorKind::Empty));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::ids::{ApiVersion, ViewId};
    use crate::contract::record::CUT;
    use crate::loading::manifest::{ManifestView, ManifestViewModel};
    use crate::loading::module::Fingerprint;

    fn method(name: &str, signature: &str, fingerprint: u64) -> ManifestMethod {
        ManifestMethod {
            name: name.into(),
            signature: signature.into(),
            is_async: false,
            fingerprint,
        }
    }

    /// A manifest with one view `V` of `methods` and one own viewmodel.
    fn with_view(api_version: u64, methods: Vec<ManifestMethod>) -> Manifest {
        let api_version = ApiVersion::new(api_version);
        Manifest {
            build: Fingerprint::of_build_record(),
            crate_name: None,
            views: vec![ManifestView {
                name: "V".into(),
                module_path: "api".into(),
                view_id: ViewId::new(7),
                api_version,
                methods,
            }],
            models: Vec::new(),
            viewmodels: vec![ManifestViewModel {
                name: "Vm".into(),
                name_hash: 0,
                module_path: "module".into(),
                view_id: ViewId::new(7),
                api_version,
                state: Vec::new(),
                pools: Vec::new(),
            }],
            migrations: Vec::new(),
        }
    }

    fn refusal(host: &Manifest, module: &Manifest) -> String {
        host.check_module("lib.so", module).unwrap_err().to_string()
    }

    #[test]
    fn a_cut_signature_is_not_taken_for_an_equal_one() {
        let cut = format!("fn long(&self, a: u8{CUT}");
        let host = with_view(1, vec![method("long", &cut, 10)]);
        let module = with_view(2, vec![method("long", &cut, 11)]);
        assert_eq!(
            refusal(&host, &module),
            format!(
                "lib.so: viewmodel `Vm` was compiled against API version 0000000000000002 of \
                 view `V`, but this program has 0000000000000001; the view changed, so the \
                 module is refused; what changed:\n  - changed method `long`: `{cut}` (cut to \
                 fit the manifest) reads the same as far as the manifest recorded it; the \
                 rest or a type it names differs (fingerprint 000000000000000a, now \
                 000000000000000b)"
            )
        );
    }

    #[test]
    fn a_reorder_is_a_move_and_an_insertion_is_not() {
        let (a, b, c) = (
            method("a", "fn a(&self)", 1),
            method("b", "fn b(&self)", 2),
            method("c", "fn c(&self)", 3),
        );
        let host = with_view(1, vec![a.clone(), b.clone()]);
        let swapped = with_view(2, vec![b.clone(), a.clone()]);
        assert!(refusal(&host, &swapped).ends_with(
            "what changed:\n  - moved method `a`: position 0, now 1\n  \
             - moved method `b`: position 1, now 0"
        ));
        let inserted = with_view(2, vec![c, a, b]);
        assert!(
            refusal(&host, &inserted)
                .ends_with("what changed:\n  - added method `c`: `fn c(&self)`")
        );
    }

    #[test]
    fn the_same_methods_point_elsewhere() {
        let host = with_view(1, vec![method("a", "fn a(&self)", 1)]);
        let module = with_view(2, vec![method("a", "fn a(&self)", 1)]);
        assert!(refusal(&host, &module).ends_with(
            "what changed:\n  - no method differs: the view's supertraits or where clause, or \
             the models or `abi` constants it names, do"
        ));
        assert_eq!(host.check_module("lib.so", &host).ok(), Some(()));
    }
}
