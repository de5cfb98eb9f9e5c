//! The macros' output under a user's strictest lints: what they write
//! beside an item is spanned at the user's own tokens (so that rustc's
//! incremental cache treats it as the user's code), and would be linted as
//! the user's code; it must not be. rustc's lints are denied here (a
//! warning fails `cargo test`), clippy's pedantic and nursery groups too
//! (a warning fails `cargo clippy --all-targets -- -D warnings`).
#![deny(
    warnings,
    missing_docs,
    unused_qualifications,
    unused_results,
    unused_lifetimes,
    unreachable_pub,
    single_use_lifetimes,
    trivial_casts,
    trivial_numeric_casts,
    clippy::pedantic,
    clippy::nursery,
    clippy::undocumented_unsafe_blocks
)]

use playground_runtime::{Model, Registry, Shared, TypeFingerprint, View, model, view, viewmodel};

playground_runtime::export_module!();

/// A point.
#[derive(Clone, Copy, Debug, Default, PartialEq, TypeFingerprint)]
struct Point {
    x: f32,
    y: f32,
    z: f32,
}

/// A tally, saved across reloads.
#[model]
#[derive(Clone, Debug, Default)]
struct Tally {
    count: u64,
    label: String,
    last: Option<u32>,
}

/// A shape, an enum model.
#[model]
#[derive(Clone, Debug, Default)]
enum Shape {
    #[default]
    Empty,
    Circle(f32),
    Rect {
        w: f32,
        h: f32,
    },
}

/// A box of anything saveable, a generic model.
#[model]
#[derive(Clone, Debug, Default)]
struct Boxed<T> {
    inner: T,
}

/// What the counter does.
#[view(models(Tally))]
trait Counter: Send + Sync {
    /// Adds `n`; the new count.
    fn add(&self, n: u64) -> u64;
    /// The point it was last moved to.
    fn at(&self, point: &Point) -> Point;
    /// The count, later.
    async fn count(&self) -> u64;
}

/// The counter.
#[derive(Default)]
struct Tallier {
    tally: Shared<Tally>,
    shape: Shape,
}

#[viewmodel(state(tally))]
impl Counter for Tallier {
    fn add(&self, n: u64) -> u64 {
        let mut tally = self.tally.write();
        tally.count += n;
        tally.count
    }

    fn at(&self, point: &Point) -> Point {
        *point
    }

    async fn count(&self) -> u64 {
        self.tally.read().count
    }
}

#[test]
fn code_the_macros_write_passes_the_users_strictest_lints() {
    let registry = Registry::linked();
    let counter = registry.get::<dyn Counter>().expect("bound");
    assert_eq!(counter.add(2), 2);
    assert_eq!(pollster::block_on(counter.count()), 2);
    assert_eq!(
        counter.at(&Point {
            x: 1.0,
            y: 2.0,
            z: 3.0
        }),
        Point {
            x: 1.0,
            y: 2.0,
            z: 3.0
        }
    );
    assert_ne!(Tally::MODEL_ID, Shape::MODEL_ID);
    assert_ne!(<Boxed<Tally>>::STATE_VERSION, <Boxed<Shape>>::STATE_VERSION);
    assert_ne!(<dyn Counter as View>::API_VERSION.get(), 0);
    assert!(matches!(Tallier::default().shape, Shape::Empty));
    let _ = (
        Shape::Circle(1.0),
        Shape::Rect { w: 1.0, h: 2.0 },
        Tally::default().label,
        Tally::default().last,
    );
}
