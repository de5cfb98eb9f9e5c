use playground_runtime::viewmodel;

pub trait Physics: Send + Sync {
    fn step(&self, dt: f32);
}

#[derive(Default)]
pub struct Euler;

#[viewmodel]
impl Physics for Euler {
    fn step(&self, _dt: f32) {}
}

fn main() {}
