//! Why a module library was not loaded, or a program's manifest not read.

use crate::contract::ids::{ApiVersion, ViewId};
use crate::loading::diff::Changes;
use crate::loading::file::OpenError;
use crate::loading::module::{BuildPart, MODULE_SYMBOL};
use crate::registry::error::RegistryError;
use std::fmt;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a module library was not loaded: the file, and what was wrong with
/// it. When a library is refused, the registry is unchanged.
#[derive(Debug)]
pub struct LoadError {
    /// The library's path.
    pub path: PathBuf,
    /// What was wrong.
    pub kind: LoadErrorKind,
}

impl LoadError {
    /// The error of the library at `path`.
    pub fn new(path: impl Into<PathBuf>, kind: LoadErrorKind) -> Self {
        LoadError {
            path: path.into(),
            kind,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.kind)
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.kind)
    }
}

/// What a model both sides declare differs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelPart {
    /// Its `STATE_VERSION` (its structure).
    StateVersion,
    /// Its size.
    Size,
    /// Its alignment.
    Align,
}

impl fmt::Display for ModelPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ModelPart::StateVersion => "state version",
            ModelPart::Size => "size",
            ModelPart::Align => "align",
        })
    }
}

/// What was wrong with a library that was not loaded ([`LoadError::kind`]).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The file could not be read or copied.
    #[error("cannot read the library: {source}")]
    Io {
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not a regular file: a directory, a FIFO, a socket or a device.
    #[error("{kind}, not a library file")]
    NotAFile {
        /// What it is.
        kind: &'static str,
    },
    /// `<library>.sha256` exists and the library's bytes have another hash:
    /// a half-written, corrupted or replaced file.
    #[error(
        "its SHA-256 is {actual}, but the `.sha256` file beside it says {expected}; the file \
         is not the build that wrote the hash (still being written, corrupted or replaced)"
    )]
    Hash {
        /// The hash the `.sha256` file records.
        expected: String,
        /// The hash of the bytes read.
        actual: String,
    },
    /// `<library>.sha256` exists but cannot be read as a hash.
    #[error("{message}")]
    Sidecar {
        /// What is wrong with the `.sha256` file.
        message: String,
    },
    /// What the opened library registers is not what its manifest listed.
    #[error("the library does not match its manifest: {message}")]
    Disagrees {
        /// The first difference.
        message: String,
    },
    /// The dynamic loader refused the file: not a library, truncated, or
    /// missing something it links to.
    #[error("not a loadable library: {message}")]
    Open {
        /// The loader's message.
        message: String,
    },
    /// A library without the export every module has.
    #[error(
        "no `{symbol}` symbol, so not a playground module; build a crate with \
         `crate-type = [\"cdylib\", \"rlib\"]` and `playground_runtime::export_module!();` \
         at its root ({message})"
    )]
    MissingSymbol {
        /// The symbol looked for.
        symbol: &'static str,
        /// The loader's message.
        message: String,
    },
    /// The export exists but is not a playground module header.
    #[error("not a playground module: {message}")]
    NotAModule {
        /// What was found.
        message: String,
    },
    /// Built by another compiler, for another target or against another
    /// build of playground-runtime: its Rust values cannot be shared.
    #[error(
        "built with another {what}: the program has `{host}`, the library `{module}`; \
         rebuild the module with the program's toolchain and playground-runtime"
    )]
    Fingerprint {
        /// What differs: rustc, target, runtime version or build, panic
        /// strategy, or global allocator.
        what: BuildPart,
        /// The program's value.
        host: String,
        /// The library's value.
        module: String,
    },
    /// Started from inside a view call (a callback that a view method
    /// received): the method may hold its own state's lock, which carrying
    /// its state over would wait on for ever. Load from outside any view
    /// call.
    #[error(
        "a load started from a callback inside a view call is refused (the view method may \
         hold a lock its state is carried under); load from outside any view call"
    )]
    InCallback,
    /// The module registers no viewmodel.
    #[error("the module has no viewmodel to bind")]
    Empty,
    /// A viewmodel implements a view this program does not have.
    #[error(
        "viewmodel `{viewmodel}` implements view `{view}` (id {view_id}), \
         which this program does not declare"
    )]
    UnknownView {
        /// The viewmodel's name.
        viewmodel: String,
        /// The view's name, as the library knows it.
        view: String,
        /// The view's id.
        view_id: ViewId,
    },
    /// Two viewmodels of the module implement the same view.
    #[error("viewmodels `{first}` and `{second}` both implement view `{view}`")]
    AmbiguousViewModel {
        /// The view's name.
        view: String,
        /// One viewmodel.
        first: String,
        /// The other.
        second: String,
    },
    /// The viewmodel was compiled against another version of the view.
    #[error(
        "viewmodel `{viewmodel}` was compiled against API version {module} of view \
         `{view}`, but this program has {host}; the view changed, so the module is \
         refused{changes}"
    )]
    ApiVersion {
        /// The view's name.
        view: String,
        /// The viewmodel's name.
        viewmodel: String,
        /// The program's `API_VERSION`.
        host: ApiVersion,
        /// The library's.
        module: ApiVersion,
        /// The view's methods that differ, from the two manifests.
        changes: Changes,
    },
    /// A model both declare differs between them.
    #[error(
        "model `{model}` has another {what} in the library ({module}) than in this program \
         ({host}){changes}"
    )]
    Model {
        /// The model's name.
        model: String,
        /// What differs: state version, size or align.
        what: ModelPart,
        /// The program's value.
        host: String,
        /// The library's value.
        module: String,
        /// The model's fields that differ (nested models' included), from
        /// the two manifests, when its state version does.
        changes: Changes,
    },
    /// Binding the new viewmodel failed: its state could not be carried
    /// over (and starting fresh was not allowed), or its constructor,
    /// restore or migration panicked. The old binding and its state stay.
    #[error("{source}{changes}")]
    Bind {
        /// What failed.
        #[source]
        source: Box<RegistryError>,
        /// When a model's format was refused: its fields that differ
        /// between the build that saved the state (or made the pool) and
        /// this one, from the two libraries' manifests (empty when the
        /// state came from code whose manifest the registry does not have).
        changes: Changes,
    },
}

/// Why a program's manifest could not be read from its executable file
/// ([`Manifest::read_program`](crate::Manifest::read_program)).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ProgramError {
    /// The file could not be read.
    #[error("{}: cannot read the program: {source}", path.display())]
    Io {
        /// The program's path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not an executable that links playground-runtime.
    #[error("{}: not a playground program: {message}", path.display())]
    NotAProgram {
        /// The program's path.
        path: PathBuf,
        /// What was found.
        message: String,
    },
}

/// The `LoadError` of a file that could not be opened as a library.
pub(crate) fn open_error(path: &Path, error: OpenError) -> LoadError {
    let kind = match error {
        OpenError::Io(source) => LoadErrorKind::Io { source },
        OpenError::NotAFile(kind) => LoadErrorKind::NotAFile { kind },
        OpenError::TooLarge { size, limit } => LoadErrorKind::Open {
            message: format!("{size} bytes, more than the {limit} it may have"),
        },
        OpenError::Hash { expected, actual } => LoadErrorKind::Hash { expected, actual },
        OpenError::Sidecar(message) => LoadErrorKind::Sidecar { message },
        OpenError::Open(message) => LoadErrorKind::Open { message },
        OpenError::MissingSymbol(message) => LoadErrorKind::MissingSymbol {
            symbol: MODULE_SYMBOL,
            message,
        },
        OpenError::NotAModule(message) => LoadErrorKind::NotAModule { message },
        OpenError::Disagrees(message) => LoadErrorKind::Disagrees { message },
    };
    LoadError::new(path, kind)
}
