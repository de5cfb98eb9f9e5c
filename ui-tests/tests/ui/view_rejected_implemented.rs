use playground_runtime::view;

// A refused view implemented by hand and called, directly and through
// `dyn`: its own errors and nothing more.
#[view]
pub trait Broken: Send {
    fn step(&self, dt: f32);
    fn add<B: Into<f32>>(&self, body: B);
    fn bodies(&self) -> impl Iterator<Item = f32>;
    fn reset(&mut self);
    type Body;
}

pub struct Plain;

impl Broken for Plain {
    fn step(&self, _dt: f32) {}
    fn add<B: Into<f32>>(&self, _body: B) {}
    fn bodies(&self) -> impl Iterator<Item = f32> {
        std::iter::empty()
    }
    fn reset(&mut self) {}
    type Body = u8;
}

fn run(view: &mut dyn Broken) {
    view.step(1.0);
    view.reset();
}

fn main() {
    let mut plain = Plain;
    plain.add(1.0f32);
    let _: Vec<f32> = plain.bodies().collect();
    run(&mut plain);
}
