use playground_runtime::{Shared, model, view, viewmodel};

#[view]
pub trait Counter: Send + Sync {
    fn add(&self, n: u64) -> u64;
}

#[model]
#[derive(Default)]
pub struct Tally {
    count: u64,
}

#[derive(Default)]
pub struct Tallier {
    tally: Shared<Tally>,
}

#[viewmodel(state(taly))]
impl Counter for Tallier {
    fn add(&self, n: u64) -> u64 {
        let mut tally = self.tally.write();
        tally.count += n;
        tally.count
    }
}

fn main() {}
