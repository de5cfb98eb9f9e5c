//! Model pools: generational handles, slot reuse, stale and foreign
//! handles, concurrent readers and writers, and the registry's ownership
//! (a rebound viewmodel gets the same pool, nothing saved or restored).

#![allow(missing_docs, reason = "a test crate: its items are fixtures, not API")]

use playground_runtime::{Pool, PoolError, Registry, model, view, viewmodel};
use std::sync::Arc;

#[model]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Item {
    pub name: String,
    pub count: u64,
}

/// An older format of `Item` (same name, so the same model id): a build
/// that still reads it must be refused the pool of the new one.
#[model(name = "Item")]
#[derive(Clone, Debug)]
pub struct ItemV0 {
    pub name: String,
}

fn item(name: &str, count: u64) -> Item {
    Item {
        name: name.into(),
        count,
    }
}

#[test]
fn insert_get_mutate_remove() {
    let pool = Pool::<Item>::detached();
    assert!(!pool.is_attached());
    let a = pool.insert(item("a", 1)).unwrap();
    let b = pool.insert(item("b", 2)).unwrap();
    assert_eq!(pool.len(), 2);
    assert_eq!(pool.get(a).unwrap().name, "a");
    pool.get_mut(b).unwrap().count += 10;
    assert_eq!(pool.with(b, |i| i.count).unwrap(), 12);
    pool.with_mut(a, |i| i.count = 7).unwrap();
    assert_eq!(pool.remove(a).unwrap(), item("a", 7));
    assert_eq!(pool.len(), 1);
    assert!(!pool.contains(a));
    assert!(pool.contains(b));
}

#[test]
fn freed_slots_are_reused_and_old_handles_are_stale() {
    let pool = Pool::<Item>::detached();
    let old = pool.insert(item("old", 1)).unwrap();
    pool.remove(old).unwrap();
    let new = pool.insert(item("new", 2)).unwrap();
    assert_eq!(new.index(), old.index(), "the freed slot is reused");
    assert_eq!(new.generation(), old.generation() + 1);
    // The old handle never reaches the new value.
    for result in [
        pool.get(old).map(|v| v.clone()),
        pool.get_mut(old).map(|v| v.clone()),
        pool.remove(old),
    ] {
        assert!(
            matches!(result, Err(PoolError::Stale { index, generation, .. })
                if index == old.index() && generation == old.generation()),
            "{result:?}"
        );
    }
    assert_eq!(pool.get(new).unwrap().name, "new");
    assert_eq!(pool.len(), 1);
}

#[test]
fn a_handle_of_another_pool_is_foreign() {
    let one = Pool::<Item>::detached();
    let other = Pool::<Item>::detached();
    let handle = one.insert(item("x", 1)).unwrap();
    other.insert(item("y", 1)).unwrap();
    assert!(matches!(other.get(handle), Err(PoolError::Foreign { .. })));
    assert!(matches!(
        other.remove(handle),
        Err(PoolError::Foreign { .. })
    ));
    assert_eq!(other.len(), 1);
}

#[test]
fn handles_and_for_each_list_live_values() {
    let pool = Pool::<Item>::detached();
    let handles: Vec<_> = (0..5).map(|i| pool.insert(item("n", i)).unwrap()).collect();
    pool.remove(handles[1]).unwrap();
    pool.remove(handles[3]).unwrap();
    assert_eq!(pool.handles(), vec![handles[0], handles[2], handles[4]]);
    let mut sum = 0;
    pool.for_each(|_, i| sum += i.count);
    assert_eq!(sum, 4 + 2);
}

#[test]
fn concurrent_readers_and_writers() {
    let pool = Arc::new(Pool::<Item>::detached());
    let shared = pool.insert(item("shared", 0)).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let pool = Arc::clone(&pool);
            std::thread::spawn(move || {
                for i in 0..2000u64 {
                    if t % 2 == 0 {
                        pool.with_mut(shared, |v| v.count += 1).unwrap();
                        let own = pool.insert(item("own", i)).unwrap();
                        assert_eq!(pool.get(own).unwrap().count, i);
                        assert_eq!(pool.remove(own).unwrap().count, i);
                        assert!(
                            matches!(pool.get(own), Err(PoolError::Stale { .. })),
                            "a removed handle is stale"
                        );
                    } else {
                        let _ = pool.get(shared).unwrap().count;
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(pool.get(shared).unwrap().count, 4000);
    assert_eq!(pool.len(), 1);
}

#[view]
pub trait Stock: Send + Sync {
    fn add(&self, name: &str, count: u64) -> u64;
    fn total(&self) -> u64;
    fn attached(&self) -> bool;
}

/// Keeps its items in the registry's pool, not in a field of its own.
#[derive(Default)]
pub struct Shelf {
    items: Pool<Item>,
}

#[viewmodel]
impl Stock for Shelf {
    fn add(&self, name: &str, count: u64) -> u64 {
        self.items.insert(item(name, count)).unwrap();
        self.total()
    }
    fn total(&self) -> u64 {
        let mut total = 0;
        self.items.for_each(|_, i| total += i.count);
        total
    }
    fn attached(&self) -> bool {
        self.items.is_attached()
    }
}

/// Another implementation, with no state declared: rebinding to it finds
/// the same pool.
#[derive(Default)]
pub struct Warehouse {
    items: Pool<Item>,
}

#[viewmodel]
impl Stock for Warehouse {
    fn add(&self, name: &str, count: u64) -> u64 {
        self.items.insert(item(name, count * 100)).unwrap();
        self.total()
    }
    fn total(&self) -> u64 {
        self.items
            .handles()
            .iter()
            .map(|&h| self.items.get(h).unwrap().count)
            .sum()
    }
    fn attached(&self) -> bool {
        self.items.is_attached()
    }
}

#[test]
fn the_registry_owns_the_pool_across_rebinding() {
    let registry = Registry::linked();
    registry.bind::<dyn Stock>("Shelf").unwrap();
    let stock = registry.get_owned::<dyn Stock>().unwrap();
    assert!(stock.attached());
    assert_eq!(stock.add("tea", 3), 3);
    let pool = registry.pool::<dyn Stock, Item>().unwrap();
    let handle = pool.handles()[0];
    assert_eq!(pool.get(handle).unwrap().name, "tea");

    registry.bind::<dyn Stock>("Warehouse").unwrap();
    let stock = registry.get::<dyn Stock>().unwrap();
    assert_eq!(stock.total(), 3, "the new viewmodel found the old values");
    assert_eq!(stock.add("rice", 1), 103);
    // A handle the host held stays valid: the same pool.
    assert_eq!(pool.get(handle).unwrap().name, "tea");
    assert_eq!(pool.len(), 2);

    // A second registry has pools of its own.
    let other = Registry::linked();
    other.bind::<dyn Stock>("Shelf").unwrap();
    assert_eq!(other.get::<dyn Stock>().unwrap().total(), 0);
    assert!(matches!(
        other.pool::<dyn Stock, u64>(),
        Err(PoolError::NoPool { .. })
    ));
}

#[test]
fn outside_a_construction_a_pool_is_detached() {
    let shelf = Shelf::default();
    assert!(!shelf.items.is_attached());
}

#[test]
fn a_pool_of_another_format_is_refused_warm_or_cold() {
    use playground_runtime::Model;
    let registry = Registry::linked();
    registry.bind::<dyn Stock>("Shelf").unwrap();
    assert_eq!(registry.get::<dyn Stock>().unwrap().add("tea", 3), 3);
    assert_eq!(Item::MODEL_ID, ItemV0::MODEL_ID);
    assert_ne!(Item::STATE_VERSION, ItemV0::STATE_VERSION);
    let refused = |registry: &Registry| match registry.pool::<dyn Stock, ItemV0>() {
        Err(PoolError::VersionMismatch {
            model,
            pooled,
            current,
            ..
        }) => {
            assert!(model.ends_with("Item"), "{model}");
            assert_eq!(
                (pooled, current),
                (Item::STATE_VERSION, ItemV0::STATE_VERSION)
            );
        }
        other => panic!("expected a version mismatch, got {other:?}"),
    };
    // This thread just looked the view up: the cached (unpinned) path sees
    // the pool first and must fall through to the error, not adopt it.
    refused(&registry);
    // A thread that never looked it up: the pinned path.
    std::thread::scope(|s| s.spawn(|| refused(&registry)).join().unwrap());
    // The pool itself is untouched and still serves its own format.
    let pool = registry.pool::<dyn Stock, Item>().unwrap();
    assert_eq!(pool.len(), 1);
    assert_eq!(registry.get::<dyn Stock>().unwrap().total(), 3);
}

#[test]
fn a_handle_crosses_as_bits_and_is_checked_on_the_way_back() {
    let pool = Pool::<Item>::detached();
    let a = pool.insert(item("a", 1)).unwrap();
    let b = pool.insert(item("b", 2)).unwrap();
    let bits = b.to_bits();
    assert_ne!(bits, a.to_bits());
    let back = pool.handle_from_bits(bits).unwrap();
    assert_eq!(back, b);
    assert_eq!(pool.get(back).unwrap().name, "b");

    // Removed: its bits are stale, and stay so when the slot is reused.
    pool.remove(b).unwrap();
    assert!(matches!(
        pool.handle_from_bits(bits),
        Err(PoolError::Stale {
            index: 1,
            generation: 0,
            ..
        })
    ));
    let reused = pool.insert(item("c", 3)).unwrap();
    assert_eq!(reused.index(), b.index());
    assert!(matches!(
        pool.handle_from_bits(bits),
        Err(PoolError::Stale { .. })
    ));

    // Another pool's bits, or bits that were never a handle's.
    let other = Pool::<Item>::detached();
    let foreign = other.insert(item("x", 0)).unwrap().to_bits();
    assert!(matches!(
        pool.handle_from_bits(foreign),
        Err(PoolError::Foreign { .. })
    ));
    assert!(matches!(
        pool.handle_from_bits(u128::MAX),
        Err(PoolError::Foreign { .. })
    ));
    assert!(matches!(
        pool.handle_from_bits(a.to_bits() & u128::from(u64::MAX)),
        Err(PoolError::Foreign { .. })
    ));
}
