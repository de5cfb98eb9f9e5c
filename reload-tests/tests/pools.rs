//! Model pools with real libraries: a module keeps its data in the
//! registry's pool with no state declared; a reload finds every value; a
//! changed model is migrated, or refused with the pool and the running
//! module untouched.

use playground_runtime::Registry;
use pool_api::Ledger;
use reload_tests::{Fixture, library};

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
    let refused = registry.load(library(Fixture::PoolModelV2)).unwrap_err();
    assert!(
        format!("{refused:?}").contains("Pool<Entry>"),
        "the refusal names the pool: {refused:?}"
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
