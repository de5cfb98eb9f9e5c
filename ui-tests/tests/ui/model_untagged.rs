use playground_runtime::model;

#[model]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Text(String),
}

fn main() {}
