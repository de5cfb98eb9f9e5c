//! Verify before running, and nothing a module does aborts the host: the
//! careless user's files and mistakes, with real libraries built by cargo
//! during the run.

use counter_api::Counter;
use playground_runtime::{
    BuildPart, Fingerprint, LoadError, LoadErrorKind, Manifest, Registry, RegistryError,
    write_sha256,
};
use reload_tests::{Fixture, alloc_host, fixture_target, library};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc::channel;
use std::time::Duration;

fn loaded(fixture: Fixture) -> Registry {
    let registry = Registry::linked();
    registry.load(library(fixture)).unwrap();
    registry
}

/// A scratch directory of this test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = fixture_target().join("scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `registry.load(path)` on another thread, failing the test if it hangs.
fn load_within(registry: Registry, path: &Path, limit: Duration) -> Result<(), LoadError> {
    let (sender, receiver) = channel();
    let path = path.to_owned();
    std::thread::spawn(move || {
        let _ = sender.send(registry.load(&path).map(drop));
    });
    receiver
        .recv_timeout(limit)
        .expect("Registry::load returned in time")
}

/// The file a fixture's static initialiser writes in this process, if it
/// ran (see the counter module's `INIT_MARKER`).
fn init_marker(variant: &str) -> PathBuf {
    std::env::temp_dir()
        .join(format!("playground-init-{}", std::process::id()))
        .join(format!("init-marker-{variant}"))
}

#[test]
fn a_refused_module_runs_none_of_its_code_and_a_loaded_one_does() {
    // Refused (another API): not one static initialiser ran.
    let refused = Registry::linked()
        .load(library(Fixture::ApiV2InitMarker))
        .unwrap_err();
    assert!(
        matches!(refused.kind, LoadErrorKind::ApiVersion { .. }),
        "{refused}"
    );
    assert!(
        !init_marker("api-v2").exists(),
        "the refused library's initialiser ran"
    );
    // The same initialiser in a library that loads: it runs, so the check
    // above can see one that ran.
    let registry = loaded(Fixture::InitMarker);
    assert_eq!(registry.get::<dyn Counter>().unwrap().add(1), 1);
    assert!(
        init_marker("v1").exists(),
        "a loaded library's initialiser ran"
    );
    let _ = std::fs::remove_dir_all(init_marker("v1").parent().unwrap());
}

#[test]
fn a_load_from_a_callback_inside_a_view_call_is_refused_not_deadlocked() {
    let registry = std::sync::Arc::new(loaded(Fixture::LockedCallback));
    registry.get::<dyn Counter>().unwrap().fill(2);
    let migrate = library(Fixture::StateV2Migrate);
    let (sender, receiver) = channel();
    {
        let registry = registry.clone();
        // On a thread of its own: a deadlock fails the test instead of
        // hanging it.
        std::thread::spawn(move || {
            let counter = registry.get::<dyn Counter>().unwrap();
            let mut inside = None;
            // The module holds its state's write lock while this runs; the
            // load would migrate that state, reading it under that lock.
            counter.each_record(&mut |_| {
                if inside.is_none() {
                    inside = Some(registry.load(&migrate).map(|_| ()));
                }
            });
            drop(counter);
            let outside = registry.load(&migrate).map(|_| ());
            let _ = sender.send((inside, outside));
        });
    }
    let (inside, outside) = receiver
        .recv_timeout(Duration::from_secs(60))
        .expect("the load from inside the callback returned");
    let inside = inside.expect("the callback ran").unwrap_err();
    assert!(matches!(inside.kind, LoadErrorKind::InCallback), "{inside}");
    // Refused without a change; from outside the call, the same load
    // migrates the state.
    outside.unwrap();
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!(counter.total(), 2);
}

#[test]
fn a_constructor_panicking_in_a_library_refuses_the_load_and_keeps_the_old_binding() {
    let registry = loaded(Fixture::V1);
    registry.get::<dyn Counter>().unwrap().add(3);
    let error = registry
        .load(library(Fixture::ConstructorPanic))
        .unwrap_err();
    let LoadErrorKind::Bind { source, .. } = &error.kind else {
        panic!("expected Bind, got {error}");
    };
    assert!(
        matches!(&**source, RegistryError::ConstructorPanicked { message, .. }
            if message.contains("the new viewmodel's constructor panicked")),
        "{error}"
    );
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!((counter.version(), counter.total()), (1, 3));
    assert_eq!(counter.add(1), 4, "the old build runs on");
}

#[test]
fn a_module_built_with_another_panic_strategy_is_refused() {
    let error = Registry::linked()
        .load(library(Fixture::PanicAbort))
        .unwrap_err();
    assert!(
        matches!(&error.kind, LoadErrorKind::Fingerprint { what: BuildPart::Panic, host, module }
            if host == "unwind" && module == "abort"),
        "{error}"
    );
}

#[test]
fn a_module_built_by_another_toolchain_is_refused_before_it_runs() {
    let registry = loaded(Fixture::V1);
    registry.get::<dyn Counter>().unwrap().add(2);
    let error = registry.load(library(Fixture::OtherRustc)).unwrap_err();
    let host = Fingerprint::host().rustc;
    let host = host.as_str();
    assert_ne!(host, reload_tests::OTHER_RUSTC_VERSION);
    assert!(
        matches!(&error.kind, LoadErrorKind::Fingerprint { what: BuildPart::Rustc, host: h, module }
            if h == host && module == reload_tests::OTHER_RUSTC_VERSION),
        "{error}"
    );
    assert_eq!(error.path, library(Fixture::OtherRustc));
    let message = error.to_string();
    assert!(
        message.contains(host) && message.contains(reload_tests::OTHER_RUSTC_VERSION),
        "the refusal names both toolchains: {message}"
    );
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!(
        (counter.version(), counter.total()),
        (1, 2),
        "nothing changed"
    );
}

#[test]
fn a_device_file_is_refused_unread() {
    // `/dev/zero` would read for ever; `/dev/null` would read as empty.
    for device in ["/dev/zero", "/dev/null"] {
        let error = load_within(
            Registry::linked(),
            Path::new(device),
            Duration::from_secs(10),
        )
        .unwrap_err();
        assert!(
            matches!(error.kind, LoadErrorKind::NotAFile { kind: "a device" }),
            "{error}"
        );
        assert_eq!(error.path, Path::new(device));
    }
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = scratch("fifo");
    let fifo = dir.join("libcounter.so");
    reload_tests::fifo(&fifo);
    let error = load_within(Registry::linked(), &fifo, Duration::from_secs(10)).unwrap_err();
    assert!(
        matches!(
            &error.kind,
            LoadErrorKind::NotAFile {
                kind: "a FIFO (named pipe)"
            }
        ) && error.path == fifo,
        "{error}"
    );
    let error = load_within(Registry::linked(), &dir, Duration::from_secs(10)).unwrap_err();
    assert!(
        matches!(
            error.kind,
            LoadErrorKind::NotAFile {
                kind: "a directory",
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn an_export_of_the_wrong_kind_is_refused_before_it_is_called() {
    let error = Registry::linked()
        .load(library(Fixture::StaticExport))
        .unwrap_err();
    let LoadErrorKind::NotAModule { message, .. } = &error.kind else {
        panic!("expected NotAModule, got {error}");
    };
    assert!(message.contains("not as a function"), "{message}");

    // A function that would return null: the library has no build record
    // (it does not link playground-runtime), so it is never opened.
    let error = Registry::linked()
        .load(library(Fixture::NullExport))
        .unwrap_err();
    let LoadErrorKind::NotAModule { message, .. } = &error.kind else {
        panic!("expected NotAModule, got {error}");
    };
    assert!(message.contains("playground_build_v1"), "{message}");
}

#[test]
fn a_module_with_its_own_allocator_is_refused() {
    let error = Registry::linked()
        .load(library(Fixture::OwnAllocator))
        .unwrap_err();
    assert!(
        matches!(&error.kind, LoadErrorKind::Fingerprint { what: BuildPart::Allocator, host, module, .. }
            if host == "system" && module == "custom"),
        "{error}"
    );
}

#[test]
fn a_host_with_its_own_allocator_refuses_modules() {
    let module = library(Fixture::V1);
    let run = |features: &[&str]| {
        let output = std::process::Command::new(alloc_host(features))
            .arg(&module)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(run(&[]).trim(), "loaded: total 2");
    let refused = run(&["own-allocator"]);
    assert!(
        refused.starts_with("refused: ")
            && refused.contains("global allocator")
            && refused.contains("`custom`")
            && refused.contains("`system`"),
        "{refused}"
    );
}

#[test]
fn the_dynamic_loaders_own_reason_is_kept() {
    let error = Registry::linked()
        .load(library(Fixture::MissingSymbol))
        .unwrap_err();
    let LoadErrorKind::Open { message, .. } = &error.kind else {
        panic!("expected Open, got {error}");
    };
    assert!(
        message.contains("undefined symbol") && message.contains("playground_fixture_missing"),
        "{message}"
    );
}

/// Copies the library of `fixture` to `dir/name`, with `edit` applied to
/// its bytes.
fn edited(fixture: Fixture, dir: &Path, name: &str, edit: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(library(fixture)).unwrap();
    edit(&mut bytes);
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The file offset of the first loadable segment's program header.
fn first_load_header(bytes: &[u8]) -> usize {
    let table = u64::from_le_bytes(bytes[0x20..0x28].try_into().unwrap()) as usize;
    let entry = u16::from_le_bytes(bytes[0x36..0x38].try_into().unwrap()) as usize;
    (0..)
        .map(|i| table + i * entry)
        .find(|&at| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) == 1)
        .unwrap()
}

/// The file range of the `.text` section.
fn text_range(bytes: &[u8]) -> std::ops::Range<usize> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(bytes).unwrap();
    let (offset, size) = file.section_by_name(".text").unwrap().file_range().unwrap();
    offset as usize..(offset + size) as usize
}

#[test]
fn a_corrupted_program_header_is_refused_with_or_without_a_hash() {
    let dir = scratch("corrupt-header");
    // The first loadable segment's file size (p_filesz, at +32), made huge.
    let corrupt = |bytes: &mut Vec<u8>| {
        let at = first_load_header(bytes) + 32;
        bytes[at..at + 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    };
    let bare = edited(Fixture::V1, &dir, "bare.so", corrupt);
    let error = Registry::linked().load(&bare).unwrap_err();
    assert!(matches!(error.kind, LoadErrorKind::Open { .. }), "{error}");

    // With the hash of the good build beside it: the hash says it first.
    let hashed = edited(Fixture::V1, &dir, "hashed.so", |_| {});
    write_sha256(&hashed).unwrap();
    let mut bytes = std::fs::read(&hashed).unwrap();
    corrupt(&mut bytes);
    std::fs::write(&hashed, bytes).unwrap();
    let error = Registry::linked().load(&hashed).unwrap_err();
    assert!(matches!(error.kind, LoadErrorKind::Hash { .. }), "{error}");
}

#[test]
fn corrupted_code_is_refused_by_its_hash() {
    let dir = scratch("corrupt-text");
    let path = edited(Fixture::V1, &dir, "libcounter.so", |_| {});
    let good = write_sha256(&path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let text = text_range(&bytes);
    let middle = text.start + text.len() / 2;
    bytes[middle..middle + 8].copy_from_slice(&[0x0f, 0x0b, 0x0f, 0x0b, 0xcc, 0xcc, 0xcc, 0xcc]);
    std::fs::write(&path, &bytes).unwrap();

    let registry = loaded(Fixture::V1);
    registry.get::<dyn Counter>().unwrap().add(3);
    let error = registry.load(&path).unwrap_err();
    let LoadErrorKind::Hash {
        expected, actual, ..
    } = &error.kind
    else {
        panic!("expected Hash, got {error}");
    };
    assert_eq!(expected, &good);
    assert_ne!(actual, &good);
    assert!(error.to_string().contains(&path.display().to_string()));
    assert_eq!(registry.get::<dyn Counter>().unwrap().total(), 3);

    // The intact build, with its hash, loads and reports it.
    std::fs::copy(library(Fixture::V2), &path).unwrap();
    let hash = write_sha256(&path).unwrap();
    let report = registry.load(&path).unwrap();
    assert_eq!(report.sha256, hash);
    assert_eq!(registry.get::<dyn Counter>().unwrap().total(), 3);
}

#[test]
fn a_malformed_hash_file_is_refused() {
    let dir = scratch("bad-sidecar");
    let path = edited(Fixture::V1, &dir, "libcounter.so", |_| {});
    std::fs::write(dir.join("libcounter.so.sha256"), "not a hash\n").unwrap();
    let error = Registry::linked().load(&path).unwrap_err();
    assert!(
        matches!(error.kind, LoadErrorKind::Sidecar { .. }),
        "{error}"
    );
}

#[test]
fn a_huge_hash_file_is_refused_without_being_read() {
    let dir = scratch("huge-sidecar");
    let path = edited(Fixture::V1, &dir, "libcounter.so", |_| {});
    // 2 GiB, sparse: reading it whole would take 2 GiB of memory.
    let sidecar = std::fs::File::create(dir.join("libcounter.so.sha256")).unwrap();
    sidecar.set_len(2 << 30).unwrap();
    let error = Registry::linked().load(&path).unwrap_err();
    let LoadErrorKind::Sidecar { message, .. } = &error.kind else {
        panic!("expected Sidecar, got {error}");
    };
    assert!(
        message.ends_with("2147483648 bytes, more than the 8192 a sha256sum line takes"),
        "{message}"
    );
}

#[test]
fn a_panic_in_an_async_body_reaches_the_caller_as_an_ordinary_panic() {
    let registry = loaded(Fixture::V1);
    let counter = registry.get::<dyn Counter>().unwrap();
    let caught = catch_unwind(AssertUnwindSafe(|| {
        pollster::block_on(counter.explode_later("async boom".into()))
    }));
    let payload = caught.unwrap_err();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("async boom")
    );
    assert_eq!(counter.add(1), 1, "the module still answers");
}

#[test]
fn a_panic_in_a_host_callback_reaches_the_host_as_an_ordinary_panic() {
    let registry = loaded(Fixture::V1);
    let counter = registry.get::<dyn Counter>().unwrap();
    counter.add(5);
    counter.add(6);
    let mut seen = Vec::new();
    counter.each_record(&mut |amount| seen.push(amount));
    assert_eq!(seen, [5, 6]);

    let caught = catch_unwind(AssertUnwindSafe(|| {
        counter.each_record(&mut |amount| panic!("host callback saw {amount}"))
    }));
    let payload = caught.unwrap_err();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("host callback saw 5")
    );
    assert_eq!(counter.total(), 11, "the module still answers");
}

#[test]
fn a_panic_in_the_drop_of_a_replaced_viewmodel_is_contained() {
    // One line per drop of the bomb (see the fixture's `DropBomb`).
    let drops_file = std::env::temp_dir().join(format!("playground-drops-{}", std::process::id()));
    let _ = std::fs::remove_file(&drops_file);
    let drops = || {
        std::fs::read_to_string(&drops_file)
            .map(|text| text.lines().count())
            .unwrap_or(0)
    };
    let registry = loaded(Fixture::DropPanic);
    registry.get::<dyn Counter>().unwrap().add(4);
    // The old viewmodel is dropped once nothing holds it: here, during or
    // right after the load. Its panic is caught in its library.
    let report = registry.load(library(Fixture::V2)).unwrap();
    assert_eq!(report.bound.len(), 1);
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!((counter.version(), counter.total()), (2, 4));
    // And again, loading the bomb and dropping the whole registry.
    registry.load(library(Fixture::DropPanic)).unwrap();
    drop(counter);
    drop(registry);
    // Both bombs were dropped, each panicking in its drop, and the host
    // went on.
    assert_eq!(drops(), 2, "both bombs' drops ran");
    let _ = std::fs::remove_file(&drops_file);
}

#[test]
fn writers_on_a_16_byte_atomic_lose_no_write_across_100_reloads() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let rounds: usize = std::env::var("PLAYGROUND_STRESS_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let registry = loaded(Fixture::V1);
    let (v1, v2) = (library(Fixture::V1), library(Fixture::V2));
    let stop = AtomicBool::new(false);
    let writes = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    registry.get::<dyn Counter>().unwrap().bump_wide();
                    writes.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        for round in 0..rounds {
            registry
                .load(if round % 2 == 0 { &v2 } else { &v1 })
                .unwrap();
        }
        stop.store(true, Ordering::Relaxed);
    });
    let writes = writes.load(Ordering::Relaxed);
    assert!(writes > 0);
    assert_eq!(
        registry.get::<dyn Counter>().unwrap().wide(),
        (writes, writes),
        "every write landed, both halves together"
    );
}

#[test]
fn a_library_rewritten_under_the_watcher_never_loads_half_written() {
    use playground_runtime::{WatchEvent, Watcher};
    use std::io::{Seek, Write};
    use std::sync::Arc;

    let dir = scratch("rewrites");
    let path = dir.join("libcounter.so");
    std::fs::copy(library(Fixture::V1), &path).unwrap();
    write_sha256(&path).unwrap();
    let registry = Arc::new(Registry::linked());
    registry.load(&path).unwrap();
    registry.get::<dyn Counter>().unwrap().add(7);
    let watcher = Watcher::library(Arc::clone(&registry), &path, Default::default()).unwrap();

    let (v1, v2) = (
        std::fs::read(library(Fixture::V1)).unwrap(),
        std::fs::read(library(Fixture::V2)).unwrap(),
    );
    let rounds = 30;
    // Two builds never write the file at once: each writes it (in pieces,
    // which the watcher sees), then hashes what it wrote. A build tool
    // that hashed a file another one was still writing would bless a torn
    // file; that is not a half-written build but a broken tool.
    let one_build_at_a_time = std::sync::Mutex::new(());
    std::thread::scope(|scope| {
        // Writes in place: pre-sized with zeros, then filled in pieces, as
        // a slow copy or linker would; then the hash of what it wrote.
        scope.spawn(|| {
            for round in 0..rounds {
                let bytes = if round % 2 == 0 { &v2 } else { &v1 };
                let building = one_build_at_a_time.lock().unwrap();
                let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
                file.set_len(bytes.len() as u64).unwrap();
                for chunk in bytes.chunks(bytes.len() / 4 + 1) {
                    file.write_all(chunk).unwrap();
                    std::thread::sleep(Duration::from_millis(2));
                }
                drop(file);
                let _ = write_sha256(&path);
                drop(building);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        // Truncates and rewrites, and now and then leaves a stale hash.
        scope.spawn(|| {
            for round in 0..rounds {
                let bytes = if round % 3 == 0 { &v1 } else { &v2 };
                let building = one_build_at_a_time.lock().unwrap();
                let mut file = std::fs::File::create(&path).unwrap();
                file.write_all(&bytes[..bytes.len() / 2]).unwrap();
                std::thread::sleep(Duration::from_millis(3));
                file.seek(std::io::SeekFrom::Start((bytes.len() / 2) as u64))
                    .unwrap();
                file.write_all(&bytes[bytes.len() / 2..]).unwrap();
                drop(file);
                if round % 4 != 0 {
                    let _ = write_sha256(&path);
                }
                drop(building);
                std::thread::sleep(Duration::from_millis(4));
            }
        });
    });
    // The last, finished build.
    std::fs::write(&path, &v2).unwrap();
    write_sha256(&path).unwrap();

    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut refusals = Vec::new();
    loop {
        while let Ok(event) = watcher.events().try_recv() {
            if let WatchEvent::Refused(error) = event {
                refusals.push(error.to_string());
            }
        }
        let counter = registry.get::<dyn Counter>().unwrap();
        if counter.version() == 2 && counter.total() == 7 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the finished build was not loaded; refusals: {refusals:#?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Whatever was refused on the way was refused with a typed error (a
    // torn file that matched its hash cannot exist), and nothing crashed.
    for refusal in &refusals {
        assert!(refusal.contains(&path.display().to_string()), "{refusal}");
    }
}

#[test]
fn a_panic_in_a_boxed_host_callback_reaches_the_host_as_an_ordinary_panic() {
    use twin_api::Left;
    let registry = loaded(Fixture::Twin);
    let left = || registry.get::<dyn Left>().unwrap();
    fn message<T: std::fmt::Debug>(caught: std::thread::Result<T>) -> String {
        let payload = caught.expect_err("the callback's panic reached the caller");
        playground_runtime::panic_message(&*payload)
    }
    // A boxed callback runs in the module and answers.
    assert_eq!(left().apply(Box::new(|x| x * 2), 21), 42);

    // Called by the module now: the panic reaches the host's caller.
    let caught = catch_unwind(AssertUnwindSafe(|| {
        left().apply(Box::new(|x| panic!("boxed callback saw {x}")), 7)
    }));
    assert_eq!(message(caught), "boxed callback saw 7");
    // A `Box<dyn FnOnce>` the same.
    let caught = catch_unwind(AssertUnwindSafe(|| {
        left().apply_once(Box::new(|| panic!("boxed FnOnce callback")))
    }));
    assert_eq!(message(caught), "boxed FnOnce callback");
    assert_eq!(left().apply_once(Box::new(|| "once".to_owned())), "once");

    // Kept by the module and called from a later view call.
    left().keep(Box::new(|x| {
        assert_ne!(x, 0, "kept callback given 0");
        x + 1
    }));
    let caught = catch_unwind(AssertUnwindSafe(|| left().call_kept(0)));
    assert!(
        message(caught).contains("kept callback given 0"),
        "the kept callback's own panic"
    );
    assert_eq!(left().call_kept(4), Some(5), "still kept, still called");

    // The registry works on: the module answers, and a new build loads and
    // takes boxed callbacks as the first did.
    assert_eq!(left().build(), 1);
    registry.load(library(Fixture::TwinV2)).unwrap();
    assert_eq!(left().build(), 2);
    assert_eq!(left().apply(Box::new(|x| x + 1), 1), 2);
    let caught = catch_unwind(AssertUnwindSafe(|| {
        left().apply(Box::new(|_| panic!("after the reload")), 0)
    }));
    assert_eq!(message(caught), "after the reload");
}

/// The file range of the symbol `name` (from the symbol table or the
/// dynamic one).
fn symbol_range(bytes: &[u8], name: &str) -> std::ops::Range<usize> {
    use object::{Object, ObjectSection, ObjectSymbol};
    let file = object::File::parse(bytes).unwrap();
    let symbol = file
        .symbols()
        .chain(file.dynamic_symbols())
        .find(|s| s.name() == Ok(name) && !s.is_undefined())
        .unwrap_or_else(|| panic!("no symbol {name}"));
    let section = file
        .section_by_index(symbol.section_index().unwrap())
        .unwrap();
    let (offset, _) = section.file_range().unwrap();
    let start = (offset + (symbol.address() - section.address())) as usize;
    start..start + symbol.size() as usize
}

/// Where `needle` occurs in `bytes`, outside `except`.
fn occurrences(bytes: &[u8], needle: &[u8], except: &std::ops::Range<usize>) -> Vec<usize> {
    bytes
        .windows(needle.len())
        .enumerate()
        .filter(|&(at, window)| window == needle && !except.contains(&at))
        .map(|(at, _)| at)
        .collect()
}

/// Loads `path` into a registry running v1 with some state: it must be
/// refused once opened (after `dlopen`), with the registry unchanged and
/// the library not kept mapped. Returns the refusal.
fn refused_after_opening(path: &Path) -> LoadError {
    let registry = loaded(Fixture::V1);
    registry.get::<dyn Counter>().unwrap().add(7);
    let libraries = registry.loaded_libraries();
    let error = registry.load(path).unwrap_err();
    let record = registry.history().pop().unwrap();
    let phases: Vec<&str> = record.phases.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        phases,
        ["read", "hash", "verify", "copy", "open"],
        "refused once opened: {error}"
    );
    assert_eq!(registry.loaded_libraries(), libraries, "not kept loaded");
    let counter = registry.get::<dyn Counter>().unwrap();
    assert_eq!((counter.version(), counter.total()), (1, 7));
    assert_eq!(counter.add(1), 8, "the old build runs on");
    error
}

#[test]
fn a_library_whose_header_disagrees_with_its_manifest_is_refused_once_opened() {
    let dir = scratch("header-disagrees");
    // The runtime build the header names (a string in the library's
    // read-only data), edited; the manifest's copy (in the build record)
    // left as it is, so every check from the file passes.
    let sources = Manifest::linked().build.runtime_sources.clone();
    let path = edited(Fixture::V1, &dir, "libcounter.so", |bytes| {
        let record = symbol_range(bytes, "playground_build_v1");
        let found = occurrences(bytes, sources.as_bytes(), &record);
        assert!(!found.is_empty(), "the header's string is in the file");
        for at in found {
            bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
        }
    });
    Registry::linked()
        .check(&path)
        .expect("the file alone passes every check");
    let error = refused_after_opening(&path);
    let LoadErrorKind::Disagrees { message } = &error.kind else {
        panic!("expected Disagrees, got {error}");
    };
    assert_eq!(
        message,
        "its header's playground-runtime build is not its manifest's"
    );
}

#[test]
fn a_library_whose_header_has_another_magic_is_refused_once_opened() {
    let dir = scratch("header-magic");
    let path = edited(Fixture::V1, &dir, "libcounter.so", |bytes| {
        let found = occurrences(bytes, b"PLAYGRND", &(0..0));
        assert!(!found.is_empty(), "the header's magic is in the file");
        for at in found {
            bytes[at + 7] = b'X';
        }
    });
    Registry::linked()
        .check(&path)
        .expect("the file alone passes every check");
    let error = refused_after_opening(&path);
    let LoadErrorKind::NotAModule { message } = &error.kind else {
        panic!("expected NotAModule, got {error}");
    };
    assert!(
        message.contains("has magic 584e524759414c50 and header version")
            && message.contains("expected 444e524759414c50 and"),
        "{message}"
    );
}

#[test]
fn a_library_registering_what_its_manifest_does_not_list_is_refused_once_opened() {
    let dir = scratch("registers-otherwise");
    // The viewmodel's name as the library registers it (a string its
    // registration points to), edited; the manifest's records (a section
    // of their own) left as they are.
    let path = edited(Fixture::V1, &dir, "libcounter.so", |bytes| {
        use object::{Object, ObjectSection};
        let file = object::File::parse(&**bytes).unwrap();
        let (offset, size) = file
            .section_by_name("linkme_MANIFEST")
            .expect("the manifest's section")
            .file_range()
            .unwrap();
        let manifest = offset as usize..(offset + size) as usize;
        let found = occurrences(bytes, b"Counting", &manifest);
        assert!(!found.is_empty(), "the registered name is in the file");
        for at in found {
            bytes[at + 7] = b'X';
        }
    });
    Registry::linked()
        .check(&path)
        .expect("the file alone passes every check");
    let error = refused_after_opening(&path);
    let LoadErrorKind::Disagrees { message } = &error.kind else {
        panic!("expected Disagrees, got {error}");
    };
    assert_eq!(
        message,
        "viewmodel `CountinX` is not in the manifest as registered"
    );
}

#[test]
fn a_panic_while_a_module_future_is_dropped_early_does_not_abort_the_host() {
    use std::task::{Context, Waker};
    use twin_api::Left;
    let registry = loaded(Fixture::Twin);
    let left = registry.get::<dyn Left>().unwrap();
    let mut waiting = left.wait_forever();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(waiting.as_mut().poll(&mut cx).is_pending());
    // The future's state, the module's, panics as it is dropped: a panic
    // raised in the module's image, which the host's could not catch.
    drop(waiting);
    assert_eq!(left.build(), 1, "the module answers on");
}

#[test]
fn a_panic_while_a_callback_a_module_returned_is_dropped_does_not_abort_the_host() {
    use twin_api::Left;
    let registry = loaded(Fixture::Twin);
    let left = registry.get::<dyn Left>().unwrap();
    let add_one = left.fragile_adder();
    assert_eq!(add_one(41), 42);
    // The callback's captures, the module's, panic as they are dropped.
    drop(add_one);
    assert_eq!(left.build(), 1, "the module answers on");
}

#[test]
fn a_panic_while_a_module_drops_the_callers_boxed_callback_reaches_the_caller() {
    use twin_api::Left;
    /// The host's: panics when dropped.
    struct PanicsOnDrop;
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            if !std::thread::panicking() {
                panic!("the host's callback was dropped");
            }
        }
    }
    let registry = loaded(Fixture::Twin);
    let left = registry.get::<dyn Left>().unwrap();
    let bomb = PanicsOnDrop;
    let callback = Box::new(move |x: u64| {
        let _held = &bomb;
        x * 2
    });
    // The module calls the callback, then drops it, which runs the host's
    // `Drop`: the panic is raised in the host's image, caught there, and
    // reaches the caller of `apply` as an ordinary panic.
    let caught = catch_unwind(AssertUnwindSafe(|| left.apply(callback, 21)));
    let payload = caught.expect_err("the drop's panic reached the caller");
    assert!(
        playground_runtime::panic_message(&*payload).contains("the host's callback was dropped"),
        "the host's own message"
    );
    assert_eq!(
        left.apply(Box::new(|x| x + 1), 1),
        2,
        "the module answers on"
    );
}

#[test]
fn a_panic_in_a_boxed_callback_a_module_returned_reaches_the_host_as_an_ordinary_panic() {
    use twin_api::Left;
    let registry = loaded(Fixture::Twin);
    let add_two = registry.get::<dyn Left>().unwrap().adder(2);
    assert_eq!(add_two(3), 5);
    let caught = catch_unwind(AssertUnwindSafe(|| add_two(0)));
    let payload = caught.expect_err("the module's panic reached the caller");
    assert!(
        playground_runtime::panic_message(&*payload).contains("the module's adder was given 0"),
        "the module's own message"
    );
    assert_eq!(add_two(40), 42, "the callback works on");
    assert_eq!(registry.get::<dyn Left>().unwrap().build(), 1);
}
