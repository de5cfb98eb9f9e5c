//! Errors of the registry and of saving and restoring state.

use crate::diff::Changes;
use std::path::PathBuf;
use thiserror::Error;

/// Why the registry could not hand out or bind a viewmodel.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// No viewmodel of this view is linked into the program.
    #[error(
        "no viewmodel implements view `{view}` (id {view_id:016x}); \
         add `#[viewmodel] impl {view} for YourType` to a crate the program links"
    )]
    NoViewModel {
        /// The view's name.
        view: String,
        /// The view's id.
        view_id: u64,
    },
    /// Several viewmodels implement the same view and none was chosen.
    #[error(
        "view `{view}` has {} viewmodels ({}); choose one with `registry.bind::<dyn {view}>(\"Name\")`",
        candidates.len(), candidates.join(", ")
    )]
    AmbiguousViewModel {
        /// The view's name.
        view: String,
        /// The names of every viewmodel of the view.
        candidates: Vec<String>,
    },
    /// `bind` named a viewmodel that does not implement the view.
    #[error("no viewmodel named `{viewmodel}` implements view `{view}`; known: {}", known.join(", "))]
    UnknownViewModel {
        /// The view's name.
        view: String,
        /// The name that was asked for.
        viewmodel: String,
        /// The viewmodels of the view.
        known: Vec<String>,
    },
    /// Two different views have the same id (same crate and name).
    #[error(
        "views `{first}` and `{second}` have the same id {view_id:016x}; \
         give one of them another name with #[view(name = \"...\")]"
    )]
    DuplicateViewId {
        /// Module path and name of the first view.
        first: String,
        /// Module path and name of the second view.
        second: String,
        /// The shared id.
        view_id: u64,
    },
    /// The viewmodel was compiled against another version of its view.
    #[error(
        "viewmodel `{viewmodel}` was compiled against API version {found:016x} of view \
         `{view}`, but this program has version {expected:016x}; rebuild it against this view"
    )]
    ApiVersionMismatch {
        /// The view's name.
        view: String,
        /// The viewmodel's name.
        viewmodel: String,
        /// The host's `API_VERSION`.
        expected: u64,
        /// The viewmodel's `API_VERSION`.
        found: u64,
    },
    /// Code asked for a view under another API version than the bound
    /// viewmodel's: a module compiled against an edited copy of a view the
    /// program implements. Refused: its calls would run other methods.
    #[error(
        "view `{view}` is bound to viewmodel `{viewmodel}` of API version {bound:016x}, but the \
         code asking for it was compiled against version {requested:016x}; rebuild it against \
         this program's view"
    )]
    ViewVersionMismatch {
        /// The view's name.
        view: String,
        /// The bound viewmodel's name.
        viewmodel: String,
        /// The bound viewmodel's `API_VERSION`.
        bound: u64,
        /// The `API_VERSION` of the view the caller names.
        requested: u64,
    },
    /// A [`Uses`](crate::Uses) handle made outside a registry's
    /// construction of a viewmodel.
    #[error(
        "this `Uses<dyn {view}>` points to no registry: it was made outside a viewmodel's \
         construction by a registry (a `Default` called by your own code?)"
    )]
    Detached {
        /// The view it is for.
        view: String,
    },
    /// The viewmodel's constructor panicked; nothing was bound.
    #[error("constructing viewmodel `{viewmodel}` panicked: {message}")]
    ConstructorPanicked {
        /// The viewmodel's name.
        viewmodel: String,
        /// The panic's message.
        message: String,
    },
    /// Saving or restoring the viewmodel's state failed.
    #[error("state of viewmodel `{viewmodel}`: {source}")]
    State {
        /// The viewmodel's name.
        viewmodel: String,
        /// What went wrong.
        #[source]
        source: StateError,
    },
}

/// Lets `?` unbox the error of [`Registry::get`](crate::Registry::get) in a
/// function that returns a `RegistryError`.
impl From<Box<RegistryError>> for RegistryError {
    fn from(error: Box<RegistryError>) -> Self {
        *error
    }
}

/// Why a model or a viewmodel's state could not be saved or restored.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateError {
    /// A `Pool` field could not take the registry's pool (see
    /// [`PoolError`](crate::PoolError)).
    #[error("pool: {0}")]
    Pool(String),
    /// The saved state was written by another format of the model.
    #[error(
        "field `{field}` holds model `{model}` in state version {saved:016x}, \
         but this build reads version {current:016x}; add a migration or start fresh"
    )]
    VersionMismatch {
        /// The viewmodel field.
        field: String,
        /// The model's name.
        model: String,
        /// Version of the saved bytes.
        saved: u64,
        /// Version this build reads.
        current: u64,
    },
    /// Same model and version, but another size or align: another build.
    #[error(
        "field `{field}` holds model `{model}` saved with size and align {saved:?}, \
         but here they are {current:?}; the two builds lay it out differently"
    )]
    LayoutMismatch {
        /// The viewmodel field.
        field: String,
        /// The model's name.
        model: String,
        /// `(size, align)` where it was saved.
        saved: (usize, usize),
        /// `(size, align)` here.
        current: (usize, usize),
    },
    /// The saved field holds a different model.
    #[error("field `{field}` was saved as model `{saved}` but is now model `{current}`")]
    ModelMismatch {
        /// The viewmodel field.
        field: String,
        /// The saved model's name.
        saved: String,
        /// The current model's name.
        current: String,
    },
    /// The saved state has no entry for a field this viewmodel restores.
    #[error("the saved state has no field `{field}`; it was saved by a viewmodel without it")]
    MissingField {
        /// The viewmodel field.
        field: String,
    },
    /// The model could not be encoded.
    #[error("encoding model `{model}` failed: {message}")]
    Encode {
        /// The model's name.
        model: String,
        /// The encoder's message.
        message: String,
    },
    /// The bytes are not a valid encoding of the model.
    #[error("decoding model `{model}` failed: {message}")]
    Decode {
        /// The model's name.
        model: String,
        /// The decoder's message.
        message: String,
    },
}

/// Why a module library was not loaded. Every variant names the file; when
/// it is refused, the registry is unchanged.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read or copied.
    #[error("{}: cannot read the library: {source}", path.display())]
    Io {
        /// The library's path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not a regular file: a directory, a FIFO, a socket or a device.
    #[error("{}: {kind}, not a library file", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is.
        kind: &'static str,
    },
    /// `<library>.sha256` exists and the library's bytes have another hash:
    /// a half-written, corrupted or replaced file.
    #[error(
        "{}: its SHA-256 is {actual}, but {}.sha256 says {expected}; the file is not the \
         build that wrote the hash (still being written, corrupted or replaced)",
        path.display(), path.display()
    )]
    Hash {
        /// The library's path.
        path: PathBuf,
        /// The hash the `.sha256` file records.
        expected: String,
        /// The hash of the bytes read.
        actual: String,
    },
    /// `<library>.sha256` exists but cannot be read as a hash.
    #[error("{}: {message}", path.display())]
    Sidecar {
        /// The library's path.
        path: PathBuf,
        /// What is wrong with the `.sha256` file.
        message: String,
    },
    /// What the opened library registers is not what its manifest listed.
    #[error("{}: the library does not match its manifest: {message}", path.display())]
    Disagrees {
        /// The library's path.
        path: PathBuf,
        /// The first difference.
        message: String,
    },
    /// The dynamic loader refused the file: not a library, truncated, or
    /// missing something it links to.
    #[error("{}: not a loadable library: {message}", path.display())]
    Open {
        /// The library's path.
        path: PathBuf,
        /// The loader's message.
        message: String,
    },
    /// A library without the export every module has.
    #[error(
        "{}: no `{symbol}` symbol, so not a playground module; build a crate that uses \
         playground-runtime with `crate-type = [\"cdylib\", \"rlib\"]` ({message})",
        path.display()
    )]
    MissingSymbol {
        /// The library's path.
        path: PathBuf,
        /// The symbol looked for.
        symbol: &'static str,
        /// The loader's message.
        message: String,
    },
    /// The export exists but is not a playground module header.
    #[error("{}: not a playground module: {message}", path.display())]
    NotAModule {
        /// The library's path.
        path: PathBuf,
        /// What was found.
        message: String,
    },
    /// Built by another compiler, for another target or against another
    /// build of playground-runtime: its Rust values cannot be shared.
    #[error(
        "{}: built with another {what}: the program has `{host}`, the library `{module}`; \
         rebuild the module with the program's toolchain and playground-runtime",
        path.display()
    )]
    Fingerprint {
        /// The library's path.
        path: PathBuf,
        /// What differs: rustc, target, runtime version or build, panic
        /// strategy, or global allocator.
        what: &'static str,
        /// The program's value.
        host: String,
        /// The library's value.
        module: String,
    },
    /// The module registers no viewmodel.
    #[error("{}: the module has no viewmodel to bind", path.display())]
    Empty {
        /// The library's path.
        path: PathBuf,
    },
    /// A viewmodel implements a view this program does not have.
    #[error(
        "{}: viewmodel `{viewmodel}` implements view `{view}` (id {view_id:016x}), \
         which this program does not declare",
        path.display()
    )]
    UnknownView {
        /// The library's path.
        path: PathBuf,
        /// The viewmodel's name.
        viewmodel: String,
        /// The view's name, as the library knows it.
        view: String,
        /// The view's id.
        view_id: u64,
    },
    /// Two viewmodels of the module implement the same view.
    #[error("{}: viewmodels `{first}` and `{second}` both implement view `{view}`", path.display())]
    AmbiguousViewModel {
        /// The library's path.
        path: PathBuf,
        /// The view's name.
        view: String,
        /// One viewmodel.
        first: String,
        /// The other.
        second: String,
    },
    /// The viewmodel was compiled against another version of the view.
    #[error(
        "{}: viewmodel `{viewmodel}` was compiled against API version {module:016x} of view \
         `{view}`, but this program has {host:016x}; the view changed, so the module is \
         refused{changes}",
        path.display()
    )]
    ApiVersion {
        /// The library's path.
        path: PathBuf,
        /// The view's name.
        view: String,
        /// The viewmodel's name.
        viewmodel: String,
        /// The program's `API_VERSION`.
        host: u64,
        /// The library's.
        module: u64,
        /// The view's methods that differ, from the two manifests.
        changes: Changes,
    },
    /// A model both declare differs between them.
    #[error(
        "{}: model `{model}` has another {what} in the library ({module}) than in this program \
         ({host}){changes}",
        path.display()
    )]
    Model {
        /// The library's path.
        path: PathBuf,
        /// The model's name.
        model: String,
        /// What differs: state version, size or align.
        what: &'static str,
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
    #[error("{}: {source}", path.display())]
    Bind {
        /// The library's path.
        path: PathBuf,
        /// What failed.
        #[source]
        source: Box<RegistryError>,
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
