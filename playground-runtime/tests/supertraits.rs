//! Views with supertraits: another view, and std's `Debug`.

#![allow(missing_docs, reason = "a test crate: its items are fixtures, not API")]

use playground_runtime::{Registry, RegistryError, view, viewmodel};

#[view]
pub trait Named: Send + Sync {
    fn name(&self) -> String;
}

#[view]
pub trait WithSuper: Named + std::fmt::Debug + Send + Sync {
    fn shout(&self) -> String;
}

#[derive(Debug, Default)]
pub struct Loud;

// A plain impl: `Loud` serves `WithSuper`, and is `Named` as its supertrait
// asks (a type is the viewmodel of one view).
impl Named for Loud {
    fn name(&self) -> String {
        "loud".into()
    }
}

#[viewmodel]
impl WithSuper for Loud {
    fn shout(&self) -> String {
        self.name().to_uppercase()
    }
}

#[test]
fn a_view_with_supertraits_is_served_with_them() -> Result<(), RegistryError> {
    let registry = Registry::linked();
    let loud = registry.get::<dyn WithSuper>()?;
    assert_eq!(loud.shout(), "LOUD");
    assert_eq!(loud.name(), "loud", "the supertrait view, through the view");
    assert_eq!(format!("{:?}", &*loud), "Loud", "Debug, through the view");
    Ok(())
}

/// The alias most crates write for their errors.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[view]
pub trait Fallible: Send + Sync {
    fn try_it(&self, fail: bool) -> Result<u32, BoxError>;
}

#[derive(Default)]
pub struct Tries;

#[viewmodel]
impl Fallible for Tries {
    fn try_it(&self, fail: bool) -> Result<u32, BoxError> {
        if fail { Err("no".into()) } else { Ok(1) }
    }
}

#[test]
fn an_alias_of_a_boxed_error_crosses_a_view() -> Result<(), RegistryError> {
    let registry = Registry::linked();
    let tries = registry.get::<dyn Fallible>()?;
    assert_eq!(tries.try_it(false).unwrap(), 1);
    assert_eq!(tries.try_it(true).unwrap_err().to_string(), "no");
    Ok(())
}
