use playground_runtime::model;

#[model]
pub struct Body {
    pub pos: [f32; 3],
    #[cfg(unix)]
    pub spin: f32,
}

fn main() {}
