//! An `EcsModule` shared by threads that write through the view at once.

use playground_ecs::{Ecs, EcsModule, EntityView};
use std::sync::Arc;

/// A component.
#[playground_runtime::model]
#[derive(Debug, Clone, Copy, PartialEq)]
struct P {
    x: f32,
}

#[test]
fn writers_on_several_threads_lose_nothing_and_corrupt_nothing() {
    let module = Arc::new(EcsModule::default());
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let module = Arc::clone(&module);
            std::thread::spawn(move || {
                let ecs: &dyn Ecs = &*module;
                for i in 0..20000 {
                    let e = ecs.spawn();
                    ecs.typed().insert(e, P { x: i as f32 }).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(module.entity_count(), 40000);

    let ecs: &dyn Ecs = &*module;
    let typed = ecs.typed();
    let mut sum = 0.0f64;
    for e in ecs.entities() {
        sum += f64::from(typed.get::<P>(e).unwrap().x);
    }
    assert_eq!(sum, 2.0 * (0..20000).map(f64::from).sum::<f64>());
}
