//! A view, a model, a viewmodel and a host in one small program.
//!
//! Run it with `cargo run -p quickstart`.

use playground_runtime::{Registry, Shared, model, view, viewmodel};

/// The model: plain data, saved and restored across reloads.
#[model]
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub pos: [f32; 2],
    pub vel: [f32; 2],
}

/// The model of the whole world: every body.
#[model]
#[derive(Debug, Clone, Default)]
pub struct World {
    pub bodies: Vec<Body>,
}

/// The view: the API contract other code calls, through `dyn Physics`.
#[view(models(World, Body))]
pub trait Physics: Send + Sync {
    /// Adds a body and returns its index.
    fn spawn(&self, body: Body) -> usize;
    /// Advances every body by `dt` seconds.
    fn step(&self, dt: f32);
    /// Where body `index` is.
    fn position(&self, index: usize) -> Option<[f32; 2]>;
}

/// The viewmodel: one implementation of the view, owning its state.
#[derive(Default)]
pub struct Euler {
    world: Shared<World>,
}

#[viewmodel(state(world))]
impl Physics for Euler {
    fn spawn(&self, body: Body) -> usize {
        let mut world = self.world.write();
        world.bodies.push(body);
        world.bodies.len() - 1
    }

    fn step(&self, dt: f32) {
        for body in &mut self.world.write().bodies {
            body.vel[1] -= 9.81 * dt;
            body.pos[0] += body.vel[0] * dt;
            body.pos[1] += body.vel[1] * dt;
        }
    }

    fn position(&self, index: usize) -> Option<[f32; 2]> {
        self.world.read().bodies.get(index).map(|b| b.pos)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The host: every viewmodel linked into the program, bound to its view.
    let registry = Registry::linked();
    print!("{}", registry.catalog());

    let physics = registry.get::<dyn Physics>()?;
    let ball = physics.spawn(Body {
        pos: [0.0, 10.0],
        vel: [2.0, 0.0],
    });
    for _ in 0..10 {
        physics.step(0.1);
    }
    let [x, y] = physics.position(ball).ok_or("the ball is gone")?;
    println!("after 1 s the ball is at ({x:.2}, {y:.2})");

    let saved = registry.save_state::<dyn Physics>()?;
    for entry in saved.entries() {
        let bytes = entry.bytes()?.len();
        println!(
            "saved field `{}`: model {}, {bytes} bytes",
            entry.field, entry.model
        );
    }
    Ok(())
}
