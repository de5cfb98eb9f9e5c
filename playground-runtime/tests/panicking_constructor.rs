//! A viewmodel whose constructor panics: `Registry::linked` reports it and
//! binds everything else. (Its own binary: the panic message is printed.)

#![allow(missing_docs, reason = "a test crate: its items are fixtures, not API")]

use playground_runtime::{Registry, RegistryError, view, viewmodel};
use std::sync::atomic::{AtomicBool, Ordering};

#[view]
pub trait Sturdy: Send + Sync {
    fn ok(&self) -> bool;
}

#[derive(Default)]
pub struct Fine;

#[viewmodel]
impl Sturdy for Fine {
    fn ok(&self) -> bool {
        true
    }
}

#[view]
pub trait Fragile: Send + Sync {
    fn ok(&self) -> bool;
}

static PANICKED: AtomicBool = AtomicBool::new(false);

pub struct Exploding;

impl Default for Exploding {
    fn default() -> Self {
        PANICKED.store(true, Ordering::SeqCst);
        panic!("no GPU found");
    }
}

#[viewmodel]
impl Fragile for Exploding {
    fn ok(&self) -> bool {
        true
    }
}

#[test]
fn a_panicking_constructor_is_an_error_not_a_crash() {
    let registry = Registry::linked();
    assert!(PANICKED.load(Ordering::SeqCst));
    let error = registry.get::<dyn Fragile>().unwrap_err();
    assert_eq!(
        *error,
        RegistryError::ConstructorPanicked {
            viewmodel: "Exploding".into(),
            message: "no GPU found".into()
        }
    );
    // Everything else is still bound.
    assert!(registry.get::<dyn Sturdy>().unwrap().ok());
}
