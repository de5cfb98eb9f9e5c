use playground_runtime::view;

#[view]
pub trait Physics: Send + Sync {
    fn add_body<B: Into<f32>>(&self, body: B);
}

fn main() {}
