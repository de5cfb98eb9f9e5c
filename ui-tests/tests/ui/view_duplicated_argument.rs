use playground_runtime::{model, view};

#[model]
pub struct Body(f32);

#[view(models(Body), models(Body))]
pub trait Physics: Send + Sync {
    fn step(&self, dt: f32);
}

fn main() {}
