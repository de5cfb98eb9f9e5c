use playground_runtime::model;

#[model]
pub struct Player {
    pub name: &'static str,
}

fn main() {}
