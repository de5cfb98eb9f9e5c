use playground_runtime::model;

pub struct Texture {
    pub gpu_handle: u32,
}

#[model]
pub struct Sprite {
    pub position: [f32; 2],
    pub texture: Texture,
}

fn main() {}
