use playground_runtime::{view, viewmodel};

#[view]
pub trait Physics: Send + Sync {
    fn step(&self, dt: f32);
    fn energy(&self) -> f32;
}

#[derive(Default)]
pub struct Euler;

#[viewmodel]
impl Physics for Euler {
    fn step(&self, _dt: f32) {}
}

fn main() {}
