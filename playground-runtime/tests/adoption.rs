//! Live storage is adopted only by a field of the same storage type: a
//! field that moved from `Shared<M>` to `Atomic<M>` (same model, same
//! version) gets the value decoded, never the other wrapper's allocation.

#![allow(missing_docs, reason = "a test crate: its items are fixtures, not API")]

use playground_runtime::{
    Atomic, Registry, SavedState, Shared, StateError, model, view, viewmodel,
};

#[model]
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Score {
    pub points: u64,
    pub games: u64,
}

#[view]
pub trait Board: Send + Sync {
    fn add(&self, points: u64) -> Score;
}

#[derive(Default)]
pub struct Locked {
    score: Shared<Score>,
}

#[viewmodel(state(score))]
impl Board for Locked {
    fn add(&self, points: u64) -> Score {
        let mut score = self.score.write();
        score.points += points;
        score.games += 1;
        *score
    }
}

#[derive(Default)]
pub struct LockFree {
    score: Atomic<Score>,
}

#[viewmodel(state(score))]
impl Board for LockFree {
    fn add(&self, points: u64) -> Score {
        self.score.update(|s| Score {
            points: s.points + points,
            games: s.games + 1,
        })
    }
}

#[test]
fn another_wrapper_of_the_same_model_is_decoded_not_adopted() {
    let registry = Registry::linked();
    registry.bind::<dyn Board>("Locked").unwrap();
    registry.get::<dyn Board>().unwrap().add(40);
    registry.bind::<dyn Board>("LockFree").unwrap();
    assert_eq!(
        registry.get::<dyn Board>().unwrap().add(2),
        Score {
            points: 42,
            games: 2
        }
    );
    registry.bind::<dyn Board>("Locked").unwrap();
    assert_eq!(
        registry.get::<dyn Board>().unwrap().add(0),
        Score {
            points: 42,
            games: 3
        }
    );
}

// ---- std types as state, without a newtype ----

#[view]
pub trait Tally: Send + Sync {
    fn hit(&self, name: &str) -> (u64, usize);
}

#[derive(Default)]
pub struct FirstTally {
    hits: playground_runtime::Atomic<u64>,
    names: Shared<Vec<String>>,
}

#[viewmodel(state(hits, names))]
impl Tally for FirstTally {
    fn hit(&self, name: &str) -> (u64, usize) {
        self.names.write().push(name.to_owned());
        (self.hits.update(|n| n + 1), self.names.read().len())
    }
}

#[derive(Default)]
pub struct SecondTally {
    hits: playground_runtime::Atomic<u64>,
    names: Shared<Vec<String>>,
}

#[viewmodel(state(hits, names))]
impl Tally for SecondTally {
    fn hit(&self, name: &str) -> (u64, usize) {
        self.names.write().push(name.to_uppercase());
        (self.hits.update(|n| n + 10), self.names.read().len())
    }
}

#[derive(Default)]
pub struct NarrowTally {
    hits: playground_runtime::Atomic<u32>,
    names: Shared<Vec<String>>,
}

#[viewmodel(state(hits, names))]
impl Tally for NarrowTally {
    fn hit(&self, _name: &str) -> (u64, usize) {
        (
            u64::from(self.hits.update(|n| n + 1)),
            self.names.read().len(),
        )
    }
}

#[test]
fn std_types_are_state_without_a_newtype() {
    use playground_runtime::{RegistryError, StateError};
    let registry = Registry::linked();
    registry.bind::<dyn Tally>("FirstTally").unwrap();
    registry.get::<dyn Tally>().unwrap().hit("a");
    registry.get::<dyn Tally>().unwrap().hit("b");
    registry.bind::<dyn Tally>("SecondTally").unwrap();
    assert_eq!(registry.get::<dyn Tally>().unwrap().hit("c"), (12, 3));

    // A u64 counter is not a u32 counter: refused, the state stays.
    let error = registry.bind::<dyn Tally>("NarrowTally").unwrap_err();
    assert!(
        matches!(&error, RegistryError::State { source: StateError::ModelMismatch { field, saved, current }, .. }
            if field == "hits" && saved == "u64" && current == "u32"),
        "{error}"
    );
    assert_eq!(registry.get::<dyn Tally>().unwrap().hit("d"), (22, 4));
}

// ---- a panic while live storage is encoded ----

fn refuse<S: serde::Serializer>(_: &u64, _: S) -> Result<S::Ok, S::Error> {
    panic!("this value cannot be saved")
}

#[model]
#[derive(Default)]
pub struct Fragile {
    #[serde(serialize_with = "refuse")]
    pub value: u64,
}

#[test]
fn a_panic_while_live_storage_is_encoded_is_an_error() {
    let mut saved = SavedState::default();
    saved
        .save("fragile", &Shared::new(Fragile { value: 1 }))
        .expect("live storage is saved without encoding it");
    // A plain field cannot adopt a `Shared`'s storage: it is encoded for
    // the field, and the encoding panics. The panic is caught where the
    // storage was saved (another image could not catch it) and comes back
    // as the restore's error; the field keeps its value.
    let mut plain = Fragile { value: 7 };
    let error = saved.restore("fragile", &mut plain).unwrap_err();
    assert!(
        matches!(&error, StateError::Encode { model, message }
            if model == "Fragile" && message.contains("this value cannot be saved")),
        "{error:?}"
    );
    assert_eq!(plain.value, 7);
}
