//! Structural fingerprints: versions follow the structure of every type a
//! view or a model uses, nested types included, and not the names the
//! types are spelled with. Each module below declares a variant of the same
//! items; the tests compare the constants the compiler computed.
//!
//! Views with the same name in one crate share an id, so this binary never
//! builds a `Registry`.
#![allow(dead_code)]

use playground_runtime::{Model, TypeFingerprint, View};

/// The baseline: a view over a plain struct, a plain enum and a model that
/// nests another model.
mod original {
    use playground_runtime::{TypeFingerprint, model, view};

    #[derive(TypeFingerprint)]
    #[repr(C)]
    pub struct Pose {
        pub x: f32,
        pub turn: f32,
    }

    #[derive(TypeFingerprint)]
    pub enum Mode {
        Walk,
        Run { speed: f32 },
    }

    #[model]
    pub struct Entry {
        pub sku: u32,
        pub cents: u64,
    }

    #[model]
    pub struct Book {
        pub entries: Vec<Entry>,
    }

    #[view(models(Book))]
    pub trait Shop: Send + Sync {
        fn pose(&self) -> Pose;
        fn set_mode(&self, mode: &Mode);
        fn book(&self) -> Book;
    }

    /// A view that uses the model only through a nested position.
    #[view]
    pub trait Audit: Send + Sync {
        fn entries(&self) -> Option<Vec<Entry>>;
    }
}

/// Every type renamed, the structure untouched.
mod renamed {
    use playground_runtime::{TypeFingerprint, model, view};

    #[derive(TypeFingerprint)]
    #[repr(C)]
    pub struct Placement {
        pub x: f32,
        pub turn: f32,
    }

    #[derive(TypeFingerprint)]
    pub enum Gait {
        Walk,
        Run { speed: f32 },
    }

    #[model(name = "Entry")]
    pub struct EntryV1 {
        pub sku: u32,
        pub cents: u64,
    }

    #[model(name = "Book")]
    pub struct BookV1 {
        pub entries: Vec<EntryV1>,
    }

    #[view(models(BookV1))]
    pub trait Shop: Send + Sync {
        fn pose(&self) -> Placement;
        fn set_mode(&self, mode: &Gait);
        fn book(&self) -> BookV1;
    }

    #[view]
    pub trait Audit: Send + Sync {
        fn entries(&self) -> Option<Vec<EntryV1>>;
    }
}

/// `Pose`'s fields swapped; the signature's text is the same.
mod swapped_fields {
    use playground_runtime::{TypeFingerprint, view};

    #[derive(TypeFingerprint)]
    #[repr(C)]
    pub struct Pose {
        pub turn: f32,
        pub x: f32,
    }

    #[derive(TypeFingerprint)]
    pub enum Mode {
        Walk,
        Run { speed: f32 },
    }

    pub use super::original::Book;

    #[view(models(Book))]
    pub trait Shop: Send + Sync {
        fn pose(&self) -> Pose;
        fn set_mode(&self, mode: &Mode);
        fn book(&self) -> Book;
    }
}

/// `Mode` gained a variant.
mod new_variant {
    use playground_runtime::{TypeFingerprint, view};

    pub use super::original::{Book, Pose};

    #[derive(TypeFingerprint)]
    pub enum Mode {
        Walk,
        Run { speed: f32 },
        Fly,
    }

    #[view(models(Book))]
    pub trait Shop: Send + Sync {
        fn pose(&self) -> Pose;
        fn set_mode(&self, mode: &Mode);
        fn book(&self) -> Book;
    }
}

/// The nested model `Entry` gained a field; `Book`'s tokens are the same.
mod nested_change {
    use playground_runtime::{model, view};

    pub use super::original::{Mode, Pose};

    #[model]
    pub struct Entry {
        pub sku: u32,
        pub cents: u64,
        pub note: String,
    }

    #[model]
    pub struct Book {
        pub entries: Vec<Entry>,
    }

    #[view(models(Book))]
    pub trait Shop: Send + Sync {
        fn pose(&self) -> Pose;
        fn set_mode(&self, mode: &Mode);
        fn book(&self) -> Book;
    }

    #[view]
    pub trait Audit: Send + Sync {
        fn entries(&self) -> Option<Vec<Entry>>;
    }
}

/// `repr` counts: it changes a layout.
mod other_repr {
    use playground_runtime::TypeFingerprint;

    #[derive(TypeFingerprint)]
    #[repr(C, packed)]
    pub struct Pose {
        pub x: f32,
        pub turn: f32,
    }
}

/// A field that is never saved still counts: its storage is adopted.
mod skipped {
    use playground_runtime::model;

    #[model]
    pub struct Cache {
        pub hits: u64,
        #[serde(skip)]
        pub scratch: Vec<u8>,
    }

    pub mod wider {
        use playground_runtime::model;

        #[model]
        pub struct Cache {
            pub hits: u64,
            #[serde(skip)]
            pub scratch: Vec<u64>,
        }
    }
}

/// Types that reach across a view in every form the macros rewrite.
mod shapes {
    use playground_runtime::{TypeFingerprint, view};

    #[derive(TypeFingerprint)]
    pub struct Tree {
        pub value: u32,
        pub children: Vec<Tree>,
    }

    #[derive(TypeFingerprint)]
    pub struct Pair<T> {
        pub left: T,
        pub right: T,
    }

    #[view]
    pub trait Callbacks: Send + Sync {
        fn on_error(&self, error: Box<dyn std::error::Error + Send + Sync>) -> Result<(), String>;
        fn visit<'a>(&'a self, visit: &mut dyn FnMut(&'a str) -> bool);
        fn pointer(&self, f: fn(&str) -> usize) -> Option<&dyn Callbacks>;
        fn tree(&self) -> Tree;
        fn pair(&self) -> Pair<u8>;
    }

    pub mod sync_error {
        use playground_runtime::view;

        #[view]
        pub trait Callbacks: Send + Sync {
            fn on_error(&self, error: Box<dyn std::error::Error + Send>) -> Result<(), String>;
            fn visit<'a>(&'a self, visit: &mut dyn FnMut(&'a str) -> bool);
            fn pointer(&self, f: fn(&str) -> usize) -> Option<&dyn Callbacks>;
            fn tree(&self) -> super::Tree;
            fn pair(&self) -> super::Pair<u8>;
        }
    }

    pub mod fn_mut_to_fn {
        use playground_runtime::view;

        #[view]
        pub trait Callbacks: Send + Sync {
            fn on_error(
                &self,
                error: Box<dyn std::error::Error + Send + Sync>,
            ) -> Result<(), String>;
            fn visit<'a>(&'a self, visit: &mut dyn Fn(&'a str) -> bool);
            fn pointer(&self, f: fn(&str) -> usize) -> Option<&dyn Callbacks>;
            fn tree(&self) -> super::Tree;
            fn pair(&self) -> super::Pair<u8>;
        }
    }

    pub mod pointer_result {
        use playground_runtime::view;

        #[view]
        pub trait Callbacks: Send + Sync {
            fn on_error(
                &self,
                error: Box<dyn std::error::Error + Send + Sync>,
            ) -> Result<(), String>;
            fn visit<'a>(&'a self, visit: &mut dyn FnMut(&'a str) -> bool);
            fn pointer(&self, f: fn(&str) -> isize) -> Option<&dyn Callbacks>;
            fn tree(&self) -> super::Tree;
            fn pair(&self) -> super::Pair<u8>;
        }
    }

    pub mod pair_of_u16 {
        use playground_runtime::view;

        #[view]
        pub trait Callbacks: Send + Sync {
            fn on_error(
                &self,
                error: Box<dyn std::error::Error + Send + Sync>,
            ) -> Result<(), String>;
            fn visit<'a>(&'a self, visit: &mut dyn FnMut(&'a str) -> bool);
            fn pointer(&self, f: fn(&str) -> usize) -> Option<&dyn Callbacks>;
            fn tree(&self) -> super::Tree;
            fn pair(&self) -> super::Pair<u16>;
        }
    }
}

/// A type of another crate, declared opaque.
mod foreign {
    use playground_runtime::view;

    #[view(opaque(std::sync::mpsc::Sender))]
    pub trait Outbox: Send + Sync {
        fn sender(&self) -> Sender<u32>;
    }

    pub use std::sync::mpsc::Sender;

    pub mod wider {
        use playground_runtime::view;
        pub use std::sync::mpsc::Sender;

        #[view(opaque(std::sync::mpsc::Sender))]
        pub trait Outbox: Send + Sync {
            fn sender(&self) -> Option<Sender<u32>>;
        }
    }
}

fn api<T: ?Sized + View>() -> u64 {
    T::API_VERSION.get()
}

/// A fieldless enum whose discriminants are a constant's, in two builds
/// where the constant has another value (the tokens read the same).
mod discriminants {
    pub mod before {
        use playground_runtime::TypeFingerprint;
        pub const FIRST: u8 = 1;
        #[derive(TypeFingerprint)]
        #[repr(u8)]
        pub enum Code {
            A = FIRST,
            B,
        }
    }
    pub mod after {
        use playground_runtime::TypeFingerprint;
        pub const FIRST: u8 = 7;
        #[derive(TypeFingerprint)]
        #[repr(u8)]
        pub enum Code {
            A = FIRST,
            B,
        }
    }
    pub mod same {
        use playground_runtime::TypeFingerprint;
        pub const FIRST: u8 = 1;
        #[derive(TypeFingerprint)]
        #[repr(u8)]
        pub enum Code {
            A = FIRST,
            B,
        }
    }
}

#[test]
fn a_discriminant_from_a_constant_counts_by_its_value() {
    assert_ne!(
        discriminants::before::Code::FINGERPRINT,
        discriminants::after::Code::FINGERPRINT,
        "an edited constant is another structure"
    );
    assert_eq!(
        discriminants::before::Code::FINGERPRINT,
        discriminants::same::Code::FINGERPRINT,
        "the same values, the same structure"
    );
}

#[test]
fn renaming_types_changes_no_fingerprint_and_no_version() {
    assert_eq!(original::Pose::FINGERPRINT, renamed::Placement::FINGERPRINT);
    assert_eq!(original::Mode::FINGERPRINT, renamed::Gait::FINGERPRINT);
    assert_eq!(
        original::Book::STATE_VERSION,
        renamed::BookV1::STATE_VERSION
    );
    assert_eq!(api::<dyn original::Shop>(), api::<dyn renamed::Shop>());
    assert_eq!(api::<dyn original::Audit>(), api::<dyn renamed::Audit>());
}

#[test]
fn a_plain_struct_in_a_signature_moves_the_api_version() {
    assert_ne!(
        original::Pose::FINGERPRINT,
        swapped_fields::Pose::FINGERPRINT
    );
    assert_ne!(
        api::<dyn original::Shop>(),
        api::<dyn swapped_fields::Shop>(),
        "same text, fields swapped"
    );
}

#[test]
fn a_new_enum_variant_moves_the_api_version() {
    assert_ne!(original::Mode::FINGERPRINT, new_variant::Mode::FINGERPRINT);
    assert_ne!(
        api::<dyn original::Shop>(),
        api::<dyn new_variant::Shop>(),
        "`&Mode` in a parameter"
    );
}

#[test]
fn a_nested_change_moves_the_outer_state_version_and_every_view_using_it() {
    assert_ne!(
        original::Entry::STATE_VERSION,
        nested_change::Entry::STATE_VERSION
    );
    assert_ne!(
        original::Book::STATE_VERSION,
        nested_change::Book::STATE_VERSION,
        "Book's own tokens did not change"
    );
    assert_ne!(
        api::<dyn original::Shop>(),
        api::<dyn nested_change::Shop>()
    );
    assert_ne!(
        api::<dyn original::Audit>(),
        api::<dyn nested_change::Audit>(),
        "Entry reaches Audit only inside Option<Vec<_>>"
    );
}

#[test]
fn repr_is_part_of_the_fingerprint() {
    assert_ne!(original::Pose::FINGERPRINT, other_repr::Pose::FINGERPRINT);
}

#[test]
fn a_skipped_field_still_counts() {
    assert_ne!(
        skipped::Cache::STATE_VERSION,
        skipped::wider::Cache::STATE_VERSION
    );
}

#[test]
fn trait_objects_fn_pointers_and_generics_are_folded_by_structure() {
    let base = api::<dyn shapes::Callbacks>();
    for (what, other) in [
        ("+ Sync dropped", api::<dyn shapes::sync_error::Callbacks>()),
        (
            "FnMut became Fn",
            api::<dyn shapes::fn_mut_to_fn::Callbacks>(),
        ),
        (
            "fn pointer result",
            api::<dyn shapes::pointer_result::Callbacks>(),
        ),
        (
            "Pair<u8> became Pair<u16>",
            api::<dyn shapes::pair_of_u16::Callbacks>(),
        ),
    ] {
        assert_ne!(base, other, "{what}");
    }
    assert_ne!(
        <shapes::Pair<u8>>::FINGERPRINT,
        <shapes::Pair<u16>>::FINGERPRINT
    );
    // A recursive type has a fingerprint (its own name inside is `Self`).
    assert_ne!(shapes::Tree::FINGERPRINT, 0);
    // A view's trait object has the view's API version as its fingerprint.
    assert_eq!(<dyn shapes::Callbacks>::FINGERPRINT, base);
}

#[test]
fn an_opaque_type_counts_by_size_align_and_path() {
    assert_ne!(
        api::<dyn foreign::Outbox>(),
        api::<dyn foreign::wider::Outbox>()
    );
    assert_ne!(api::<dyn foreign::Outbox>(), 0);
}

/// A generic type inside itself with other arguments is another type.
mod generic_self {
    use playground_runtime::TypeFingerprint;

    #[derive(TypeFingerprint)]
    pub struct Node<T> {
        pub value: T,
        pub next: Option<Box<Node<u32>>>,
    }

    pub mod wider {
        use playground_runtime::TypeFingerprint;

        #[derive(TypeFingerprint)]
        pub struct Node<T> {
            pub value: T,
            pub next: Option<Box<Node<u64>>>,
        }
    }
}

#[test]
fn a_generic_type_inside_itself_counts_its_arguments() {
    assert_ne!(
        <generic_self::Node<u8>>::FINGERPRINT,
        <generic_self::wider::Node<u8>>::FINGERPRINT,
        "Node<u32> became Node<u64> inside Node<T>"
    );
}
