//! Live storage is adopted only by a field of the same storage type: a
//! field that moved from `Shared<M>` to `Atomic<M>` (same model, same
//! version) gets the value decoded, never the other wrapper's allocation.

use playground_runtime::{Atomic, Registry, Shared, model, view, viewmodel};

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
