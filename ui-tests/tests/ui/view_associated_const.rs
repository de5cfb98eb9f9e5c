use playground_runtime::{view, viewmodel};

// One error, at the view: the viewmodel that implements the constant, and
// code that reads it, report nothing more.
#[view]
pub trait Physics: Send + Sync {
    const MAX_STEP: f32;
    fn step(&self, dt: f32) -> f32;
}

#[derive(Default)]
pub struct Euler;

#[viewmodel]
impl Physics for Euler {
    const MAX_STEP: f32 = 0.5;
    fn step(&self, dt: f32) -> f32 {
        dt.min(Self::MAX_STEP)
    }
}

fn main() {
    assert_eq!(Euler::MAX_STEP, 0.5);
}
