use playground_runtime::model;

#[model]
#[serde(tag = "kind")]
pub enum Shape {
    Circle { radius: f32 },
    Square { side: f32 },
}

fn main() {}
