//! The ECS through its view, as another module sees it: bound by the
//! registry, components, events and resources as model values.

use playground_ecs::{
    ComponentView, Ecs, EcsModule, EntityView, EventView, ModelValue, QuerySpec, QueryView,
    StorageView, System, SystemView, WorldView,
};
use playground_runtime::{Model, Registry, model};
use std::sync::{Arc, Mutex};

#[model]
#[derive(Debug, Clone, PartialEq)]
struct Health(u32);

#[model]
#[derive(Debug, Clone, PartialEq)]
struct Name(String);

#[model]
#[derive(Debug, Clone, PartialEq)]
struct Hit(u32);

#[model]
#[derive(Debug, Clone, PartialEq)]
struct Gravity(f32);

fn value<M: Model>(m: M) -> ModelValue {
    ModelValue::of(&m).unwrap()
}

fn ecs() -> EcsModule {
    let ecs = EcsModule::default();
    ecs.register_model::<Health>().unwrap();
    ecs.register_model::<Name>().unwrap();
    ecs
}

#[test]
fn the_registry_binds_the_ecs_view() {
    let registry = Registry::linked();
    let ecs = registry.get::<dyn Ecs>().unwrap();
    let e = ecs.spawn();
    assert!(ecs.contains(e));
    assert_eq!(ecs.entity_count(), 1);
    assert!(
        registry
            .catalog()
            .views()
            .any(|v| v.name == "EntityView" && v.methods.len() == 11)
    );
    let counts: Vec<usize> = [
        "EntityView",
        "ComponentView",
        "EventView",
        "QueryView",
        "StorageView",
        "SystemView",
        "WorldView",
        "TypedView",
    ]
    .iter()
    .map(|name| {
        registry
            .catalog()
            .views()
            .find(|v| v.name == *name)
            .unwrap()
            .methods
            .len()
    })
    .collect();
    assert_eq!(counts, [11, 14, 20, 14, 17, 18, 21, 6]);
    assert_eq!(
        counts[..7].iter().sum::<usize>(),
        115,
        "the seven fragments"
    );
}

#[test]
fn entities_and_components_as_model_values() {
    let ecs = ecs();
    let hero = ecs
        .spawn_with(vec![value(Health(10)), value(Name("hero".into()))])
        .unwrap();
    let blank = ecs.spawn_many(2);
    assert_eq!(ecs.entity_count(), 3);
    assert_eq!(
        ecs.get(hero, Health::MODEL_ID.get())
            .unwrap()
            .to::<Health>()
            .unwrap(),
        Health(10)
    );
    assert_eq!(ecs.get_all(hero).unwrap().len(), 2);
    assert!(ecs.has(hero, Name::MODEL_ID.get()).unwrap());
    assert_eq!(ecs.entity_components(hero).unwrap().len(), 2);

    ecs.insert(blank[0], value(Health(3))).unwrap();
    let old = ecs.replace(blank[0], value(Health(4))).unwrap();
    assert_eq!(old.to::<Health>().unwrap(), Health(3));
    ecs.copy_component(hero, blank[1], Name::MODEL_ID.get())
        .unwrap();
    ecs.insert(hero, value(Health(4))).unwrap();
    assert_eq!(
        ecs.get(hero, Health::MODEL_ID.get())
            .unwrap()
            .to::<Health>()
            .unwrap(),
        Health(4)
    );
    // Another module registers its component type through the view.
    assert!(!ecs.is_registered(Gravity::MODEL_ID.get()));
    ecs.register_component(playground_ecs::ComponentRegistration::of::<Gravity>())
        .unwrap();
    assert!(ecs.is_registered(Gravity::MODEL_ID.get()));
    assert_eq!(ecs.count_with(Health::MODEL_ID.get()), 2);
    assert_eq!(ecs.entities_with(Name::MODEL_ID.get()).len(), 2);

    let copy = ecs.clone_entity(hero).unwrap();
    assert_eq!(ecs.get_all(copy).unwrap(), ecs.get_all(hero).unwrap());
    assert_eq!(
        ecs.remove(copy, Name::MODEL_ID.get())
            .unwrap()
            .to::<Name>()
            .unwrap(),
        Name("hero".into())
    );
    assert_eq!(ecs.remove_from_all(Name::MODEL_ID.get()), 2);
    assert!(
        ecs.component_type(Health::MODEL_ID.get())
            .is_some_and(|t| t.name.ends_with("Health"))
    );

    // A value of an unregistered model is refused; nothing is spawned.
    let before = ecs.entity_count();
    assert!(matches!(
        ecs.spawn_with(vec![value(Hit(9))]),
        Err(playground_ecs::EcsError::UnknownModel { .. })
    ));
    assert_eq!(ecs.entity_count(), before);
    assert_eq!(ecs.despawn_many(vec![copy, copy]), 1);
    assert_eq!(
        ecs.despawn(copy),
        Err(playground_ecs::EcsError::NoSuchEntity(copy)),
        "a stale id is an error"
    );
    assert_eq!(ecs.clear_entities(), 3);
}

#[test]
fn queries_by_model() {
    let ecs = ecs();
    let both = ecs
        .spawn_with(vec![value(Health(1)), value(Name("a".into()))])
        .unwrap();
    let health = ecs.spawn_with(vec![value(Health(2))]).unwrap();
    let none = ecs.spawn();
    let spec = QuerySpec {
        with: vec![Health::MODEL_ID.get()],
        without: vec![Name::MODEL_ID.get()],
    };
    assert_eq!(ecs.query(spec.clone()), [health]);
    assert_eq!(
        ecs.query_count(QuerySpec {
            with: vec![Health::MODEL_ID.get()],
            without: vec![]
        }),
        2
    );
    assert!(
        ecs.matches(
            both,
            QuerySpec {
                with: vec![Name::MODEL_ID.get()],
                without: vec![]
            }
        )
        .unwrap()
    );
    assert_eq!(ecs.without(vec![Health::MODEL_ID.get()]), [none]);
    let mut with_any = ecs.with_any(vec![Name::MODEL_ID.get(), Health::MODEL_ID.get()]);
    with_any.sort();
    assert_eq!(with_any, [both, health]);
    let updated = ecs
        .update_each(
            QuerySpec {
                with: vec![Health::MODEL_ID.get()],
                without: vec![],
            },
            Health::MODEL_ID.get(),
            &mut |_, v| {
                let h = v.to::<Health>().unwrap();
                *v = ModelValue::of(&Health(h.0 * 10)).unwrap();
            },
        )
        .unwrap();
    assert_eq!(updated, 2);
    let mut values: Vec<u32> = ecs
        .query_values(
            QuerySpec {
                with: vec![Health::MODEL_ID.get()],
                without: vec![],
            },
            Health::MODEL_ID.get(),
        )
        .unwrap()
        .into_iter()
        .map(|(_, v)| v.to::<Health>().unwrap().0)
        .collect();
    values.sort();
    assert_eq!(values, [10, 20]);
    let mut visited = 0;
    ecs.for_each(QuerySpec::default(), &mut |_| visited += 1);
    assert_eq!(visited, 3);
    assert_eq!(ecs.sample(QuerySpec::default(), 2).len(), 2);
}

#[test]
fn events_by_model_with_phases_pause_history_and_failures() {
    let ecs = ecs();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    ecs.subscribe_pre(
        Hit::MODEL_ID.get(),
        Box::new(|e| e.to::<Hit>().unwrap().0 < 100),
    );
    let post = ecs.subscribe_post(
        Hit::MODEL_ID.get(),
        Box::new(move |e| log.lock().unwrap().push(e.to::<Hit>().unwrap().0)),
    );
    ecs.subscribe_post(
        Hit::MODEL_ID.get(),
        Box::new(|e| assert_ne!(e.to::<Hit>().unwrap().0, 7, "handler bug")),
    );
    assert!(!ecs.publish(value(Hit(1))).cancelled);
    assert!(ecs.publish(value(Hit(500))).cancelled);
    assert_eq!(ecs.publish(value(Hit(7))).failed, 1);
    assert_eq!(ecs.failures().len(), 1);
    assert_eq!(ecs.clear_failures(), 1);

    ecs.pause_events(Hit::MODEL_ID.get());
    ecs.publish(value(Hit(2)));
    assert!(ecs.events_paused(Hit::MODEL_ID.get()));
    assert_eq!(*seen.lock().unwrap(), [1, 7]);
    assert_eq!(ecs.resume_events(Hit::MODEL_ID.get()), 1);
    ecs.send(value(Hit(3)));
    assert_eq!(ecs.pending(), 1);
    assert_eq!(ecs.dispatch(), 1);
    assert_eq!(*seen.lock().unwrap(), [1, 7, 2, 3]);
    assert_eq!(ecs.history(2).len(), 2);
    assert_eq!(ecs.subscriber_count(Hit::MODEL_ID.get(), true), 1);
    assert_eq!(ecs.event_models(), [Hit::MODEL_ID.get()]);
    assert!(ecs.unsubscribe(post));
    assert_eq!(ecs.unsubscribe_all(Hit::MODEL_ID.get()), 2);
}

#[test]
fn systems_ticks_resources_and_snapshots() {
    let ecs = ecs();
    ecs.spawn_with(vec![value(Health(5))]).unwrap();
    ecs.add_system(
        System::new("regen", |world| {
            for h in world.query::<&mut Health>()?.iter() {
                h.0 += 1;
            }
            Ok(())
        })
        .writes::<Health>(),
    );
    ecs.add_system(
        System::new("log", |_| Ok(()))
            .reads::<Health>()
            .after("regen"),
    );
    assert_eq!(
        ecs.stages().unwrap(),
        [vec!["regen".to_owned()], vec!["log".to_owned()]]
    );
    ecs.step(3, 0.5).unwrap();
    assert_eq!((ecs.frame(), ecs.time()), (3, 1.5));
    assert_eq!(ecs.run_count("regen".into()), Some(3));
    ecs.disable("regen".into());
    ecs.tick(0.5).unwrap();
    let hp = |ecs: &EcsModule| {
        ecs.query_values(QuerySpec::default(), Health::MODEL_ID.get())
            .unwrap()[0]
            .1
            .to::<Health>()
            .unwrap()
    };
    assert_eq!(hp(&ecs), Health(8), "disabled systems do not run");
    ecs.pause();
    ecs.tick(0.5).unwrap();
    assert_eq!(ecs.frame(), 4, "a paused world does not tick");
    ecs.resume();

    ecs.insert_resource(value(Gravity(9.8)));
    assert_eq!(
        ecs.resource(Gravity::MODEL_ID.get())
            .unwrap()
            .to::<Gravity>()
            .unwrap(),
        Gravity(9.8)
    );
    let saved = ecs.save().unwrap();
    ecs.reset();
    assert_eq!(
        (
            ecs.entity_count(),
            ecs.frame(),
            ecs.has_resource(Gravity::MODEL_ID.get())
        ),
        (0, 0, false)
    );
    ecs.load(saved).unwrap();
    assert_eq!(hp(&ecs), Health(8));
    assert!(ecs.has_resource(Gravity::MODEL_ID.get()));
    assert!(ecs.describe().contains("1 entities"), "{}", ecs.describe());
    assert_eq!(ecs.storage_stats().entities, 1);

    ecs.add_order("log".into(), "regen".into());
    assert!(ecs.validate().is_err(), "log -> regen -> log is a cycle");
    assert!(ecs.remove_order("log".into(), "regen".into()));
    assert!(ecs.validate().is_ok());
}
