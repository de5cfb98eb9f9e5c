use playground_runtime::model;

// A serde attribute behind `cfg_attr` is refused once, with no "cannot find
// attribute `serde`" after it.
#[model]
#[derive(Default)]
pub struct Settings {
    #[cfg_attr(all(), serde(default))]
    pub volume: u32,
}

fn main() {}
