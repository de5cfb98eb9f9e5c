//! A migration across a nested change: the old layout is declared under new
//! names (`PriceBookV1` holding `PriceEntryV1`), and since versions follow
//! structure and not names, state saved by the old build is recognised as
//! `PriceBookV1` and migrated. Also: a generic viewmodel's readable name.

#![allow(missing_docs, reason = "a test crate: its items are fixtures, not API")]

use playground_runtime::{Model, Registry, Shared, model, view, viewmodel};

/// The old entry: what the previous build called `PriceEntry`.
#[model(name = "PriceEntry")]
#[derive(Clone, Default)]
pub struct PriceEntryV1 {
    pub sku: u32,
    pub cents: u32,
}

/// The old book: what the previous build called `PriceBook`.
#[model(name = "PriceBook")]
#[derive(Clone, Default)]
pub struct PriceBookV1 {
    pub entries: Vec<PriceEntryV1>,
}

/// The new entry: prices grew to 64 bits and gained a currency.
#[model]
#[derive(Clone, Default)]
pub struct PriceEntry {
    pub sku: u32,
    pub cents: u64,
    pub currency: String,
}

/// The new book: its own tokens are the old book's; only a nested type changed.
#[model(migrate_from(PriceBookV1))]
#[derive(Clone, Default)]
pub struct PriceBook {
    pub entries: Vec<PriceEntry>,
}

impl From<PriceBookV1> for PriceBook {
    fn from(old: PriceBookV1) -> Self {
        PriceBook {
            entries: old
                .entries
                .into_iter()
                .map(|e| PriceEntry {
                    sku: e.sku,
                    cents: u64::from(e.cents),
                    currency: "EUR".into(),
                })
                .collect(),
        }
    }
}

#[view]
pub trait Pricing: Send + Sync {
    fn set(&self, sku: u32, cents: u32);
    fn describe(&self) -> String;
}

#[derive(Default)]
pub struct OldPricing {
    book: Shared<PriceBookV1>,
}

#[viewmodel(state(book))]
impl Pricing for OldPricing {
    fn set(&self, sku: u32, cents: u32) {
        self.book.write().entries.push(PriceEntryV1 { sku, cents });
    }
    fn describe(&self) -> String {
        let book = self.book.read();
        let entries: Vec<String> = book
            .entries
            .iter()
            .map(|e| format!("{}={}", e.sku, e.cents))
            .collect();
        entries.join(",")
    }
}

#[derive(Default)]
pub struct NewPricing {
    book: Shared<PriceBook>,
}

#[viewmodel(state(book))]
impl Pricing for NewPricing {
    fn set(&self, sku: u32, cents: u32) {
        self.book.write().entries.push(PriceEntry {
            sku,
            cents: u64::from(cents),
            currency: "EUR".into(),
        });
    }
    fn describe(&self) -> String {
        let book = self.book.read();
        let entries: Vec<String> = book
            .entries
            .iter()
            .map(|e| format!("{}={}{}", e.sku, e.cents, e.currency))
            .collect();
        entries.join(",")
    }
}

#[test]
fn a_nested_change_is_migrated_from_the_old_layout_under_new_names() {
    assert_ne!(PriceBook::STATE_VERSION, PriceBookV1::STATE_VERSION);
    assert_eq!(PriceBook::MODEL_ID, PriceBookV1::MODEL_ID);

    let registry = Registry::linked();
    registry.bind::<dyn Pricing>("OldPricing").unwrap();
    let pricing = registry.get::<dyn Pricing>().unwrap();
    pricing.set(7, 250);
    pricing.set(9, 1000);
    assert_eq!(pricing.describe(), "7=250,9=1000");
    drop(pricing);

    registry.bind::<dyn Pricing>("NewPricing").unwrap();
    assert_eq!(
        registry.get::<dyn Pricing>().unwrap().describe(),
        "7=250EUR,9=1000EUR",
        "the old book was recognised as PriceBookV1 and migrated"
    );
}

// ---- a generic viewmodel ----

#[view]
pub trait Named: Send + Sync {
    fn name(&self) -> &'static str;
}

#[derive(Default)]
pub struct Gen<T>(std::marker::PhantomData<T>);

#[viewmodel]
impl Named for Gen<u8> {
    fn name(&self) -> &'static str {
        "u8"
    }
}

#[view]
pub trait Named2: Send + Sync {
    fn name(&self) -> &'static str;
}

#[viewmodel]
impl Named2 for Gen<Vec<String>> {
    fn name(&self) -> &'static str {
        "strings"
    }
}

#[test]
fn a_generic_viewmodel_has_a_readable_name() {
    let catalog = Registry::linked().catalog().to_string();
    assert!(catalog.contains("Gen<u8>"), "{catalog}");
    assert!(catalog.contains("Gen<Vec<String>>"), "{catalog}");
    let registry = Registry::linked();
    registry.bind::<dyn Named>("Gen<u8>").unwrap();
    assert_eq!(registry.get::<dyn Named>().unwrap().name(), "u8");
}

/// The first format of the book: one price, no entries.
#[model(name = "PriceBook")]
#[derive(Clone, Default)]
pub struct PriceBookV0 {
    pub only: u32,
}

/// The book's second format as a model that migrates from the first.
#[model(name = "PriceBook", migrate_from(PriceBookV0))]
#[derive(Clone, Default)]
pub struct PriceBookV1Migrating {
    pub entries: Vec<PriceEntryV1>,
}

impl From<PriceBookV0> for PriceBookV1Migrating {
    fn from(old: PriceBookV0) -> Self {
        let entries = vec![PriceEntryV1 {
            sku: 0,
            cents: old.only,
        }];
        PriceBookV1Migrating { entries }
    }
}

/// The current format, through the second: reads both older ones.
#[model(name = "PriceBook", migrate_from(PriceBookV1Migrating))]
#[derive(Clone, Default)]
pub struct PriceBookV2 {
    pub entries: Vec<PriceEntry>,
}

impl From<PriceBookV1Migrating> for PriceBookV2 {
    fn from(old: PriceBookV1Migrating) -> Self {
        let old = PriceBookV1 {
            entries: old.entries,
        };
        PriceBookV2 {
            entries: PriceBook::from(old).entries,
        }
    }
}

#[test]
fn a_model_lists_every_older_format_its_migrations_read_through_each_other() {
    assert_eq!(PriceBookV0::MIGRATIONS.as_slice(), &[]);
    assert_eq!(
        PriceBookV1Migrating::MIGRATIONS.as_slice(),
        &[PriceBookV0::STATE_VERSION]
    );
    assert_eq!(
        PriceBookV2::MIGRATIONS.as_slice(),
        &[
            PriceBookV1Migrating::STATE_VERSION,
            PriceBookV0::STATE_VERSION
        ]
    );
    // What the list says, `migrate` does: the oldest format is read.
    let oldest = PriceBookV0 { only: 7 }.encode().unwrap();
    let migrated = PriceBookV2::migrate(PriceBookV0::STATE_VERSION, &oldest)
        .expect("a format it lists")
        .unwrap();
    assert_eq!(migrated.entries[0].cents, 7);
    // The manifest of this program lists them.
    let manifest = playground_runtime::Manifest::linked();
    let listed = manifest
        .migrations
        .iter()
        .find(|m| m.state_version == PriceBookV2::STATE_VERSION)
        .expect("the record of `PriceBookV2`'s migrations");
    // `PriceBook` has `PriceBookV2`'s id and structure, so the same
    // version: the manifest says what either reads.
    assert_eq!(PriceBook::STATE_VERSION, PriceBookV2::STATE_VERSION);
    for version in PriceBookV2::MIGRATIONS.as_slice() {
        assert!(listed.reads.contains(version), "{listed:?}");
    }
    assert!(manifest.reads(
        PriceBookV2::MODEL_ID,
        PriceBookV2::STATE_VERSION,
        PriceBookV0::STATE_VERSION
    ));
}
