//! Refusals that say what changed, from real libraries' manifests: each
//! message compared in full.

use counter_api::{Counter, Limits, Settings};
use playground_runtime::{Change, LoadErrorKind, Manifest, Model, Part, Registry, View, Written};
use reload_tests::{Fixture, library};
use std::path::Path;

/// The API version of `Counter` the module at `path` was compiled against,
/// from its manifest.
fn module_api_version(path: &Path) -> u64 {
    let manifest = Manifest::read_library(path).unwrap();
    let counter = manifest.views.iter().find(|v| v.name == "Counter").unwrap();
    counter.api_version.get()
}

/// The state version of model `name` in the module at `path`.
fn module_state_version(path: &Path, name: &str) -> u64 {
    let manifest = Manifest::read_library(path).unwrap();
    (manifest
        .models
        .iter()
        .find(|m| m.name == name)
        .unwrap()
        .state_version)
        .get()
}

#[test]
fn a_changed_method_is_named_with_its_old_and_new_signature() {
    let path = library(Fixture::MethodV2);
    let registry = Registry::linked();
    let error = registry.load(&path).unwrap_err();
    let LoadErrorKind::ApiVersion { changes, .. } = &error.kind else {
        panic!("expected ApiVersion, got {error}");
    };
    assert!(
        matches!(
            &changes[..],
            [Change::Changed { part: Part::Method, name, old, new, inside }]
                if name == "fill"
                    && old.text == "fn fill(&self, count: usize)"
                    && new.text == "fn fill(&self, count: u32)"
                    && inside.is_empty()
        ),
        "{changes:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "{}: viewmodel `Counting` was compiled against API version {:016x} of view \
             `Counter`, but this program has {:016x}; the view changed, so the module is \
             refused; what changed:\n  \
             - changed method `fill`: was `fn fill(&self, count: usize)`, now `fn fill(&self, count: u32)`",
            path.display(),
            module_api_version(&path),
            <dyn Counter as View>::API_VERSION,
        )
    );
    // The same refusal from the file alone.
    assert_eq!(
        registry.check(&path).unwrap_err().to_string(),
        error.to_string()
    );
}

#[test]
fn an_added_method_is_named_with_its_signature() {
    let path = library(Fixture::ApiV2);
    let error = Registry::linked().load(&path).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}: viewmodel `Counting` was compiled against API version {:016x} of view \
             `Counter`, but this program has {:016x}; the view changed, so the module is \
             refused; what changed:\n  \
             - added method `reset`: `fn reset(&self)`",
            path.display(),
            module_api_version(&path),
            <dyn Counter as View>::API_VERSION,
        )
    );
}

#[test]
fn a_changed_nested_field_is_followed_into_the_model_that_holds_it() {
    let path = library(Fixture::NestedV2);
    let error = Registry::linked().load(&path).unwrap_err();
    let LoadErrorKind::Model { model, changes, .. } = &error.kind else {
        panic!("expected Model, got {error}");
    };
    // The outer model is named, and the change leads into the inner one.
    assert_eq!(model, "Settings");
    let [
        Change::Changed {
            part: Part::Field,
            name,
            old,
            new,
            inside,
        },
    ] = &changes[..]
    else {
        panic!("{changes:?}");
    };
    assert_eq!(name, "limits");
    assert_eq!(
        (old, new.text.as_str()),
        (
            &Written {
                text: "Limits".into(),
                fingerprint: Limits::STATE_VERSION.get()
            },
            "Limits"
        )
    );
    assert_eq!(new.fingerprint, module_state_version(&path, "Limits"));
    assert_eq!(inside.len(), 1);
    assert_eq!(
        error.to_string(),
        format!(
            "{}: model `Settings` has another state version in the library ({:016x}) than in \
             this program ({:016x}); what changed:\n  \
             - changed field `limits`: `Limits` reads the same, but a type it names has another \
             structure:\n    \
             - changed field `max_records`: was `u64`, now `u32`",
            path.display(),
            module_state_version(&path, "Settings"),
            Settings::STATE_VERSION,
        )
    );
}
