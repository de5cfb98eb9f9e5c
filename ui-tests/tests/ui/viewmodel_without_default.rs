use playground_runtime::{view, viewmodel};

#[view]
pub trait Physics: Send + Sync {
    fn step(&self, dt: f32);
}

pub struct Euler {
    gravity: f32,
}

#[viewmodel]
impl Physics for Euler {
    fn step(&self, _dt: f32) {
        let _ = self.gravity;
    }
}

fn main() {}
