use playground_runtime::model;

#[model]
pub struct Player<'a> {
    pub name: std::borrow::Cow<'a, str>,
}

fn main() {}
