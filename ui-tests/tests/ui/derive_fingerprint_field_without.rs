use playground_runtime::TypeFingerprint;

pub struct Handle(u32);

#[derive(TypeFingerprint)]
pub struct Sprite {
    pub at: [f32; 2],
    pub texture: Handle,
}

fn main() {}
