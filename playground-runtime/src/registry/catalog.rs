//! `Catalog`: every view, model and viewmodel a registry knows.

use crate::contract::ids::ViewId;
use crate::contract::model::ModelDescriptor;
use crate::contract::view::ViewDescriptor;
use crate::contract::viewmodel::ViewModelDescriptor;
use crate::registry::entry::ViewModelEntry;
use crate::registry::registration::{MODELS, VIEWMODELS, VIEWS};
use std::fmt;

/// Everything the registry knows: views, models and viewmodels with their
/// ids and versions. `Display` prints it for a person to read.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub(crate) views: Vec<&'static ViewDescriptor>,
    models: Vec<ModelDescriptor>,
    viewmodels: Vec<&'static ViewModelEntry>,
}

impl Catalog {
    pub(crate) fn linked() -> Catalog {
        let mut catalog = Catalog {
            views: VIEWS.iter().copied().collect(),
            models: MODELS.to_vec(),
            viewmodels: VIEWMODELS.iter().collect(),
        };
        catalog.views.sort_by_key(|v| (v.name, v.module_path));
        catalog.models.sort_by_key(|m| (m.name, m.module_path));
        catalog
            .viewmodels
            .sort_by_key(|e| (e.descriptor.view, e.descriptor.name));
        catalog
    }

    pub(crate) fn viewmodels_of(
        &self,
        view_id: ViewId,
    ) -> impl Iterator<Item = &'static ViewModelEntry> + '_ {
        self.viewmodels
            .iter()
            .copied()
            .filter(move |e| e.descriptor.view_id == view_id)
    }

    /// Every view.
    pub fn views(&self) -> impl Iterator<Item = &ViewDescriptor> {
        self.views.iter().copied()
    }

    /// Every view, as registered (for the registry's lineages).
    pub(crate) fn static_views(&self) -> impl Iterator<Item = &'static ViewDescriptor> + '_ {
        self.views.iter().copied()
    }

    /// Every registered model (generic models are not registered).
    pub fn models(&self) -> impl Iterator<Item = &ModelDescriptor> {
        self.models.iter()
    }

    /// Every viewmodel.
    pub fn viewmodels(&self) -> impl Iterator<Item = &ViewModelDescriptor> {
        self.viewmodels.iter().map(|e| &e.descriptor)
    }
}

impl fmt::Display for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for view in &self.views {
            writeln!(f, "{view}")?;
        }
        for model in &self.models {
            writeln!(f, "{model}")?;
        }
        for entry in &self.viewmodels {
            writeln!(f, "{}", entry.descriptor)?;
        }
        Ok(())
    }
}
