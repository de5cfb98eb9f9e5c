use playground_runtime::{Registry, view, viewmodel};

// A refused view reports its own errors, and code using it nothing more:
// no "not declared with #[view]", no "cannot be made into an object".
#[view]
pub trait Broken {
    fn step(&self, dt: f32);
    fn add<B: Into<f32>>(&self, body: B);
    async fn save(&self) -> Vec<u8>;
    type Body;
    const LIMIT: usize;
}

#[derive(Default)]
pub struct Euler;

#[viewmodel]
impl Broken for Euler {
    fn step(&self, _dt: f32) {}
    fn add<B: Into<f32>>(&self, _body: B) {}
    async fn save(&self) -> Vec<u8> {
        Vec::new()
    }
    type Body = f32;
}

fn run(view: &dyn Broken) {
    view.step(1.0);
}

fn main() {
    let registry = Registry::linked();
    if let Ok(view) = registry.get::<dyn Broken>() {
        run(&*view);
    }
}
