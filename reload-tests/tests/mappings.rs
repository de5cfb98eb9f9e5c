//! A refused module leaves nothing mapped: checked in a process of its own
//! (this test binary), so that no other test maps a library meanwhile.

use counter_api::Counter;
use playground_runtime::{LoadError, Registry};
use reload_tests::{Fixture, library};

/// The lines of `/proc/self/maps` that map a module copy.
fn module_mappings() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .filter(|line| line.contains("playground-module"))
        .count()
}

#[test]
fn a_refused_load_leaves_no_new_mapping() {
    let registry = Registry::linked();
    registry.load(library(Fixture::V1)).unwrap();
    // (Using the view also links counter-api's registrations into this test.)
    registry.get::<dyn Counter>().unwrap().add(1);
    let refused = [
        Fixture::ApiV2,
        Fixture::ForeignRuntime,
        Fixture::OwnAllocator,
        Fixture::Plain,
        Fixture::StaticExport,
        Fixture::EnumV2,
        Fixture::MissingSymbol,
    ]
    .map(library);
    let before = module_mappings();
    assert!(before > 0, "the loaded module is mapped");
    for _ in 0..10 {
        for path in &refused {
            let error: LoadError = registry.load(path).unwrap_err();
            assert!(error.to_string().contains(&path.display().to_string()));
        }
    }
    assert_eq!(module_mappings(), before, "70 refusals, no new mapping");
    assert_eq!(registry.get::<dyn Counter>().unwrap().total(), 1);
}
