//! `Uses`: views calling views in one program: following a rebinding,
//! views that use each other, a handle outliving its registry, and a
//! registry whose viewmodels use views being freed.

#![allow(missing_docs, reason = "a test crate: its items are fixtures, not API")]

use playground_runtime::{Registry, RegistryError, Uses, view, viewmodel};
use std::sync::atomic::{AtomicU64, Ordering};

// ---- a cycle: Ping uses Pong, Pong uses Ping ----

#[view]
pub trait Ping: Send + Sync {
    fn ping(&self) -> &'static str;
    /// Asks Pong.
    fn ask_pong(&self) -> Result<&'static str, Box<RegistryError>>;
}

#[view]
pub trait Pong: Send + Sync {
    fn pong(&self) -> &'static str;
    /// Asks Ping.
    fn ask_ping(&self) -> Result<&'static str, Box<RegistryError>>;
}

static PINGS_DROPPED: AtomicU64 = AtomicU64::new(0);

/// The thread the freeing test builds its registry on: only its `Pinger`
/// is counted (every `Registry::linked()` of this binary builds one).
const WATCHED_THREAD: &str = "freed-registry";

pub struct Pinger {
    pong: Uses<dyn Pong>,
    watched: bool,
}

impl Default for Pinger {
    fn default() -> Self {
        Pinger {
            pong: Uses::default(),
            watched: std::thread::current().name() == Some(WATCHED_THREAD),
        }
    }
}

impl Drop for Pinger {
    fn drop(&mut self) {
        if self.watched {
            PINGS_DROPPED.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[viewmodel]
impl Ping for Pinger {
    fn ping(&self) -> &'static str {
        "ping"
    }
    fn ask_pong(&self) -> Result<&'static str, Box<RegistryError>> {
        Ok(self.pong.get()?.pong())
    }
}

#[derive(Default)]
pub struct Ponger {
    ping: Uses<dyn Ping>,
}

#[viewmodel]
impl Pong for Ponger {
    fn pong(&self) -> &'static str {
        "pong"
    }
    fn ask_ping(&self) -> Result<&'static str, Box<RegistryError>> {
        Ok(self.ping.get()?.ping())
    }
}

#[test]
fn views_that_use_each_other_call_each_other_and_are_freed_with_their_registry() {
    // On a thread of its own, whose lookup cache is gone when it ends:
    // only the registry and the handle kept below hold anything then.
    let kept = std::thread::Builder::new()
        .name(WATCHED_THREAD.into())
        .spawn(|| {
            let registry = Registry::linked();
            assert_eq!(
                registry.get::<dyn Ping>().unwrap().ask_pong().unwrap(),
                "pong"
            );
            assert_eq!(
                registry.get::<dyn Pong>().unwrap().ask_ping().unwrap(),
                "ping"
            );
            // An owned handle to Pong outlives the registry.
            registry.get_owned::<dyn Pong>().unwrap()
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(
        PINGS_DROPPED.load(Ordering::SeqCst),
        1,
        "Pinger was dropped with its registry, though Pong's handle pointed back to it"
    );
    // The kept Pong's handle points to a registry that no longer binds
    // anything: an error, not a dangling call.
    assert!(matches!(
        kept.ask_ping().map_err(|e| *e),
        Err(RegistryError::NoViewModel { ref view, .. }) if view == "Ping"
    ));
}

// ---- following a rebinding ----

#[view]
pub trait Rates: Send + Sync {
    fn rate(&self) -> u32;
}

#[derive(Default)]
pub struct Low;

#[viewmodel]
impl Rates for Low {
    fn rate(&self) -> u32 {
        5
    }
}

#[derive(Default)]
pub struct High;

#[viewmodel]
impl Rates for High {
    fn rate(&self) -> u32 {
        50
    }
}

#[view]
pub trait Quote: Send + Sync {
    fn price(&self, amount: u32) -> Result<u32, Box<RegistryError>>;
}

#[derive(Default)]
pub struct Quoter {
    rates: Uses<dyn Rates>,
}

#[viewmodel]
impl Quote for Quoter {
    fn price(&self, amount: u32) -> Result<u32, Box<RegistryError>> {
        Ok(amount * self.rates.get()?.rate())
    }
}

#[test]
fn a_handle_calls_whatever_is_bound_now() {
    let registry = Registry::linked();
    let quote = registry.get_owned::<dyn Quote>().unwrap();
    // Two viewmodels implement Rates and none is chosen yet.
    assert!(matches!(
        quote.price(2).map_err(|e| *e),
        Err(RegistryError::AmbiguousViewModel { .. })
    ));
    registry.bind::<dyn Rates>("Low").unwrap();
    assert_eq!(quote.price(2).unwrap(), 10);
    registry.bind::<dyn Rates>("High").unwrap();
    assert_eq!(
        quote.price(2).unwrap(),
        100,
        "the same handle, the new binding"
    );
    // From other threads too.
    std::thread::scope(|s| {
        s.spawn(|| assert_eq!(quote.price(3).unwrap(), 150));
    });
}

#[test]
fn a_handle_made_outside_a_construction_points_nowhere() {
    let stray: Uses<dyn Rates> = Uses::default();
    assert!(!stray.is_attached());
    assert!(matches!(
        stray.get().map_err(|e| *e),
        Err(RegistryError::Detached { ref view }) if view == "Rates"
    ));
}
