//! Edit-to-swap for examples/hot_reload: from writing a changed module
//! source file until the running host calls the new code (cargo build of
//! the module, then `Registry::load`).
//!
//! `cargo bench -p hot_reload --bench edit_to_swap`

use criterion::{Criterion, criterion_group, criterion_main};
use hot_reload::{Work, edit};
use hot_reload_api::Greeter;
use playground_runtime::Registry;
use std::time::{Duration, Instant};

fn edit_to_swap(c: &mut Criterion) {
    let work = Work::hot_reload().expect("scratch copy of the example");
    let built = work.build().expect("first build");
    let registry = Registry::linked();
    registry.load(&built.library).expect("load version 1");

    let mut group = c.benchmark_group("hot_reload");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let mut generation = 0u64;
    group.bench_function("edit_to_swap", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let (from, to) = (
                    format!("Hello{generation}"),
                    format!("Hello{}", generation + 1),
                );
                let from = if generation == 0 {
                    "Hello".to_owned()
                } else {
                    from
                };
                generation += 1;
                let start = Instant::now();
                edit(
                    &work.module_source(),
                    &format!("format!(\"{from}, {{name}}.\")"),
                    &format!("format!(\"{to}, {{name}}.\")"),
                )
                .expect("edit the module");
                let built = work.build().expect("rebuild");
                registry.load(&built.library).expect("swap");
                let answer = registry.get::<dyn Greeter>().expect("bound").greet("Ada");
                total += start.elapsed();
                assert_eq!(answer, format!("{to}, Ada."), "the new code runs");
                // SAFETY: the greeter returns owned data only.
                unsafe { registry.unload_retired() };
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, edit_to_swap);
criterion_main!(benches);
