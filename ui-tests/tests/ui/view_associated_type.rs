use playground_runtime::view;

#[view]
pub trait Physics: Send + Sync {
    type Body;
    fn step(&self, dt: f32);
}

fn main() {}
