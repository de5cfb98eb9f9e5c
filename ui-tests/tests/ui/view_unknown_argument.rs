use playground_runtime::view;

#[view(modles(Body))]
pub trait Physics: Send + Sync {
    fn step(&self, dt: f32);
}

fn main() {}
