//! The linked registry: binding, lookups, errors, rebinding with state.

#![allow(missing_docs, reason = "a test crate: its items are fixtures, not API")]

use playground_runtime::{
    Atomic, Handle, Model, Registry, RegistryError, Shared, StateError, View, model, view,
    viewmodel,
};

// ---- one view, one viewmodel, with state and an async method ----

#[model]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub total: i64,
    pub history: Vec<i64>,
}

#[view(models(Tally))]
pub trait Accumulator: Send + Sync {
    fn add(&self, n: i64) -> i64;
    fn total(&self) -> i64;
    async fn snapshot(&self) -> Tally;
}

#[derive(Default)]
pub struct Summing {
    tally: Shared<Tally>,
}

#[viewmodel(state(tally))]
impl Accumulator for Summing {
    fn add(&self, n: i64) -> i64 {
        let mut tally = self.tally.write();
        tally.total += n;
        tally.history.push(n);
        tally.total
    }
    fn total(&self) -> i64 {
        self.tally.read().total
    }
    async fn snapshot(&self) -> Tally {
        self.tally.read().clone()
    }
}

#[test]
fn linked_binds_the_only_viewmodel_and_calls_go_through() {
    let registry = Registry::linked();
    let accumulator = registry.get::<dyn Accumulator>().unwrap();
    assert_eq!(accumulator.add(2), 2);
    assert_eq!(accumulator.add(3), 5);
    let snapshot = pollster::block_on(accumulator.snapshot());
    assert_eq!(
        snapshot,
        Tally {
            total: 5,
            history: vec![2, 3]
        }
    );
    assert_eq!(
        registry.bound::<dyn Accumulator>().as_deref(),
        Some("Summing")
    );
}

#[test]
fn each_registry_binds_its_own_instances() {
    let a = Registry::linked();
    let b = Registry::linked();
    a.get::<dyn Accumulator>().unwrap().add(7);
    assert_eq!(b.get::<dyn Accumulator>().unwrap().total(), 0);
}

#[test]
fn saved_state_is_tagged_with_model_id_and_version() {
    let registry = Registry::linked();
    registry.get::<dyn Accumulator>().unwrap().add(4);
    let saved = registry.save_state::<dyn Accumulator>().unwrap();
    let entry = saved.get("tally").unwrap();
    assert_eq!(entry.model_id, Tally::MODEL_ID);
    assert_eq!(entry.state_version, Tally::STATE_VERSION);
    assert_eq!(
        Tally::decode(&entry.bytes().unwrap()).unwrap(),
        Tally {
            total: 4,
            history: vec![4]
        }
    );
}

// ---- a view nobody implements ----

#[view]
pub trait Unimplemented: Send + Sync {
    fn nothing(&self);
}

#[test]
fn a_view_without_viewmodel_is_a_typed_error() {
    let registry = Registry::linked();
    let error = registry.get::<dyn Unimplemented>().unwrap_err();
    assert_eq!(
        *error,
        RegistryError::NoViewModel {
            view: "Unimplemented".into(),
            view_id: <dyn Unimplemented as View>::VIEW_ID
        }
    );
    assert!(
        error
            .to_string()
            .contains("#[viewmodel] impl Unimplemented for YourType")
    );
}

// ---- a view with two viewmodels and state to carry between them ----

#[model]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count(pub u64);

#[view]
pub trait Counter: Send + Sync {
    fn bump(&self) -> u64;
}

#[derive(Default)]
pub struct ByOne {
    count: Atomic<Count>,
}

#[viewmodel(state(count))]
impl Counter for ByOne {
    fn bump(&self) -> u64 {
        self.count.update(|c| Count(c.0 + 1)).0
    }
}

pub struct ByTen {
    count: Atomic<Count>,
}

impl ByTen {
    fn starting_at_100() -> Self {
        ByTen {
            count: Atomic::new(Count(100)),
        }
    }
}

#[viewmodel(state(count), new = ByTen::starting_at_100)]
impl Counter for ByTen {
    fn bump(&self) -> u64 {
        self.count.update(|c| Count(c.0 + 10)).0
    }
}

/// Same view, state field of another model under the same name.
#[model]
#[derive(Default)]
pub struct Label(pub String);

#[derive(Default)]
pub struct Labelled {
    count: Handle<Label>,
}

#[viewmodel(state(count))]
impl Counter for Labelled {
    fn bump(&self) -> u64 {
        self.count.0.len() as u64
    }
}

#[test]
fn two_viewmodels_for_one_view_is_a_typed_error_until_one_is_chosen() {
    let registry = Registry::linked();
    let Err(RegistryError::AmbiguousViewModel { view, candidates }) =
        registry.get::<dyn Counter>().map_err(|e| *e)
    else {
        panic!("expected AmbiguousViewModel");
    };
    assert_eq!(view, "Counter");
    assert_eq!(candidates, ["ByOne", "ByTen", "Labelled"]);

    registry.bind::<dyn Counter>("ByTen").unwrap();
    assert_eq!(
        registry.get::<dyn Counter>().unwrap().bump(),
        110,
        "the named constructor ran"
    );
}

#[test]
fn rebinding_carries_state_to_the_new_viewmodel() {
    let registry = Registry::linked();
    registry.bind::<dyn Counter>("ByOne").unwrap();
    let counter = registry.get_owned::<dyn Counter>().unwrap();
    counter.bump();
    counter.bump();

    registry.bind::<dyn Counter>("ByTen").unwrap();
    assert_eq!(
        registry.get::<dyn Counter>().unwrap().bump(),
        12,
        "state of ByOne carried over"
    );
    assert_eq!(
        counter.bump(),
        13,
        "an owned handle keeps serving the old viewmodel (by one), whose writes land in the shared state"
    );
    assert_eq!(
        registry.get::<dyn Counter>().unwrap().bump(),
        23,
        "no write was lost"
    );
}

#[test]
fn a_failed_rebinding_leaves_the_old_binding_and_its_state() {
    let registry = Registry::linked();
    registry.bind::<dyn Counter>("ByOne").unwrap();
    registry.get::<dyn Counter>().unwrap().bump();

    let error = registry.bind::<dyn Counter>("Labelled").unwrap_err();
    assert_eq!(
        error,
        RegistryError::State {
            viewmodel: "Labelled".into(),
            source: StateError::ModelMismatch {
                field: "count".into(),
                saved: "Count".into(),
                current: "Label".into()
            }
        }
    );
    let error = registry.bind::<dyn Counter>("Nope").unwrap_err();
    assert!(matches!(error, RegistryError::UnknownViewModel { ref known, .. } if known.len() == 3));

    assert_eq!(registry.bound::<dyn Counter>().as_deref(), Some("ByOne"));
    assert_eq!(registry.get::<dyn Counter>().unwrap().bump(), 2);
}

// ---- listing ----

#[test]
fn the_catalog_lists_everything_with_versions() {
    let registry = Registry::linked();
    let catalog = registry.catalog();
    let views: Vec<_> = catalog.views().map(|v| v.name).collect();
    assert_eq!(
        views,
        [
            "Accumulator",
            "Counter",
            "Inventory",
            "Scoreboard",
            "Unimplemented"
        ]
    );
    let models: Vec<_> = catalog.models().map(|m| m.name).collect();
    assert_eq!(
        models,
        [
            "Bag", "Bag", "Count", "Item", "Item", "Label", "Scene", "Score", "Score", "Shape",
            "Tally", "Unit"
        ],
        "generic Pair is not registered"
    );
    assert_eq!(catalog.viewmodels().count(), 8);

    let text = catalog.to_string();
    let expected = format!(
        "view registry::Accumulator  id {:016x}  api {:016x}\n    fn add(&self, n: i64) -> i64\n",
        <dyn Accumulator as View>::VIEW_ID,
        <dyn Accumulator as View>::API_VERSION
    );
    assert!(text.starts_with(&expected), "{text}");
    assert!(
        text.contains(&format!(
            "model registry::Count  id {:016x}  state {:016x}  size 8  align 8",
            Count::MODEL_ID,
            Count::STATE_VERSION
        )),
        "{text}"
    );
    assert!(
        text.contains("viewmodel registry::ByTen  implements Counter"),
        "{text}"
    );
}

// ---- models of every shape ----

#[model]
#[derive(Debug, PartialEq)]
pub enum Shape {
    Empty,
    Circle(f32),
    Rect { w: f32, h: f32 },
}

#[model]
#[derive(Debug, PartialEq)]
pub struct Unit;

#[model]
#[derive(Debug, PartialEq)]
pub struct Pair<T>(pub T, pub T);

#[model]
#[derive(Debug, PartialEq)]
pub struct Scene {
    pub shapes: Vec<Shape>,
    pub tagged: std::collections::BTreeMap<String, Pair<Count>>,
}

#[test]
fn models_of_every_shape_round_trip() {
    let scene = Scene {
        shapes: vec![
            Shape::Empty,
            Shape::Circle(1.5),
            Shape::Rect { w: 2.0, h: 3.0 },
        ],
        tagged: [("a".to_owned(), Pair(Count(1), Count(2)))].into(),
    };
    assert_eq!(Scene::decode(&scene.encode().unwrap()).unwrap(), scene);
    assert_eq!(Unit::decode(&Unit.encode().unwrap()).unwrap(), Unit);
}

#[test]
fn a_generic_models_version_depends_on_its_parameter() {
    assert_ne!(Pair::<Count>::STATE_VERSION, Pair::<Label>::STATE_VERSION);
    assert_ne!(Pair::<Count>::MODEL_ID, Pair::<Label>::MODEL_ID);
    assert_eq!(Pair::<Count>::SIZE, 16);
}

#[test]
fn decoding_refuses_bytes_of_another_shape() {
    let mut bytes = Count(300).encode().unwrap();
    bytes.push(0);
    assert!(matches!(
        Count::decode(&bytes),
        Err(StateError::Decode { .. })
    ));
    assert!(matches!(
        Shape::decode(&[9]),
        Err(StateError::Decode { .. })
    ));
}

// ---- lookups and rebinding ----

#[test]
fn a_thread_sees_a_rebinding_on_its_next_lookup() {
    let registry = Registry::linked();
    registry.bind::<dyn Counter>("ByOne").unwrap();
    let held = registry.get::<dyn Counter>().unwrap();
    assert_eq!(held.bump(), 1);

    registry.bind::<dyn Counter>("ByTen").unwrap();
    assert_eq!(
        registry.get::<dyn Counter>().unwrap().bump(),
        11,
        "new binding, state carried"
    );
    assert_eq!(
        held.bump(),
        12,
        "a ViewRef held across the rebinding keeps the old viewmodel (by one) alive, \
         on the storage it now shares with the new one"
    );
    drop(held);
    assert_eq!(registry.bound::<dyn Counter>().as_deref(), Some("ByTen"));
}

#[test]
fn readers_on_many_threads_never_fail_while_the_view_is_rebound() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let registry = Registry::linked();
    registry.bind::<dyn Counter>("ByOne").unwrap();
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut calls = 0u64;
                    let mut last = 0;
                    while !done.load(Ordering::Relaxed) || calls == 0 {
                        let now = registry.get::<dyn Counter>().expect("always bound").bump();
                        assert!(
                            now > last,
                            "the count only grows across rebindings: {last} then {now}"
                        );
                        last = now;
                        calls += 1;
                    }
                    calls
                })
            })
            .collect();
        for round in 0..200 {
            let next = if round % 2 == 0 { "ByTen" } else { "ByOne" };
            registry.bind::<dyn Counter>(next).unwrap();
        }
        done.store(true, Ordering::Relaxed);
        let calls: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
        assert!(calls >= 4);
    });
}

// ---- a state format change, migrated ----

/// The old format of `Score`: same name, so the same model id.
#[model(name = "Score")]
#[derive(Default)]
pub struct ScoreV1 {
    pub points: u32,
}

#[model(name = "Score", migrate_from(ScoreV1))]
#[derive(Default)]
pub struct Score {
    pub points: u64,
    pub games: u64,
}

impl From<ScoreV1> for Score {
    fn from(old: ScoreV1) -> Self {
        Score {
            points: u64::from(old.points),
            games: 1,
        }
    }
}

#[view]
pub trait Scoreboard: Send + Sync {
    fn add(&self, points: u32) -> (u64, u64);
}

#[derive(Default)]
pub struct OldBoard {
    score: Shared<ScoreV1>,
}

#[viewmodel(state(score))]
impl Scoreboard for OldBoard {
    fn add(&self, points: u32) -> (u64, u64) {
        let mut score = self.score.write();
        score.points += points;
        (u64::from(score.points), 0)
    }
}

#[derive(Default)]
pub struct NewBoard {
    score: Shared<Score>,
}

#[viewmodel(state(score))]
impl Scoreboard for NewBoard {
    fn add(&self, points: u32) -> (u64, u64) {
        let mut score = self.score.write();
        score.points += u64::from(points);
        score.games += 1;
        (score.points, score.games)
    }
}

#[test]
fn a_changed_state_format_is_migrated_by_the_model_and_refused_backwards() {
    assert_eq!(Score::MODEL_ID, ScoreV1::MODEL_ID);
    assert_ne!(Score::STATE_VERSION, ScoreV1::STATE_VERSION);
    let registry = Registry::linked();
    registry.bind::<dyn Scoreboard>("OldBoard").unwrap();
    registry.get::<dyn Scoreboard>().unwrap().add(40);

    registry.bind::<dyn Scoreboard>("NewBoard").unwrap();
    assert_eq!(
        registry.get::<dyn Scoreboard>().unwrap().add(2),
        (42, 2),
        "migrated, then one more game"
    );

    // ScoreV1 knows no migration from Score: going back is refused, and the
    // new board keeps its state.
    let error = registry.bind::<dyn Scoreboard>("OldBoard").unwrap_err();
    assert_eq!(
        error,
        RegistryError::State {
            viewmodel: "OldBoard".into(),
            source: StateError::VersionMismatch {
                field: "score".into(),
                model: "Score".into(),
                saved: Score::STATE_VERSION,
                current: ScoreV1::STATE_VERSION,
            }
        }
    );
    assert_eq!(registry.get::<dyn Scoreboard>().unwrap().add(0), (42, 3));
}

// ---- a nested type changed while the outer version did not ----

mod inner_v1 {
    use playground_runtime::model;
    #[model(name = "Item")]
    #[derive(Default, Clone)]
    pub struct Item {
        pub weight: u32,
    }
}

mod inner_v2 {
    use playground_runtime::model;
    #[model(name = "Item")]
    #[derive(Default, Clone)]
    pub struct Item {
        pub weight: u32,
        pub label: String,
    }
}

mod bag_v1 {
    use super::inner_v1::Item;
    use playground_runtime::model;
    #[model(name = "Bag")]
    #[derive(Default)]
    pub struct Bag {
        pub items: Vec<Item>,
    }
}

mod bag_v2 {
    use super::inner_v2::Item;
    use playground_runtime::model;
    #[model(name = "Bag")]
    #[derive(Default)]
    pub struct Bag {
        pub items: Vec<Item>,
    }
}

#[view]
pub trait Inventory: Send + Sync {
    fn add(&self) -> usize;
}

#[derive(Default)]
pub struct OldInventory {
    bag: Shared<bag_v1::Bag>,
}

#[viewmodel(state(bag))]
impl Inventory for OldInventory {
    fn add(&self) -> usize {
        let mut bag = self.bag.write();
        bag.items.push(inner_v1::Item { weight: 1 });
        bag.items.len()
    }
}

#[derive(Default)]
pub struct NewInventory {
    bag: Shared<bag_v2::Bag>,
}

#[viewmodel(state(bag))]
impl Inventory for NewInventory {
    fn add(&self) -> usize {
        let mut bag = self.bag.write();
        bag.items.push(inner_v2::Item {
            weight: 1,
            label: "new".into(),
        });
        bag.items.len()
    }
}

#[test]
fn a_nested_change_moves_the_outer_version_and_is_refused() {
    assert_ne!(
        bag_v1::Bag::STATE_VERSION,
        bag_v2::Bag::STATE_VERSION,
        "the tokens of Bag did not change, but its structure did"
    );

    let registry = Registry::linked();
    registry.bind::<dyn Inventory>("OldInventory").unwrap();
    registry.get::<dyn Inventory>().unwrap().add();
    let error = registry.bind::<dyn Inventory>("NewInventory").unwrap_err();
    assert!(
        matches!(&error, RegistryError::State { source: StateError::VersionMismatch { field, model, saved, current }, .. }
            if field == "bag" && model == "Bag" && *saved == bag_v1::Bag::STATE_VERSION && *current == bag_v2::Bag::STATE_VERSION),
        "{error}"
    );
    assert_eq!(
        registry.get::<dyn Inventory>().unwrap().add(),
        2,
        "the old binding kept its state"
    );
}
