//! ECS logic modules whose own component types change between builds,
//! keeping their names (and so their `TypeId`s): the world never hands one
//! build's bytes to another build's type.

use ecs_api::Logic;
use playground_ecs::{ModelError, World};
use playground_runtime::Registry;
use reload_tests::{Fixture, library};

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
