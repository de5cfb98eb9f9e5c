use playground_runtime::view;

// Three methods `dyn Physics` cannot call: three errors, nothing else.
#[view]
pub trait Physics: Send + Sync {
    fn add_body<B: Into<f32>>(&self, body: B);
    fn new() -> f32;
    fn bodies(&self) -> impl Iterator<Item = f32>;
    fn step(&self, dt: f32);
}

fn main() {}
