use playground_runtime::view;

#[view]
pub trait Physics: Send + Sync {
    /// Documentation that depends on a feature is fine.
    #[cfg_attr(unix, doc = "More words.")]
    fn step(&self, dt: f32);
    #[cfg_attr(unix, cfg(windows))]
    fn energy(&self) -> f32;
}

fn main() {}
