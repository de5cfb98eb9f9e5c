use playground_runtime::{view, viewmodel};

#[view]
pub trait Physics: Send + Sync {
    fn step(&self, dt: f32);
    fn energy(&self) -> f32;
}

#[derive(Default)]
pub struct Euler;

// A syntax error inside a method is rustc's to report, at its place:
// the macro reads the signatures, not the bodies.
#[viewmodel]
impl Physics for Euler {
    fn step(&self, _dt: f32) {
        let speed = ;
    }

    fn energy(&self) -> f32 {
        0.0
    }
}

fn main() {}
