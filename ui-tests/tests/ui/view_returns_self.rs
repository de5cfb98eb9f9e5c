use playground_runtime::view;

#[view]
pub trait Physics: Send + Sync {
    fn fork(&self) -> Self;
}

fn main() {}
