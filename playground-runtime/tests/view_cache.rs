//! `ViewCache`: a call site's cached binding follows every rebinding, a
//! `&T` taken before one stays valid, a failed refresh lets go of what it
//! served, and a cache moved to another thread sees rebindings made here.

#![allow(missing_docs, reason = "a test crate: its items are fixtures, not API")]

use playground_runtime::{Atomic, Registry, RegistryError, view, viewmodel};
use std::sync::atomic::{AtomicU64, Ordering};

#[view]
pub trait Greeter: Send + Sync {
    fn name(&self) -> &'static str;
    fn bump(&self) -> u64;
}

/// `English` viewmodels alive: a cache must not keep one it no longer
/// serves once it refreshed (only the test below binds `English`).
static ENGLISH_ALIVE: AtomicU64 = AtomicU64::new(0);

pub struct English {
    count: Atomic<u64>,
}

impl Default for English {
    fn default() -> Self {
        ENGLISH_ALIVE.fetch_add(1, Ordering::SeqCst);
        English {
            count: Atomic::default(),
        }
    }
}

impl Drop for English {
    fn drop(&mut self) {
        ENGLISH_ALIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

#[viewmodel(state(count))]
impl Greeter for English {
    fn name(&self) -> &'static str {
        "English"
    }
    fn bump(&self) -> u64 {
        self.count.update(|n| n + 1)
    }
}

#[derive(Default)]
pub struct French {
    count: Atomic<u64>,
}

#[viewmodel(state(count))]
impl Greeter for French {
    fn name(&self) -> &'static str {
        "French"
    }
    fn bump(&self) -> u64 {
        self.count.update(|n| n + 10)
    }
}

#[derive(Default)]
pub struct German {
    count: Atomic<u64>,
}

#[viewmodel(state(count))]
impl Greeter for German {
    fn name(&self) -> &'static str {
        "German"
    }
    fn bump(&self) -> u64 {
        self.count.update(|n| n + 100)
    }
}

/// `Latin` viewmodels alive (only the failed-refresh test binds it).
static LATIN_ALIVE: AtomicU64 = AtomicU64::new(0);

pub struct Latin;

impl Default for Latin {
    fn default() -> Self {
        LATIN_ALIVE.fetch_add(1, Ordering::SeqCst);
        Latin
    }
}

impl Drop for Latin {
    fn drop(&mut self) {
        LATIN_ALIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

#[viewmodel]
impl Greeter for Latin {
    fn name(&self) -> &'static str {
        "Latin"
    }
    fn bump(&self) -> u64 {
        0
    }
}

#[test]
fn every_call_after_a_rebinding_reaches_the_new_viewmodel() {
    let registry = Registry::linked();
    registry.bind::<dyn Greeter>("French").unwrap();
    let mut cache = registry.view_cache::<dyn Greeter>().unwrap();
    let mut expected = 0;
    for round in 0..40 {
        let name = if round % 2 == 0 { "German" } else { "French" };
        // Calls between rebindings hit the cache; the first after one
        // refreshes it. The state is carried, so the count only grows.
        for _ in 0..3 {
            expected += if round % 2 == 0 { 10 } else { 100 };
            assert_eq!(cache.get().unwrap().bump(), expected, "round {round}");
        }
        registry.bind::<dyn Greeter>(name).unwrap();
        assert_eq!(cache.get().unwrap().name(), name, "round {round}");
    }
}

#[test]
fn a_view_taken_before_a_rebinding_stays_valid_and_is_let_go_after() {
    let registry = Registry::linked();
    registry.bind::<dyn Greeter>("English").unwrap();
    let mut cache = registry.view_cache::<dyn Greeter>().unwrap();
    let before = cache.get().unwrap();
    registry.bind::<dyn Greeter>("German").unwrap();
    // The registry let go of `English`; the `&T` still answers (the cache
    // keeps the binding; CI runs this under AddressSanitizer).
    assert_eq!(before.name(), "English");
    assert_eq!(before.bump(), 1);
    assert_eq!(ENGLISH_ALIVE.load(Ordering::SeqCst), 1);
    // The next call refreshes, and the cache was the last holder.
    assert_eq!(cache.get().unwrap().name(), "German");
    assert_eq!(ENGLISH_ALIVE.load(Ordering::SeqCst), 0);
}

#[test]
fn a_failed_refresh_lets_go_and_reports_as_get_does() {
    let registry = Registry::linked();
    registry.bind::<dyn Greeter>("Latin").unwrap();
    let mut cache = registry.view_cache::<dyn Greeter>().unwrap();
    assert_eq!(cache.get().unwrap().name(), "Latin");
    // A dropped registry has nothing bound: the cache must say so, not
    // serve the viewmodel it held, and keep saying so.
    drop(registry);
    for _ in 0..2 {
        match cache.get().map(|greeter| greeter.name()) {
            Err(error) => assert!(
                matches!(*error, RegistryError::NoViewModel { .. }),
                "{error}"
            ),
            Ok(name) => panic!("a dropped registry's cache served {name}"),
        }
        assert_eq!(LATIN_ALIVE.load(Ordering::SeqCst), 0, "let go");
    }
}

#[test]
fn a_view_never_bound_is_refused_when_the_cache_is_made() {
    // Several viewmodels and no choice made: not bound.
    let registry = Registry::linked();
    let error = registry.view_cache::<dyn Greeter>().unwrap_err();
    assert_eq!(
        error.to_string(),
        registry.get::<dyn Greeter>().unwrap_err().to_string()
    );
}

#[test]
fn a_cache_moved_to_another_thread_sees_rebindings_made_here() {
    let registry = Registry::linked();
    registry.bind::<dyn Greeter>("French").unwrap();
    let mut cache = registry.view_cache::<dyn Greeter>().unwrap();
    // The other thread calls only when told that a rebinding returned, and
    // reports what answered.
    let (rebound_tx, rebound_rx) = std::sync::mpsc::channel::<()>();
    let (seen_tx, seen_rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(move || {
            seen_tx.send(cache.get().unwrap().name()).unwrap();
            for () in rebound_rx {
                seen_tx.send(cache.get().unwrap().name()).unwrap();
            }
        });
        assert_eq!(seen_rx.recv().unwrap(), "French");
        for name in ["German", "French", "German"] {
            registry.bind::<dyn Greeter>(name).unwrap();
            rebound_tx.send(()).unwrap();
            assert_eq!(seen_rx.recv().unwrap(), name);
        }
        drop(rebound_tx);
    });
}
