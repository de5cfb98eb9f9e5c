use playground_runtime::view;

#[view]
pub trait Logger: Send + Sync {
    fn log(&self, lines: Vec<Box<dyn Iterator<Item = String>>>);
}

fn main() {}
