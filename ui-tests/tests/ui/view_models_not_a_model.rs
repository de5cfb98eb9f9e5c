use playground_runtime::view;

pub struct Body {
    pub mass: f32,
}

#[view(models(Body))]
pub trait Physics: Send + Sync {
    fn step(&self, dt: f32);
}

fn main() {}
