//! Reading a library that is not what it should be: real module libraries
//! built by cargo, mutated at random where the loader reads before any
//! code runs (the ELF header, the section headers, the manifest section,
//! anywhere else), then read as a manifest and checked against this
//! program. Every outcome must be a manifest or a typed error: never a
//! panic, a hang or a crash. (Loading is not fuzzed: without a
//! `.sha256` file a library's code bytes are trusted, as README says.)
//!
//! `PLAYGROUND_FUZZ_CASES` sets the number of cases (256 by default).

use object::{Object, ObjectSection};
use playground_runtime::{Manifest, Registry, View};
use proptest::prelude::*;
use proptest::sample::Index;
use reload_tests::{Fixture, fixture_target, library};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A module library's bytes, and the ranges the loader parses first.
struct Original {
    bytes: Vec<u8>,
    regions: Vec<Range<usize>>,
}

fn original() -> &'static Original {
    static ORIGINAL: OnceLock<Original> = OnceLock::new();
    ORIGINAL.get_or_init(|| {
        let bytes = std::fs::read(library(Fixture::V1)).expect("the fixture library");
        let file = object::File::parse(&*bytes).expect("an object file");
        let mut regions: Vec<Range<usize>> = Vec::new();
        regions.push(0..64.min(bytes.len()));
        for section in file.sections() {
            let name = section.name().unwrap_or_default();
            let parsed_first = ["linkme_MANIFEST", ".dynsym", ".dynstr"].contains(&name);
            if let (true, Some((offset, size))) = (parsed_first, section.file_range()) {
                regions.push(offset as usize..(offset + size) as usize);
            }
        }
        // The section header table, from the ELF header's `e_shoff`.
        let shoff = u64::from_le_bytes(bytes[0x28..0x30].try_into().unwrap()) as usize;
        if shoff < bytes.len() {
            regions.push(shoff..bytes.len());
        }
        regions.push(0..bytes.len());
        Original { bytes, regions }
    })
}

/// A file of this case's own.
fn scratch_file() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = fixture_target().join("scratch").join("fuzz");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!(
        "libmutated-{}-{}.so",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

fn cases() -> u32 {
    std::env::var("PLAYGROUND_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_mutated_library_is_read_or_refused_with_a_typed_error(
        edits in prop::collection::vec((any::<Index>(), any::<Index>(), any::<u8>()), 1..24),
        cut in prop::option::weighted(0.1, any::<Index>()),
    ) {
        let original = original();
        let mut bytes = original.bytes.clone();
        for (region, at, value) in &edits {
            let region = &original.regions[region.index(original.regions.len())];
            if region.is_empty() {
                continue;
            }
            bytes[region.start + at.index(region.len())] = *value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        let path = scratch_file();
        std::fs::write(&path, &bytes).unwrap();
        // Either answer will do; a panic fails the case (and a crash, the
        // whole test).
        let read = Manifest::read_library(&path);
        let checked = Registry::linked().check(&path);
        if let (Err(read), Err(checked)) = (&read, &checked) {
            prop_assert_eq!(&read.path, &path);
            prop_assert_eq!(&checked.path, &path);
        }
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn the_unmutated_library_reads_and_checks() {
    // Naming the view links its crate, and so its registration: the
    // program has the view the module implements.
    assert_eq!(<dyn counter_api::Counter as View>::NAME, "Counter");
    let path = library(Fixture::V1);
    assert!(Manifest::read_library(&path).is_ok());
    let checked = Registry::linked().check(&path);
    assert!(checked.is_ok(), "{:?}", checked.err());
}
