use playground_runtime::model;

#[model]
pub struct Inner {
    pub a: u32,
}

#[model]
pub struct Outer {
    #[serde(flatten)]
    pub inner: Inner,
}

fn main() {}
