use playground_runtime::model;

#[model]
pub union Bits {
    int: u32,
    float: f32,
}

fn main() {}
