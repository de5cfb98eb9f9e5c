use playground_runtime::view;

#[view]
pub trait Physics: Send + Sync {
    fn step(&self, dt: f32);
    #[cfg(debug_assertions)]
    fn draw(&self);
}

fn main() {}
