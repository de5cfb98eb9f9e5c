use playground_runtime::{view, viewmodel};

#[view]
pub trait Physics: Send + Sync {
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

fn main() {}
