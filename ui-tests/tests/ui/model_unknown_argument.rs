use playground_runtime::model;

#[model(version = 2)]
pub struct Player {
    pub score: u32,
}

fn main() {}
