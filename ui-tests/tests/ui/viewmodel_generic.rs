use playground_runtime::{view, viewmodel};

#[view]
pub trait Physics: Send + Sync {
    fn step(&self, dt: f32);
}

#[derive(Default)]
pub struct Euler<T>(T);

#[viewmodel]
impl<T: Default + Send + Sync + 'static> Physics for Euler<T> {
    fn step(&self, _dt: f32) {}
}

fn main() {}
