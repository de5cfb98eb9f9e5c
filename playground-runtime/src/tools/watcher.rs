//! Reloading a module when its library, or its sources, change.

use crate::loading::error::{LoadError, LoadErrorKind};
use crate::loading::loader::LoadReport;
use crate::registry::carry::LoadOptions;
use crate::registry::registry::Registry;
use crate::tools::build::{Build, absolute};
use crate::tools::built::Built;
use crate::tools::source_contents::is_source;
use notify_debouncer_mini::notify::{Event, EventKind, RecursiveMode, Watcher as _};
use notify_debouncer_mini::{DebounceEventResult, new_debouncer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};
use thiserror::Error;

/// What the watcher did; read them from [`Watcher::events`]. Each is also
/// reported through `tracing`.
#[derive(Debug)]
#[non_exhaustive]
pub enum WatchEvent {
    /// Sources changed; the module is being rebuilt.
    Building {
        /// The first changed file seen.
        changed: PathBuf,
    },
    /// The rebuild failed; nothing was loaded.
    BuildFailed {
        /// cargo's error output.
        message: String,
    },
    /// The new library was loaded and swapped in.
    Loaded {
        /// What the load did.
        report: LoadReport,
        /// From the first file event to the swap (debounce, build, load).
        since_change: Duration,
    },
    /// The new library was refused; the old bindings keep running.
    Refused(LoadError),
}

/// How long [`Watcher::build`] waits, once a changed file is whole, for the
/// next file of the same save.
const AFTER_A_SAVE: Duration = Duration::from_micros(500);

/// Options of a [`Watcher`].
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// [`Watcher::library`]: events on the library closer than this are one
    /// change (a build writes a library in several steps).
    pub debounce: Duration,
    /// [`Watcher::build`]: after the first change to the sources, the build
    /// starts once no other change came for this long (the events of one
    /// save come within microseconds); once a changed file is closed after
    /// writing or renamed into place, half a millisecond (or this, if
    /// shorter). 5 ms by default.
    pub settle: Duration,
    /// How to load.
    pub load: LoadOptions,
    /// [`Watcher::library`]: load only a library whose `<library>.sha256`
    /// file exists and matches it: the mark of a finished build (see
    /// [`write_sha256`](crate::write_sha256)). ([`Watcher::build`] loads
    /// the bytes its own build read and hashed once cargo was done.) A
    /// library still being written, or a hash not yet written, is waited
    /// for, not loaded. On by default.
    pub require_hash: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            debounce: Duration::from_millis(50),
            settle: Duration::from_millis(5),
            load: LoadOptions::default(),
            require_hash: true,
        }
    }
}

/// Why a watcher could not start.
#[derive(Debug, Error)]
#[error("cannot watch {}: {source}", path.display())]
pub struct WatchError {
    /// What was to be watched.
    pub path: PathBuf,
    /// The file-watching error.
    #[source]
    pub source: notify_debouncer_mini::notify::Error,
}

/// Watches a module and reloads it into a registry.
///
/// [`Watcher::library`] reloads when the library file is rebuilt by any
/// means; [`Watcher::build`] also runs `cargo build` when the module's
/// sources change, so saving a source file is enough. Dropping the watcher
/// stops it.
///
/// ```no_run
/// use playground_runtime::{Registry, Watcher, WatchEvent};
/// use std::sync::Arc;
///
/// let registry = Arc::new(Registry::linked());
/// let watcher = Watcher::library(Arc::clone(&registry), "target/debug/libphysics.so", Default::default())?;
/// for event in watcher.events() {
///     if let WatchEvent::Refused(error) = event {
///         eprintln!("kept the old module: {error}");
///     }
/// }
/// # Ok::<(), playground_runtime::WatchError>(())
/// ```
pub struct Watcher {
    /// The file watcher (or debouncer); dropping it stops everything.
    _watching: Box<dyn Send>,
    events: Receiver<WatchEvent>,
}

impl Watcher {
    /// Reloads `library` into `registry` whenever the file changes.
    pub fn library(
        registry: Arc<Registry>,
        library: impl Into<PathBuf>,
        options: WatchOptions,
    ) -> Result<Watcher, WatchError> {
        let library = absolute(library.into());
        let (sender, events) = channel();
        let watched = library.clone();
        let sidecar = crate::loading::bytes::sidecar_path(&library);
        // One rebuild can come in several event batches: load each version
        // of the files once.
        let mut last_loaded = (stamp(&library), stamp(&sidecar));
        let mut debouncer = new_debouncer(options.debounce, move |result: DebounceEventResult| {
            let Ok(changes) = result else { return };
            if !changes
                .iter()
                .any(|c| c.path == watched || c.path == sidecar)
            {
                return;
            }
            let now = (stamp(&watched), stamp(&sidecar));
            if now.0.is_none() || now == last_loaded {
                return;
            }
            if options.require_hash && now.1.is_none() {
                tracing::debug!(library = %watched.display(), "waiting for the library's .sha256");
                return;
            }
            last_loaded = now;
            load(
                &registry,
                Loadable::File(&watched),
                options.load,
                Instant::now() - options.debounce,
                &sender,
            );
        })
        .map_err(|source| WatchError {
            path: library.clone(),
            source,
        })?;
        // Cargo replaces the file rather than writing into it: watch its
        // directory, so the new file is seen too.
        let dir = library.parent().unwrap_or(Path::new(".")).to_owned();
        debouncer
            .watcher()
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(|source| WatchError { path: dir, source })?;
        Ok(Watcher {
            _watching: Box::new(debouncer),
            events,
        })
    }

    /// Rebuilds the module with `build` when a file under `build.sources`
    /// changes, then loads the library it made into `registry`: the bytes
    /// the build read and hashed once cargo was done
    /// ([`Registry::load_bytes`]), so the file is read and hashed once.
    ///
    /// The build starts on the first change, not after a debounce: half a
    /// millisecond after the changed file is closed after writing (or
    /// renamed into place) with no other file changing meanwhile, else
    /// after [`WatchOptions::settle`] (a few milliseconds, for the several
    /// events of one save). Changes made while cargo runs are collected
    /// and built right after, so the last save is always the one that ends
    /// up loaded. Editors' swap and backup files (hidden files, `*~`,
    /// `*.swp`) and reads are ignored, and so is a save that leaves every
    /// saved file as the last successful [`Build::run`] read it (an editor
    /// writing a file back unchanged): the watcher compares contents.
    pub fn build(
        registry: Arc<Registry>,
        build: Build,
        options: WatchOptions,
    ) -> Result<Watcher, WatchError> {
        let (sender, events) = channel();
        let (changes, changed) = channel::<(PathBuf, bool)>();
        let mut watcher = notify_debouncer_mini::notify::recommended_watcher(
            move |event: notify_debouncer_mini::notify::Result<Event>| {
                let Ok(event) = event else { return };
                let written = saved(&event.kind);
                if !written && matches!(event.kind, EventKind::Access(_)) {
                    return;
                }
                for path in event.paths {
                    if is_source(&path) {
                        let _ = changes.send((path, written));
                    }
                }
            },
        )
        .map_err(|source| WatchError {
            path: PathBuf::new(),
            source,
        })?;
        for dir in &build.sources {
            watcher
                .watch(dir, RecursiveMode::Recursive)
                .map_err(|source| WatchError {
                    path: dir.clone(),
                    source,
                })?;
        }
        // Builds on a thread of its own; it ends when the watcher is
        // dropped (the notify watcher and its sender with it).
        std::thread::Builder::new()
            .name("playground-build".into())
            .spawn(move || {
                let mut read_ahead = ReadAhead::default();
                read_ahead.start(&build);
                while let Ok((first, written)) = changed.recv() {
                    let since = Instant::now();
                    // The rest of one save (a write, a rename, a metadata
                    // change) arrives within microseconds. A file closed
                    // after writing, or renamed into place, is whole: then
                    // only the next file of the same save (an editor's
                    // "save all" writes them back to back) is waited for.
                    let mut saved = vec![first];
                    rest_of_the_save(&changed, written, options.settle, &mut saved);
                    let edited = build.edited_since_built(&saved);
                    let Some(first) = edited.first().cloned() else {
                        tracing::debug!(
                            saved = %saved[0].display(),
                            "sources saved as they were; nothing to build"
                        );
                        continue;
                    };
                    tracing::info!(changed = %first.display(), "module sources changed; rebuilding");
                    let _ = sender.send(WatchEvent::Building { changed: first });
                    match build.run() {
                        Ok(built) => {
                            read_ahead.finish(&build);
                            load(&registry, Loadable::Built(&built), options.load, since, &sender);
                            read_ahead.start(&build);
                        }
                        Err(error) => {
                            tracing::warn!(%error, "module build failed");
                            let _ = sender.send(WatchEvent::BuildFailed {
                                message: error.to_string(),
                            });
                        }
                    }
                }
            })
            .map_err(|source| WatchError {
                path: PathBuf::new(),
                source: source.into(),
            })?;
        Ok(Watcher {
            _watching: Box::new(watcher),
            events,
        })
    }

    /// Everything the watcher did, in order.
    pub fn events(&self) -> &Receiver<WatchEvent> {
        &self.events
    }
}

/// Takes the events of the rest of one save from `changed`, adding their
/// paths to `saved`: until none came for `settle`, or for [`AFTER_A_SAVE`]
/// after an event that left a file whole (`written`, as the last one taken
/// was).
fn rest_of_the_save(
    changed: &Receiver<(PathBuf, bool)>,
    mut written: bool,
    settle: Duration,
    saved: &mut Vec<PathBuf>,
) {
    loop {
        let quiet = if written {
            settle.min(AFTER_A_SAVE)
        } else {
            settle
        };
        match changed.recv_timeout(quiet) {
            Ok((path, last)) => {
                written = last;
                saved.push(path);
            }
            Err(_) => return,
        }
    }
}

/// Whether `kind` ends a save: a file closed after writing, or renamed
/// into place (an editor that writes a copy and renames it).
fn saved(kind: &EventKind) -> bool {
    use notify_debouncer_mini::notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
    matches!(
        kind,
        EventKind::Access(AccessKind::Close(AccessMode::Write))
            | EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both))
    )
}

/// What tells one version of a file from the next: its modification time,
/// length and inode.
fn stamp(path: &Path) -> Option<(std::time::SystemTime, u64, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some((meta.modified().ok()?, meta.len(), inode))
}

/// Reads ahead the support library of a [`Build`]'s thin rebuilds, once it
/// is made, on a thread of its own: the first thin rebuild's load would
/// otherwise read and check it on the way to its swap (tens of
/// megabytes, once per program, about 20 ms here).
#[derive(Default)]
struct ReadAhead {
    started: bool,
    reading: Option<std::thread::JoinHandle<()>>,
}

impl ReadAhead {
    /// Starts it, unless it started before or `build` has no support
    /// library in the making (no cargo build ran yet, or thin links off).
    fn start(&mut self, build: &Build) {
        if self.started || !build.makes_support_library() {
            return;
        }
        self.started = true;
        let build = build.clone();
        let spawned = std::thread::Builder::new()
            .name("playground-read-ahead".into())
            .spawn(move || {
                if let Some(library) = build.support_library() {
                    crate::loading::support::read_ahead(&library);
                }
            });
        match spawned {
            Ok(reading) => self.reading = Some(reading),
            Err(error) => tracing::debug!(%error, "no thread to read the support library ahead on"),
        }
    }

    /// Waits for it if the support library is made (a rebuild may be
    /// linked against it): a load then finds it read, instead of reading
    /// a second copy. Not while the library is being made: then no
    /// rebuild is linked against it yet.
    fn finish(&mut self, build: &Build) {
        if build.support_library_is_ready()
            && let Some(reading) = self.reading.take()
        {
            let _ = reading.join();
        }
    }
}

/// What the watcher loads: a library file, or a build's bytes.
enum Loadable<'a> {
    File(&'a Path),
    Built(&'a Built),
}

fn load(
    registry: &Registry,
    loadable: Loadable<'_>,
    options: LoadOptions,
    since: Instant,
    sender: &Sender<WatchEvent>,
) {
    let (result, library) = match loadable {
        Loadable::File(library) => (registry.load_with(library, options), library),
        // The bytes the build hashed: read and hashed once.
        Loadable::Built(built) => (
            registry.load_bytes_with(built.bytes(), options),
            &*built.library,
        ),
    };
    let event = match result {
        Ok(report) => WatchEvent::Loaded {
            report,
            since_change: since.elapsed(),
        },
        // The library or its hash is still being written: the next event
        // brings the finished pair.
        Err(LoadError {
            kind: LoadErrorKind::Hash { .. },
            ..
        }) => {
            tracing::info!(
                library = %library.display(),
                "the library and its .sha256 differ (still being written, or a stale hash); \
                 waiting for the build to write its hash"
            );
            return;
        }
        Err(error) => WatchEvent::Refused(error),
    };
    let _ = sender.send(event);
}

#[cfg(test)]
mod tests {
    use super::{rest_of_the_save, saved};
    use crate::tools::source_contents::is_source;
    use notify_debouncer_mini::notify::{Event, RecursiveMode, Watcher as _};
    use std::path::Path;
    use std::time::Duration;

    /// What this platform's file watcher reports for a file written in
    /// place, written aside and renamed into place, and only touched:
    /// the first two end a save (the build starts without waiting out the
    /// settle time), the last does not. (inotify's events: other
    /// platforms' watchers may report no close, and then the settle time
    /// is waited.)
    #[cfg(target_os = "linux")]
    #[test]
    fn a_save_ends_when_the_file_is_closed_after_writing_or_renamed_into_place() {
        let dir = std::env::temp_dir().join(format!("playground-saved-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("lib.rs");
        std::fs::write(&file, "// one").unwrap();
        let (sender, events) = std::sync::mpsc::channel::<Event>();
        let mut watcher = notify_debouncer_mini::notify::recommended_watcher(
            move |event: notify_debouncer_mini::notify::Result<Event>| {
                let _ = sender.send(event.unwrap());
            },
        )
        .unwrap();
        watcher.watch(&dir, RecursiveMode::Recursive).unwrap();
        let file_saved = || {
            let mut ended = false;
            while let Ok(event) = events.recv_timeout(Duration::from_millis(300)) {
                ended |= saved(&event.kind) && event.paths.iter().any(|p| p.ends_with("lib.rs"));
            }
            ended
        };
        std::fs::write(&file, "// two").unwrap();
        assert!(file_saved());
        std::fs::write(dir.join(".lib.rs.new"), "// three").unwrap();
        std::fs::rename(dir.join(".lib.rs.new"), &file).unwrap();
        assert!(file_saved());
        // A change of metadata alone is not a save.
        let mut permissions = std::fs::metadata(&file).unwrap().permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&file, permissions).unwrap();
        assert!(!file_saved());
        drop(watcher);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A save's last event leaves its file whole: the build waits only
    /// for another file of the same save, not the whole settle time; a
    /// file still being written (its last event a modification) is waited
    /// for the settle time. Every event of the save is taken either way.
    #[test]
    fn a_build_waits_out_the_settle_time_only_while_a_file_is_being_written() {
        let settle = Duration::from_millis(200);
        let (changes, changed) = std::sync::mpsc::channel();
        let event = |name: &str, whole: bool| (std::path::PathBuf::from(name), whole);
        for e in [
            event("a.rs", true),
            event("b.rs", false),
            event("b.rs", true),
        ] {
            changes.send(e).unwrap();
        }
        let start = std::time::Instant::now();
        let mut saved = Vec::new();
        rest_of_the_save(&changed, false, settle, &mut saved);
        assert!(start.elapsed() < settle, "{:?}", start.elapsed());
        assert!(changed.try_recv().is_err());
        assert_eq!(
            saved,
            ["a.rs", "b.rs", "b.rs"].map(std::path::PathBuf::from)
        );

        for e in [event("a.rs", true), event("b.rs", false)] {
            changes.send(e).unwrap();
        }
        let start = std::time::Instant::now();
        rest_of_the_save(&changed, true, settle, &mut Vec::new());
        assert!(start.elapsed() >= settle, "{:?}", start.elapsed());
        assert!(changed.try_recv().is_err());
    }

    #[test]
    fn editors_swap_backup_and_hidden_files_do_not_trigger_a_build() {
        for ignored in [
            "src/.lib.rs.swp",
            "src/lib.rs~",
            "src/.#lib.rs",
            "src/#lib.rs#",
        ] {
            assert!(!is_source(Path::new(ignored)), "{ignored}");
        }
        for source in ["src/lib.rs", "src/systems/mod.rs", "Cargo.toml"] {
            assert!(is_source(Path::new(source)), "{source}");
        }
    }
}
