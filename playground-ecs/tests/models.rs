//! Model components: identified by model id and state version, so that a
//! rebuilt module's types (with other `TypeId`s) find the world's columns;
//! a changed layout is migrated or refused.

use playground_ecs::{EcsError, ModelError, World};
use playground_runtime::Model;

/// The module's component, as a first build compiles it.
mod build1 {
    use playground_runtime::model;
    #[model(name = "Spin")]
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Spin {
        pub rate: f32,
    }
}

/// The same component from a rebuild: another Rust type, same model.
mod build2 {
    use playground_runtime::model;
    #[model(name = "Spin")]
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Spin {
        pub rate: f32,
    }
}

/// A rebuild that changed the layout and knows the old one.
mod build3 {
    use playground_runtime::model;
    #[model(name = "Spin", migrate_from(super::build1::Spin))]
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Spin {
        pub rate: f32,
        pub clockwise: bool,
    }
    impl From<super::build1::Spin> for Spin {
        fn from(old: super::build1::Spin) -> Self {
            Spin {
                rate: old.rate.abs(),
                clockwise: old.rate < 0.0,
            }
        }
    }
}

/// A rebuild that changed the layout and does not know the old one.
mod build4 {
    use playground_runtime::model;
    #[model(name = "Spin")]
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Spin {
        pub degrees: f64,
    }
}

struct Position(f32);

fn world_with_spins() -> (World, Vec<playground_ecs::Entity>) {
    let mut world = World::new();
    world.register_model::<build1::Spin>().unwrap();
    let entities = (0..10)
        .map(|i| {
            world.spawn((
                Position(i as f32),
                build1::Spin {
                    rate: i as f32 - 5.0,
                },
            ))
        })
        .collect();
    (world, entities)
}

#[test]
fn a_rebuilt_type_of_the_same_model_uses_the_same_columns() {
    assert_eq!(build1::Spin::MODEL_ID, build2::Spin::MODEL_ID);
    assert_eq!(build1::Spin::STATE_VERSION, build2::Spin::STATE_VERSION);
    let (mut world, entities) = world_with_spins();
    let first = world.register_model::<build1::Spin>().unwrap();
    assert_eq!(world.register_model::<build2::Spin>().unwrap(), first);
    assert_eq!(
        world.get::<build2::Spin>(entities[7]).as_deref(),
        Ok(&build2::Spin { rate: 2.0 })
    );
    for spin in world.query_mut::<&mut build2::Spin>() {
        spin.rate *= 2.0;
    }
    assert_eq!(
        world.get::<build1::Spin>(entities[7]).as_deref(),
        Ok(&build1::Spin { rate: 4.0 })
    );
}

#[test]
fn a_changed_layout_is_refused_until_migrated() {
    let (mut world, entities) = world_with_spins();
    let error = world.register_model::<build3::Spin>().unwrap_err();
    assert_eq!(
        error,
        ModelError::VersionChanged {
            model: "Spin",
            stored: build1::Spin::STATE_VERSION.get(),
            new: build3::Spin::STATE_VERSION.get()
        }
    );
    assert_eq!(world.migrate_model::<build3::Spin>(), Ok(10));
    assert_eq!(
        world.get::<build3::Spin>(entities[2]).as_deref(),
        Ok(&build3::Spin {
            rate: 3.0,
            clockwise: true
        })
    );
    assert_eq!(
        world.get::<Position>(entities[2]).as_deref().map(|p| p.0),
        Ok(2.0),
        "other components stay"
    );
    assert!(
        matches!(
            world.get::<build1::Spin>(entities[2]).as_deref(),
            Err(EcsError::MissingComponent { .. })
        ),
        "the old format is gone"
    );
    assert_eq!(world.query_mut::<&build3::Spin>().count(), 10);
}

#[test]
fn a_changed_layout_without_migration_is_refused_and_nothing_changes() {
    let (mut world, entities) = world_with_spins();
    assert!(matches!(
        world.register_model::<build4::Spin>(),
        Err(ModelError::VersionChanged { .. })
    ));
    assert_eq!(
        world.migrate_model::<build4::Spin>(),
        Err(ModelError::NoMigration {
            model: "Spin",
            from: build1::Spin::STATE_VERSION.get(),
            to: build4::Spin::STATE_VERSION.get()
        })
    );
    assert_eq!(
        world.get::<build1::Spin>(entities[0]).as_deref(),
        Ok(&build1::Spin { rate: -5.0 })
    );
    assert_eq!(world.query_mut::<&build1::Spin>().count(), 10);
}

mod nested_v1 {
    use playground_runtime::model;
    #[model(name = "Part")]
    #[derive(Debug, Clone, PartialEq)]
    pub struct Part {
        pub mass: f32,
    }
    #[model(name = "Cargo")]
    #[derive(Debug, Clone, PartialEq)]
    pub struct Cargo {
        pub parts: Vec<Part>,
    }
}

mod nested_v2 {
    use playground_runtime::model;
    #[model(name = "Part")]
    #[derive(Debug, Clone, PartialEq)]
    pub struct Part {
        pub mass: f32,
        pub name: String,
    }
    #[model(name = "Cargo")]
    #[derive(Debug, Clone, PartialEq)]
    pub struct Cargo {
        pub parts: Vec<Part>,
    }
}

#[test]
fn a_nested_format_change_moves_the_version_and_is_refused() {
    assert_ne!(
        nested_v1::Cargo::STATE_VERSION,
        nested_v2::Cargo::STATE_VERSION,
        "Cargo's own tokens did not change, its structure did"
    );
    let mut world = World::new();
    world.register_model::<nested_v1::Cargo>().unwrap();
    let e = world.spawn((nested_v1::Cargo {
        parts: vec![nested_v1::Part { mass: 2.0 }],
    },));
    assert_eq!(
        world.register_model::<nested_v2::Cargo>(),
        Err(ModelError::VersionChanged {
            model: "Cargo",
            stored: nested_v1::Cargo::STATE_VERSION.get(),
            new: nested_v2::Cargo::STATE_VERSION.get(),
        })
    );
    assert_eq!(
        world
            .get::<nested_v1::Cargo>(e)
            .as_deref()
            .map(|c| c.parts.len()),
        Ok(1),
        "nothing changed"
    );
}
