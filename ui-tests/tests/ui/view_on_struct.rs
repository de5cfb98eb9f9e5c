use playground_runtime::view;

#[view]
pub struct Physics {
    gravity: f32,
}

fn main() {}
