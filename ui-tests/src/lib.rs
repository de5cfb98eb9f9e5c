//! Compile-fail tests of the playground macros: each `tests/ui/NAME.rs` is a
//! misuse, and `NAME.stderr` is the error the user sees. Run with
//! `cargo test -p ui-tests`; after a deliberate change to a message, refresh
//! the snapshots with `TRYBUILD=overwrite cargo test -p ui-tests` and review
//! the diff.

/// The README's code, compiled and run as a doctest.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
