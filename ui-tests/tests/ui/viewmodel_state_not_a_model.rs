use playground_runtime::{view, viewmodel};

#[view]
pub trait Physics: Send + Sync {
    fn step(&self, dt: f32);
}

/// Plain data, not declared with #[model].
#[derive(Default)]
pub struct Steps(u64);

#[derive(Default)]
pub struct Euler {
    steps: Steps,
}

#[viewmodel(state(steps))]
impl Physics for Euler {
    fn step(&self, _dt: f32) {
        let _ = self.steps.0;
    }
}

fn main() {}
