use playground_runtime::{Registry, view, viewmodel};

#[view]
pub trait Counter: Send + Sync {
    fn get(&self) -> u64;
}

#[derive(Default)]
pub struct Zero;

#[viewmodel]
impl Counter for Zero {
    fn get(&self) -> u64 {
        0
    }
}

// A `ViewRef` pins the bindings in its thread's cache: it stays on that
// thread (a `ViewHandle`, from `get_owned`, is the one to send).
fn main() {
    let registry = Registry::linked();
    let counter = registry.get::<dyn Counter>().unwrap();
    std::thread::scope(|scope| {
        scope.spawn(move || counter.get());
    });
}
