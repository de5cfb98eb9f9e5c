//! The thread-local lookup cache behind `Registry::get`: several registries
//! on one thread, maps released when a slot is replaced or the thread ends,
//! and viewmodels whose `Drop` looks views up while the cache lets go.

#![allow(missing_docs, reason = "a test crate: its items are fixtures, not API")]

use playground_runtime::{Atomic, Registry, view, viewmodel};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

#[view]
pub trait Counter: Send + Sync {
    fn bump(&self) -> u64;
}

#[derive(Default)]
pub struct ByOne {
    count: Atomic<u64>,
}

#[viewmodel(state(count))]
impl Counter for ByOne {
    fn bump(&self) -> u64 {
        self.count.update(|n| n + 1)
    }
}

#[derive(Default)]
pub struct ByTen {
    count: Atomic<u64>,
}

#[viewmodel(state(count))]
impl Counter for ByTen {
    fn bump(&self) -> u64 {
        self.count.update(|n| n + 10)
    }
}

#[test]
fn three_registries_on_one_thread_each_answer_with_their_own_binding() {
    // A view's cache set has two ways: the third registry keeps evicting
    // one of the others, which must only cost time, never a wrong answer.
    let registries = [Registry::linked(), Registry::linked(), Registry::linked()];
    registries[0].bind::<dyn Counter>("ByOne").unwrap();
    registries[1].bind::<dyn Counter>("ByTen").unwrap();
    registries[2].bind::<dyn Counter>("ByOne").unwrap();
    let mut expected = [0u64; 3];
    for round in 0..50 {
        for k in 0..3 {
            // Every fourth round in reverse, so that ways are taken in
            // every order.
            let i = if round % 4 == 0 { 2 - k } else { k };
            expected[i] += if i == 1 { 10 } else { 1 };
            let got = registries[i].get::<dyn Counter>().unwrap().bump();
            assert_eq!(got, expected[i], "registry {i}, round {round}");
        }
    }
}

#[test]
fn a_lookup_after_a_rebinding_on_the_same_thread_sees_it_while_old_refs_live_on() {
    let registry = Registry::linked();
    registry.bind::<dyn Counter>("ByOne").unwrap();
    let mut held = Vec::new();
    for i in 0..20u64 {
        let view = registry.get::<dyn Counter>().unwrap();
        // Alternate: each rebinding replaces the slot's map while the
        // `ViewRef`s taken before still point into the maps they pinned.
        let name = if i % 2 == 0 { "ByTen" } else { "ByOne" };
        held.push(view);
        registry.bind::<dyn Counter>(name).unwrap();
        assert_eq!(registry.bound::<dyn Counter>().as_deref(), Some(name));
    }
    // Every held view still answers (its viewmodel is alive); the state is
    // shared across rebindings, so the counts only grow.
    let mut last = 0;
    for view in &held {
        let now = view.bump();
        assert!(now > last);
        last = now;
    }
    drop(held);
    let fresh = registry.get::<dyn Counter>().unwrap().bump();
    assert!(fresh > last);
}

// ---- maps given back: slot replaced, thread exit, with re-entrant drops ----

/// Lookups from `Drop` need a registry that outlives the viewmodels.
static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::linked);
/// `Probe` viewmodels dropped, and what each one's `Drop` found bound.
static DROPPED: AtomicU64 = AtomicU64::new(0);
static SEEN_IN_DROP: AtomicU64 = AtomicU64::new(0);

#[view]
pub trait Probe: Send + Sync {
    fn id(&self) -> u64;
}

#[derive(Default)]
pub struct First;

#[viewmodel]
impl Probe for First {
    fn id(&self) -> u64 {
        1
    }
}

impl Drop for First {
    fn drop(&mut self) {
        // Runs while a lookup cache lets the last map holding `First` go:
        // the lookup here must neither deadlock, nor crash, nor see freed
        // memory (CI runs this under AddressSanitizer).
        let id = REGISTRY.get::<dyn Probe>().map_or(0, |p| p.id());
        SEEN_IN_DROP.store(id, Ordering::SeqCst);
        DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(Default)]
pub struct Second;

#[viewmodel]
impl Probe for Second {
    fn id(&self) -> u64 {
        2
    }
}

#[test]
fn the_last_map_is_given_back_on_slot_replacement_and_at_thread_exit() {
    // One test, not two: both use the process-wide `REGISTRY` and counters.
    let registry = &*REGISTRY;

    // 1. Replacement: this thread caches the map binding `First`, the view
    //    is rebound, and the next lookup replaces the slot: the old map's
    //    last holder is the cache, so `First` is dropped right then, and its
    //    `Drop` looks `Probe` up again.
    registry.bind::<dyn Probe>("First").unwrap();
    assert_eq!(registry.get::<dyn Probe>().unwrap().id(), 1);
    registry.bind::<dyn Probe>("Second").unwrap();
    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        0,
        "the cache still holds it"
    );
    assert_eq!(registry.get::<dyn Probe>().unwrap().id(), 2);
    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        1,
        "given back on replacement"
    );
    assert_eq!(SEEN_IN_DROP.load(Ordering::SeqCst), 2);

    // 2. Thread exit: another thread caches the map binding a new `First`
    //    and ends after the view was rebound; its cache gives the map back
    //    as the thread exits, and `First::drop` runs a lookup then.
    registry.bind::<dyn Probe>("First").unwrap();
    let (rebound_tx, rebound_rx) = std::sync::mpsc::channel();
    let (looked_tx, looked_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let id = REGISTRY.get::<dyn Probe>().unwrap().id();
        looked_tx.send(id).unwrap();
        rebound_rx.recv().unwrap();
    });
    assert_eq!(looked_rx.recv().unwrap(), 1);
    // This thread's slot is replaced by its own next lookup; keep it from
    // holding the map: look `Probe` up only after rebinding.
    registry.bind::<dyn Probe>("Second").unwrap();
    assert_eq!(registry.get::<dyn Probe>().unwrap().id(), 2);
    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        1,
        "the other thread's cache still holds the second First"
    );
    rebound_tx.send(()).unwrap();
    thread.join().unwrap();
    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        2,
        "given back at thread exit"
    );
    assert_eq!(SEEN_IN_DROP.load(Ordering::SeqCst), 2);
}
