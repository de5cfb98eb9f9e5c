use playground_runtime::{view, viewmodel};

#[view]
pub trait Physics: Send + Sync {
    fn step(&self, dt: f32);
}

#[derive(Default)]
pub struct Euler {
    steps: u64,
}

#[viewmodel(state(steps))]
impl Physics for Euler {
    fn step(&self, _dt: f32) {
        let _ = self.steps;
    }
}

fn main() {}
