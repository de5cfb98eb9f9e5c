use playground_runtime::viewmodel;

#[derive(Default)]
pub struct Euler;

#[viewmodel]
impl Euler {
    fn step(&self, _dt: f32) {}
}

fn main() {}
