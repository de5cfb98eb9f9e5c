use playground_runtime::view;

#[view]
pub trait Physics: Send + Sync {
    fn step(&mut self, dt: f32);
}

fn main() {}
