use playground_runtime::view;

#[view]
pub trait Physics {
    fn step(&self, dt: f32);
}

fn main() {}
