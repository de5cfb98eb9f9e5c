//! The crate docs list every operation of the ECS view, one line each: the
//! 115 of the seven fragments and the 6 building blocks of typed access.

use playground_runtime::Registry;

#[test]
fn the_crate_docs_list_all_115_operations_and_the_typed_building_blocks() {
    let docs = include_str!("../src/lib.rs");
    // The linker keeps a crate's registrations only if the program uses the
    // crate's code: use it.
    drop(playground_ecs::EcsModule::default());
    let registry = Registry::linked();
    let mut listed = 0;
    for view in [
        "EntityView",
        "ComponentView",
        "EventView",
        "QueryView",
        "StorageView",
        "SystemView",
        "WorldView",
        "TypedView",
    ] {
        let descriptor = registry
            .catalog()
            .views()
            .find(|v| v.name == view)
            .expect("the view is linked");
        assert!(
            docs.contains(&format!("### `{view}` ({})", descriptor.methods.len())),
            "{view} heading"
        );
        for method in descriptor.methods {
            assert!(
                docs.contains(&format!("//! - `{}`: ", method.name)),
                "{view}::{} is not listed",
                method.name
            );
            listed += 1;
        }
    }
    assert_eq!(listed, 115 + 6);
}
