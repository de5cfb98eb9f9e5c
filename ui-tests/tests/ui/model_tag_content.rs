use playground_runtime::model;

#[model]
#[serde(tag = "kind", content = "data")]
pub enum Message {
    Move(f32, f32),
    Say(String),
}

fn main() {}
