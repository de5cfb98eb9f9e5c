//! Boxed callbacks a view method returns (`Fn`, `FnMut`, `FnOnce`): they
//! run as the viewmodel wrote them, through the wrapper `#[view]` puts
//! around them, and a panic in one reaches the caller as an ordinary panic.

#![allow(missing_docs, reason = "a test crate: its items are fixtures, not API")]

use playground_runtime::{Registry, panic_message, view, viewmodel};
use std::panic::{AssertUnwindSafe, catch_unwind};

#[view]
pub trait Makes: Send + Sync {
    fn adder(&self, n: u64) -> Box<dyn Fn(u64) -> u64 + Send + Sync>;
    fn counter(&self) -> Box<dyn FnMut() -> u64 + Send>;
    fn once(&self, text: String) -> Box<dyn FnOnce(&str) -> String>;
}

#[derive(Default)]
pub struct Maker;

#[viewmodel]
impl Makes for Maker {
    fn adder(&self, n: u64) -> Box<dyn Fn(u64) -> u64 + Send + Sync> {
        Box::new(move |x| {
            assert_ne!(x, 0, "given 0");
            x + n
        })
    }
    fn counter(&self) -> Box<dyn FnMut() -> u64 + Send> {
        let mut count = 0;
        Box::new(move || {
            count += 1;
            count
        })
    }
    fn once(&self, text: String) -> Box<dyn FnOnce(&str) -> String> {
        // `&str` written out: inside the wrapper `#[viewmodel]` puts around
        // a method's body, the closure's parameter type is not inferred
        // from the return type.
        Box::new(move |end: &str| text + end)
    }
}

#[test]
fn returned_boxed_callbacks_run_and_their_panics_reach_the_caller() {
    let registry = Registry::linked();
    let maker = registry.get::<dyn Makes>().unwrap();
    let add = maker.adder(2);
    assert_eq!(add(3), 5);
    let payload = catch_unwind(AssertUnwindSafe(|| add(0))).unwrap_err();
    assert!(panic_message(&*payload).contains("given 0"));
    assert_eq!(add(40), 42);
    let mut counter = maker.counter();
    assert_eq!((counter(), counter()), (1, 2));
    assert_eq!(maker.once("ab".into())("cd"), "abcd");
}
