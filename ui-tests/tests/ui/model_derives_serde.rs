use playground_runtime::model;

#[model]
#[derive(Debug, serde::Serialize)]
pub struct Player {
    pub score: u32,
}

fn main() {}
