use playground_runtime::view;

#[view]
pub trait Physics: Send + Sync {
    fn gravity() -> f32;
}

fn main() {}
