//! Structural fingerprints across real libraries: modules built against an
//! edited copy of the API crate (the signatures' text unchanged), or with
//! an edited type inside their state, are refused with a typed error, and
//! the running module and its state are untouched.

use counter_api::{Clock, Counter, Shape, Stats};
use playground_runtime::{LoadErrorKind, Registry, RegistryError, StateError, View};
use reload_tests::{Fixture, library};

fn loaded(fixture: Fixture) -> Registry {
    let registry = Registry::linked();
    registry.load(library(fixture)).unwrap();
    registry
}

/// Loading `fixture` over a running V1 is refused for an API change of
/// `Counter`, and V1 runs on with its state.
fn assert_api_refused(fixture: Fixture) {
    let registry = loaded(Fixture::V1);
    registry.get::<dyn Counter>().unwrap().add(3);
    let path = library(fixture);
    let error = registry.load(&path).unwrap_err();
    let refused = &error.path;
    let LoadErrorKind::ApiVersion {
        view, host, module, ..
    } = &error.kind
    else {
        panic!("expected ApiVersion, got {error}");
    };
    assert_eq!((refused, view.as_str()), (&path, "Counter"));
    assert_eq!(*host, <dyn Counter as View>::API_VERSION);
    assert_ne!(host, module);
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!(
        counter.stats(),
        Stats {
            total: 3,
            records: 1
        },
        "the old module runs on, its state intact"
    );
    assert_eq!(counter.shape(), Shape::Counting);
}

#[test]
fn a_plain_struct_with_swapped_fields_is_an_api_change() {
    assert_api_refused(Fixture::PlainV2);
}

#[test]
fn a_plain_enum_with_a_new_variant_is_an_api_change() {
    assert_api_refused(Fixture::EnumV2);
}

#[test]
fn a_module_built_against_an_edited_host_view_cannot_call_it() {
    let registry = loaded(Fixture::V1);
    // The host binds `Clock` itself (counter-api's `SharedClock`, linked
    // into this test); module code reaches it through the registry.
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!(counter.tick_clock(&registry), Ok(1));
    drop(counter);

    // The edited module loads (Counter did not change), but its copy of
    // `Clock` has another API version: its call is refused rather than
    // landing on `reset`, which sits in `tick`'s slot of its vtable.
    registry.load(library(Fixture::ClockV2)).unwrap();
    let counter = registry.get::<dyn Counter>().unwrap();
    let error = counter.tick_clock(&registry).unwrap_err();
    let RegistryError::ViewVersionMismatch {
        view,
        viewmodel,
        bound,
        requested,
    } = &error
    else {
        panic!("expected ViewVersionMismatch, got {error}");
    };
    assert_eq!(
        (view.as_str(), viewmodel.as_str()),
        ("Clock", "SharedClock")
    );
    assert_eq!(*bound, <dyn Clock as View>::API_VERSION);
    assert_ne!(bound, requested);
    assert_eq!(
        registry.get::<dyn Clock>().unwrap().tick(),
        2,
        "nothing ran: the clock only moved by the host's own call"
    );
}

#[test]
fn an_edited_type_in_a_never_saved_state_field_is_not_adopted() {
    let registry = loaded(Fixture::V1);
    registry.get::<dyn Counter>().unwrap().add(4);
    let error = registry.load(library(Fixture::ScratchV2)).unwrap_err();
    let LoadErrorKind::Bind { source, .. } = &error.kind else {
        panic!("expected Bind, got {error}")
    };
    assert!(
        matches!(&**source, RegistryError::State { source: StateError::VersionMismatch { field, model, saved, current }, .. }
            if field == "tally" && model == "Tally" && saved != current),
        "{source}"
    );
    assert_eq!(registry.get::<dyn Counter>().unwrap().total(), 4);
}
