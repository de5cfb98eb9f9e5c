//! ECS logic modules whose own component types change between builds,
//! keeping their names (and so their `TypeId`s): the world never hands one
//! build's bytes to another build's type.

use ecs_api::{Logic, Position};
use playground_ecs::{Ecs, EcsError, EcsModule, ModelError, World};
use playground_runtime::Registry;
use reload_tests::{Fixture, library};
use std::panic::{AssertUnwindSafe, catch_unwind};

#[test]
fn a_plain_component_edited_in_place_is_another_component() {
    let registry = Registry::linked();
    registry.load(library(Fixture::Ecs)).unwrap();
    let mut world = World::new();
    let old = registry.get_owned::<dyn Logic>().unwrap();
    old.spawn_heat(&mut world, 10);
    assert_eq!(old.heat_seen(&mut world), (10, 70));

    // `Heat` went from 8 to 16 bytes under the same path: the rebuilt
    // module must not read the old columns as its `Heat`.
    registry.load(library(Fixture::EcsHeatWide)).unwrap();
    let new = registry.get::<dyn Logic>().unwrap();
    assert_eq!(
        new.heat_type(),
        old.heat_type(),
        "the premise: both builds' Heat have the same TypeId"
    );
    assert_eq!(
        new.heat_seen(&mut world),
        (0, 0),
        "the new build's Heat is not the old one's"
    );
    new.spawn_heat(&mut world, 2);
    assert_eq!(new.heat_seen(&mut world), (2, 28));
    assert_eq!(
        old.heat_seen(&mut world),
        (10, 70),
        "the old build still reads its own values, untouched"
    );
    assert_eq!(world.len(), 12);
}

#[test]
fn a_restructured_model_component_never_reaches_the_old_builds_code() {
    let registry = Registry::linked();
    registry.load(library(Fixture::Ecs)).unwrap();
    let mut world = World::new();
    let old = registry.get_owned::<dyn Logic>().unwrap();
    // Registered, but no entity stores it yet.
    old.install(&mut world).unwrap();

    registry.load(library(Fixture::EcsSpinV2)).unwrap();
    let new = registry.get::<dyn Logic>().unwrap();
    new.install(&mut world).unwrap();
    new.spawn_spin(&mut world, 5);
    assert_eq!(new.spin_seen(&mut world), (5, 10.0));
    assert_eq!(
        old.spin_seen(&mut world),
        (0, 0.0),
        "the old build's Spin (an f32) is another component: it does not read the new f64s"
    );

    // Once entities store the new structure, the old one is refused.
    let error = old.install(&mut world).unwrap_err();
    assert!(
        matches!(error, ModelError::VersionChanged { model: "Spin", stored, new } if stored != new),
        "{error}"
    );
    assert_eq!(new.spin_seen(&mut world), (5, 10.0), "nothing changed");
}

/// The host's world with `Position`s, spawned by the host's typed API.
fn host_world(count: u32) -> (EcsModule, Vec<playground_ecs::Entity>) {
    let module = EcsModule::default();
    let entities = module.with_world(|world| {
        world.register_model::<Position>().unwrap();
        world.spawn_batch_ids((0..count).map(|i| {
            (Position {
                x: i as f32,
                y: 0.0,
            },)
        }))
    });
    (module, entities)
}

/// The address of `entity`'s `Position` as the host's typed API sees it.
fn host_address(module: &EcsModule, entity: playground_ecs::Entity) -> u64 {
    module.with_world(|world| &*world.get::<Position>(entity).unwrap() as *const Position as u64)
}

#[test]
fn a_module_reads_and_writes_the_hosts_components_in_place_through_the_view() {
    let registry = Registry::linked();
    registry.load(library(Fixture::Ecs)).unwrap();
    let logic = registry.get::<dyn Logic>().unwrap();
    let (module, entities) = host_world(100);
    let ecs: &dyn Ecs = &module;

    // The library's `get` hands out the host's own value: same address.
    let (x, address) = logic.typed_read(ecs, entities[7]).unwrap();
    assert_eq!(x, 7.0);
    assert_eq!(address, host_address(&module, entities[7]), "zero-copy");

    // The library's typed query writes the host's column in place.
    let (rows, first) = logic.typed_move(ecs, 0.5).unwrap();
    assert_eq!(rows, 100);
    assert_eq!(first, host_address(&module, entities[0]));
    module.with_world(|world| {
        assert_eq!(world.get::<Position>(entities[7]).unwrap().x, 7.5);
        assert_eq!(
            world.query_mut::<&Position>().map(|p| p.x).sum::<f32>(),
            5000.0
        );
    });

    // The library's own model component, registered by its typed insert.
    let spins = logic.typed_spawn_spin(ecs, 3).unwrap();
    assert!(
        ecs.component_types()
            .iter()
            .any(|t| t.name.ends_with("::Spin") && t.size == 4),
        "registered on insert"
    );
    assert_eq!(logic.typed_spin_sum(ecs).unwrap(), (3, 6.0));
    assert_eq!(logic.typed_set_spin(ecs, spins[1], 5.0).unwrap(), 2.0);
    assert_eq!(logic.typed_spin_sum(ecs).unwrap(), (3, 9.0));
    assert_eq!(ecs.entity_count(), 103);
}

#[test]
fn a_panic_in_a_modules_query_closure_leaves_the_hosts_world_usable() {
    let registry = Registry::linked();
    registry.load(library(Fixture::Ecs)).unwrap();
    let logic = registry.get::<dyn Logic>().unwrap();
    let (module, entities) = host_world(10);
    let ecs: &dyn Ecs = &module;

    let panicked = catch_unwind(AssertUnwindSafe(|| logic.typed_panic(ecs)));
    let message = panicked.expect_err("the closure panicked");
    assert!(
        message
            .downcast_ref::<String>()
            .is_some_and(|m| m.contains("the module's query closure")),
        "the library's panic reaches the host: {message:?}"
    );
    // Borrows and the world lock were given back on the way out.
    assert_eq!(logic.typed_move(ecs, 1.0).unwrap().0, 10);
    ecs.despawn(entities[0]).unwrap();
    module.with_world(|world| {
        assert_eq!(world.len(), 9);
        assert_eq!(world.query::<&mut Position>().unwrap().iter().count(), 9);
    });
    ecs.tick(0.1).unwrap();
}

#[test]
fn a_module_whose_model_changed_gets_the_typed_error_and_changes_nothing() {
    let registry = Registry::linked();
    registry.load(library(Fixture::Ecs)).unwrap();
    let old = registry.get_owned::<dyn Logic>().unwrap();
    let module = EcsModule::default();
    let ecs: &dyn Ecs = &module;
    let spins = old.typed_spawn_spin(ecs, 2).unwrap();
    let before = ecs.save().unwrap();

    // `Spin { rate: f32 }` became `{ rate: f64 }`: same model, another
    // structure. Every typed access of the new build is refused by name.
    registry.load(library(Fixture::EcsSpinV2)).unwrap();
    let new = registry.get::<dyn Logic>().unwrap();
    let refused = |error: EcsError| {
        assert!(
            matches!(error, EcsError::ModelVersion { model, world, caller } if model.ends_with("::Spin") && world != caller),
            "{error}"
        );
    };
    refused(new.typed_spin_sum(ecs).unwrap_err());
    refused(new.typed_set_spin(ecs, spins[0], 9.0).unwrap_err());
    refused(new.typed_insert_spin(ecs, spins[0], 9.0).unwrap_err());
    let error = new.typed_spawn_spin(ecs, 1).unwrap_err();
    refused(error);

    // Nothing changed: the old build still reads its values; the world's
    // bytes are the same, apart from the entity the failed spawn left
    // without components.
    assert_eq!(old.typed_spin_sum(ecs).unwrap(), (2, 4.0));
    assert_eq!(
        ecs.count_with(
            ecs.component_types()
                .iter()
                .find(|t| t.name.ends_with("::Spin"))
                .unwrap()
                .model_id
        ),
        2
    );
    let plain = ecs
        .entities()
        .into_iter()
        .find(|e| !spins.contains(e))
        .unwrap();
    ecs.despawn(plain).unwrap();
    assert_eq!(ecs.save().unwrap(), before);
}
