use playground_runtime::view;

/// Plain data, but nothing says what its structure is.
pub struct Pose {
    pub x: f32,
    pub turn: f32,
}

#[view]
pub trait Walker: Send + Sync {
    fn pose(&self) -> Option<Pose>;
}

fn main() {}
