//! A binding the program makes itself is the program's: loads of a module
//! that implements the same view leave it alone, say so, and the program
//! can bind the module's viewmodel by name, or let loads bind the view
//! again.

#![allow(missing_docs, reason = "a test crate: its items are fixtures, not API")]

use playground_runtime::{LeftAlone, Registry, RegistryError, viewmodel};
use reload_tests::{Fixture, library};
use twin_api::{Left, Right};

/// The program's own `Right`: build 0.
#[derive(Default)]
pub struct HostRight;

#[viewmodel]
impl Right for HostRight {
    fn build(&self) -> u32 {
        0
    }
}

fn right(registry: &Registry) -> u32 {
    registry.get::<dyn Right>().unwrap().build()
}

#[test]
fn a_load_leaves_a_view_the_program_bound_and_says_so() {
    let registry = Registry::linked();
    registry.bind::<dyn Right>("HostRight").unwrap();

    let report = registry.load(library(Fixture::Twin)).unwrap();
    assert_eq!(right(&registry), 0, "the program's binding stays");
    assert_eq!(registry.get::<dyn Left>().unwrap().build(), 1);
    assert_eq!(
        report
            .bound
            .iter()
            .map(|b| b.view.as_str())
            .collect::<Vec<_>>(),
        ["Left"]
    );
    assert_eq!(
        report.left_alone,
        [LeftAlone {
            view: "Right".into(),
            viewmodel: "RightHand".into(),
            bound: "HostRight".into(),
        }]
    );

    // The program can bind the module's viewmodel by name: then it is the
    // program's choice, which the next load leaves too.
    registry.bind::<dyn Right>("RightHand").unwrap();
    assert_eq!(right(&registry), 1);
    let report = registry.load(library(Fixture::TwinV2)).unwrap();
    assert_eq!(registry.get::<dyn Left>().unwrap().build(), 2);
    assert_eq!(right(&registry), 1, "still the build the program chose");
    assert_eq!(report.left_alone.len(), 1);
    // By name again: the newest build of that viewmodel.
    registry.bind::<dyn Right>("RightHand").unwrap();
    assert_eq!(right(&registry), 2);

    // Released: loads bind it again.
    assert!(registry.release::<dyn Right>());
    assert!(!registry.release::<dyn Right>(), "released once");
    registry.bind::<dyn Right>("HostRight").unwrap();
    assert!(registry.release::<dyn Right>());
    let report = registry.load(library(Fixture::Twin)).unwrap();
    assert!(report.left_alone.is_empty());
    assert_eq!(right(&registry), 1);
}

#[test]
fn without_a_bind_of_its_own_the_program_follows_loads() {
    let registry = Registry::linked();
    assert_eq!(right(&registry), 0, "linked: the only viewmodel of `Right`");
    let report = registry.load(library(Fixture::Twin)).unwrap();
    assert!(report.left_alone.is_empty());
    assert_eq!(right(&registry), 1);
}

#[test]
fn bind_names_what_it_knows_when_the_name_is_unknown() {
    let registry = Registry::linked();
    registry.load(library(Fixture::Twin)).unwrap();
    let Err(RegistryError::UnknownViewModel { known, .. }) = registry.bind::<dyn Right>("Nobody")
    else {
        panic!("expected UnknownViewModel");
    };
    assert_eq!(known, ["HostRight", "RightHand"], "linked, then loaded");
}
