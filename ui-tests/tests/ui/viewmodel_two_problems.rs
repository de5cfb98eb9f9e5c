use playground_runtime::{view, viewmodel};

#[view]
pub trait Physics: Send + Sync {
    fn step(&self, dt: f32);
    async fn energy(&self) -> f32;
}

#[derive(Default)]
pub struct Euler<T>(T);

// An unknown argument and a generic impl: two errors, nothing else (the
// impl's `async fn` still compiles).
#[viewmodel(stat(0))]
impl<T: Default + Send + Sync + 'static> Physics for Euler<T> {
    fn step(&self, _dt: f32) {}
    async fn energy(&self) -> f32 {
        0.0
    }
}

fn main() {}
