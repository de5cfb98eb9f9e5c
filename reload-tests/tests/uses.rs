//! Views calling views across images, with real libraries: a host
//! viewmodel that uses the module's view, and the module's viewmodel that
//! uses a view the host binds, each following reloads and rebindings of
//! the view it uses.

use counter_api::{Clock, Counter, Ticks};
use playground_runtime::{Atomic, Registry, RegistryError, Uses, view, viewmodel};
use reload_tests::{Fixture, library};

/// A host view whose viewmodel calls the module's `Counter`.
#[view]
pub trait Dashboard: Send + Sync {
    /// The running module's version and total, through `Uses<dyn Counter>`.
    fn summary(&self) -> Result<(u32, u64), RegistryError>;
}

#[derive(Default)]
pub struct Panel {
    counter: Uses<dyn Counter>,
}

#[viewmodel]
impl Dashboard for Panel {
    fn summary(&self) -> Result<(u32, u64), RegistryError> {
        let counter = self.counter.get()?;
        Ok((counter.version(), counter.total()))
    }
}

/// A second clock the host can rebind `Clock` to: counts by hundreds, on
/// the same state as `SharedClock`.
#[derive(Default)]
pub struct Hundreds {
    ticks: Atomic<Ticks>,
}

#[viewmodel(state(ticks))]
impl Clock for Hundreds {
    fn tick(&self) -> u64 {
        self.ticks.update(|t| Ticks(t.0 + 100)).0
    }
    fn reset(&self) -> u64 {
        self.ticks.swap(Ticks(0)).0
    }
}

#[test]
fn a_host_viewmodel_follows_the_module_it_uses_across_a_reload() {
    let registry = Registry::linked();
    let dashboard = registry.get::<dyn Dashboard>().unwrap();
    // Nothing bound to `Counter` yet: the handle exists, the call says why.
    assert!(matches!(
        dashboard.summary(),
        Err(RegistryError::NoViewModel { ref view, .. }) if view == "Counter"
    ));

    registry.load(library(Fixture::V1)).unwrap();
    registry.get::<dyn Counter>().unwrap().add(5);
    assert_eq!(dashboard.summary().unwrap(), (1, 5));

    registry.load(library(Fixture::V2)).unwrap();
    assert_eq!(
        dashboard.summary().unwrap(),
        (2, 5),
        "the same handle calls the reloaded module, whose state was carried"
    );
}

#[test]
fn the_modules_viewmodel_follows_the_host_view_it_uses_across_a_rebinding() {
    let registry = Registry::linked();
    // Two clocks are linked (counter-api's `SharedClock` and `Hundreds`).
    registry.bind::<dyn Clock>("SharedClock").unwrap();
    registry.load(library(Fixture::V1)).unwrap();
    let tick = || registry.get::<dyn Counter>().unwrap().tick_used_clock();
    assert_eq!(tick().unwrap(), 1);
    assert_eq!(tick().unwrap(), 2);

    registry.bind::<dyn Clock>("Hundreds").unwrap();
    assert_eq!(
        tick().unwrap(),
        102,
        "the module's handle calls the clock bound now (state carried)"
    );

    // And across a reload of the module itself: the new build's handle is
    // made by the registry too.
    registry.load(library(Fixture::V2)).unwrap();
    assert_eq!(registry.get::<dyn Counter>().unwrap().version(), 2);
    assert_eq!(tick().unwrap(), 202);
}

#[test]
fn a_handle_made_outside_a_registry_says_so() {
    let stray = Uses::<dyn Counter>::default();
    assert!(!stray.is_attached());
    let error = stray.get().unwrap_err();
    assert_eq!(
        error.to_string(),
        "this `Uses<dyn Counter>` points to no registry: it was made outside a viewmodel's \
         construction by a registry (a `Default` called by your own code?)"
    );
}

#[test]
fn a_module_whose_viewmodel_holds_a_handle_and_looked_views_up_can_be_unloaded() {
    // Building the viewmodel sets a construction context in the library's
    // image, and its lookups read the host's bindings: neither may register
    // a thread-local destructor there, or glibc would keep the library
    // mapped until the thread exits.
    let registry = Registry::linked();
    registry.bind::<dyn Clock>("SharedClock").unwrap();
    registry.load(library(Fixture::V1)).unwrap();
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!(counter.tick_used_clock().unwrap(), 1);
    assert_eq!(counter.tick_clock(&registry).unwrap(), 2);
    drop(counter);
    registry.load(library(Fixture::V2)).unwrap();
    // This thread's cache keeps the last map it saw per view, v1's binding
    // included: look both views up again, so that it lets v1 go.
    assert_eq!(registry.get::<dyn Counter>().unwrap().version(), 2);
    assert_eq!(registry.get::<dyn Clock>().unwrap().tick(), 3);
    // SAFETY: only plain data came out of v1.
    assert_eq!(
        unsafe { registry.unload_retired() },
        1,
        "v1 is really unmapped"
    );
}
