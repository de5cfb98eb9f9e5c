//! Model pools with real libraries: a module keeps its data in the
//! registry's pool with no state declared; a reload finds every value; a
//! changed model is migrated, or refused with the pool and the running
//! module untouched.

use playground_runtime::{
    LoadErrorKind, Manifest, Model, PoolError, Registry, RegistryError, StateError, Uses, model,
    view, viewmodel,
};
use pool_api::Ledger;
use reload_tests::{Fixture, library};

/// A view of the program's whose viewmodel uses the module's `Ledger`.
#[view]
pub trait Audit: Send + Sync {
    /// The ledger's build, count and sum, through the viewmodel's `Uses`
    /// handle.
    fn audit(&self) -> Result<(u32, usize, u64), RegistryError>;
}

/// Linked into the program: made once, with its handle, by
/// `Registry::linked`.
#[derive(Default)]
pub struct Auditor {
    ledger: Uses<dyn Ledger>,
}

#[viewmodel]
impl Audit for Auditor {
    fn audit(&self) -> Result<(u32, usize, u64), RegistryError> {
        let ledger = self.ledger.get().map_err(|e| *e)?;
        Ok((ledger.build(), ledger.count(), ledger.sum()))
    }
}

#[test]
fn a_pool_outlives_every_build_of_the_module() {
    let registry = Registry::linked();
    registry.load(library(Fixture::Pool)).unwrap();
    let ledger = || registry.get::<dyn Ledger>().unwrap();
    assert_eq!(ledger().build(), 1);
    for amount in [1, 2, 3] {
        ledger().deposit(amount);
    }
    assert_eq!(ledger().withdraw_first(), Some(1));
    // The freed slot is reused.
    assert_eq!(ledger().deposit(10), 3);
    assert_eq!((ledger().count(), ledger().sum()), (3, 15));

    // A new build: nothing saved or restored, the pool is the registry's.
    registry.load(library(Fixture::PoolV2)).unwrap();
    assert_eq!(ledger().build(), 2);
    assert_eq!((ledger().count(), ledger().sum()), (3, 15));
    ledger().deposit(5);
    assert_eq!((ledger().count(), ledger().sum()), (4, 20));

    // The pooled model changed without a migration: refused, and the
    // running module and its pool are untouched.
    let checked = registry.check(library(Fixture::PoolModelV2)).unwrap_err();
    let refused = registry.load(library(Fixture::PoolModelV2)).unwrap_err();
    assert_eq!(
        checked.to_string(),
        refused.to_string(),
        "check says what load says"
    );
    assert!(
        format!("{refused:?}").contains("Pool<Entry>"),
        "the refusal names the pool: {refused:?}"
    );
    // Declared (`#[viewmodel(pools(entries))]`), the pool is named by its
    // field, by check and load alike.
    let declared = library(Fixture::PoolModelV2Declared);
    let checked = registry.check(&declared).unwrap_err();
    let refused_declared = registry.load(&declared).unwrap_err();
    assert_eq!(checked.to_string(), refused_declared.to_string());
    assert!(
        refused_declared
            .to_string()
            .contains("field `entries` holds model `Entry`"),
        "{refused_declared}"
    );
    // A migrating build would load.
    registry
        .check(library(Fixture::PoolModelV2Migrate))
        .unwrap();
    // `Entry` is the module's own: what changed comes from the manifest of
    // the build that made the pool.
    assert!(
        refused
            .to_string()
            .contains("what changed:\n  - added field `migrated`: `bool`"),
        "{refused}"
    );
    assert_eq!(ledger().build(), 2);
    assert_eq!((ledger().count(), ledger().sum()), (4, 20));
    ledger().deposit(1);

    // With a migration: every value is migrated into the new format.
    registry.load(library(Fixture::PoolModelV2Migrate)).unwrap();
    assert_eq!(ledger().build(), 3);
    assert_eq!((ledger().count(), ledger().sum()), (5, 21));
    assert_eq!(ledger().withdraw_first(), Some(10));
    assert_eq!((ledger().count(), ledger().sum()), (4, 11));

    // And back to a build of the same format: adopted as it is.
    registry.load(library(Fixture::PoolModelV2Migrate)).unwrap();
    assert_eq!((ledger().count(), ledger().sum()), (4, 11));
}

#[test]
fn a_pool_migration_is_published_only_when_the_whole_load_succeeds() {
    let registry = Registry::linked();
    registry.load(library(Fixture::Pool)).unwrap();
    let ledger = || registry.get::<dyn Ledger>().unwrap();
    for amount in [1, 2, 3] {
        ledger().deposit(amount);
    }

    // The new build's pool is migrated, then its constructor panics.
    let error = registry
        .load(library(Fixture::PoolModelV2MigratePanic))
        .unwrap_err();
    let LoadErrorKind::Bind { source, .. } = &error.kind else {
        panic!("expected Bind, got {error}");
    };
    assert!(
        matches!(&**source, RegistryError::ConstructorPanicked { message, .. }
            if message.contains("after its pool was made")),
        "{error}"
    );
    // The running build and its pool are untouched...
    assert_eq!(
        (ledger().build(), ledger().count(), ledger().sum()),
        (1, 3, 6)
    );
    ledger().deposit(4);
    assert_eq!((ledger().count(), ledger().sum()), (4, 10));
    // ...and so is the registry's pool: a build of the old format adopts
    // it as it is (a migrated pool in its place would refuse this build,
    // having no migration back, or miss the deposit just made).
    registry.load(library(Fixture::PoolV2)).unwrap();
    assert_eq!(
        (ledger().build(), ledger().count(), ledger().sum()),
        (2, 4, 10)
    );
    ledger().deposit(5);

    // The same migration, in a load that succeeds: every value, the last
    // deposit included.
    registry.load(library(Fixture::PoolModelV2Migrate)).unwrap();
    assert_eq!(
        (ledger().build(), ledger().count(), ledger().sum()),
        (3, 5, 15)
    );
    assert_eq!(ledger().withdraw_first(), Some(1));
}

#[test]
fn handles_held_across_a_pool_migrating_reload_work_on() {
    let registry = Registry::linked();
    registry.load(library(Fixture::Pool)).unwrap();
    let mut cached = registry.view_cache::<dyn Ledger>().unwrap();
    let owned = registry.get_owned::<dyn Ledger>().unwrap();
    cached.get().unwrap().deposit(1);
    owned.deposit(2);
    assert_eq!(cached.get().unwrap().sum(), 3);

    registry.load(library(Fixture::PoolModelV2Migrate)).unwrap();
    // The cache, kept across the reload, serves the new build from its
    // next call, on the migrated values.
    let ledger = cached.get().unwrap();
    assert_eq!((ledger.build(), ledger.count(), ledger.sum()), (3, 2, 3));
    ledger.deposit(4);
    assert_eq!(cached.get().unwrap().sum(), 7);
    assert_eq!(
        registry.get::<dyn Ledger>().unwrap().sum(),
        7,
        "the cache and the registry serve the same pool"
    );
    // The owned handle keeps the build it was taken from, which answers
    // from the pool of its own format: the migrated values are never read
    // as the old type.
    assert_eq!((owned.build(), owned.count(), owned.sum()), (1, 2, 3));
}

#[test]
fn a_uses_handle_held_across_a_pool_migrating_reload_reaches_the_migrated_pool() {
    let registry = Registry::linked();
    // The program's auditor and its handle to `Ledger` live through every
    // load below.
    let audit = || registry.get::<dyn Audit>().unwrap().audit();
    assert!(matches!(audit(), Err(RegistryError::NoViewModel { .. })));
    registry.load(library(Fixture::Pool)).unwrap();
    let ledger = || registry.get::<dyn Ledger>().unwrap();
    ledger().deposit(1);
    ledger().deposit(2);
    assert_eq!(audit().unwrap(), (1, 2, 3));

    registry.load(library(Fixture::PoolModelV2Migrate)).unwrap();
    assert_eq!(
        audit().unwrap(),
        (3, 2, 3),
        "the new build, migrated values"
    );
    ledger().deposit(4);
    assert_eq!(audit().unwrap(), (3, 3, 7));
}

/// The program's own copy of the module's `Entry` (same fields, so the
/// same encoding; its id is the program's own): what a host writes to
/// decode the module's values without linking the module.
#[model(name = "Entry")]
pub struct EntryCopy {
    pub amount: u64,
}

#[test]
fn the_host_reads_a_modules_pool_without_linking_the_model() {
    let registry = Registry::linked();
    registry.load(library(Fixture::Pool)).unwrap();
    let ledger = || registry.get::<dyn Ledger>().unwrap();
    for amount in [4, 5, 6] {
        ledger().deposit(amount);
    }
    ledger().withdraw_first();

    let values = registry.pool_values::<dyn Ledger>("Entry").unwrap();
    assert_eq!(values.len(), 2, "removed values are not listed");
    // Tagged as the module's manifest lists its `Entry`.
    let manifest = Manifest::read_library(library(Fixture::Pool)).unwrap();
    let entry = manifest.models.iter().find(|m| m.name == "Entry").unwrap();
    assert!(values.iter().all(|v| v.model_id == entry.model_id));
    assert!(
        values
            .iter()
            .all(|v| v.state_version == entry.state_version)
    );
    assert_ne!(entry.model_id, EntryCopy::MODEL_ID, "another crate's model");
    let amounts: Vec<u64> = values
        .iter()
        .map(|v| EntryCopy::decode(&v.bytes).unwrap().amount)
        .collect();
    assert_eq!(amounts, [5, 6]);
    // Each handle's bits are distinct and name its slot and generation.
    assert_eq!(values[0].handle as u32, 0, "generation 0");
    assert_eq!(
        (values[0].handle >> 32) as u32,
        1,
        "slot 1: slot 0 was freed"
    );
    assert_ne!(values[0].handle, values[1].handle);

    // After a reload of the same format, the same values and handles.
    registry.load(library(Fixture::PoolV2)).unwrap();
    assert_eq!(registry.pool_values::<dyn Ledger>("Entry").unwrap(), values);

    // A model the view keeps no pool of.
    assert!(matches!(
        registry.pool_values::<dyn Ledger>("Nothing"),
        Err(StateError::Pool(PoolError::NoPool { .. }))
    ));
}
