//! The manifest: what a module holds, as plain data in its file, so that
//! the loader can check a module before any of its code runs.
//!
//! Two parts, both without pointers (nothing to relocate, so the bytes in
//! the file are the values):
//!
//! - the **build record**, one exported `static` of the runtime,
//!   `playground_build_v1`: compiler, target, runtime version and build,
//!   panic strategy;
//! - the **records**, one per view, method, model, model field and
//!   viewmodel (and the module's crate name), in a linkme slice: the macros
//!   add them where they add the registrations, so the linker gathers them
//!   into one section (`linkme_MANIFEST`) of fixed-size entries. Their text
//!   fields have a fixed size: a longer text is cut, and then ends with
//!   [`CUT`].
//!
//! [`Manifest::read`] parses both from the bytes of a library with the
//! `object` crate (a maintained reader of ELF and the other object formats),
//! before `dlopen`; after it, what the module reports must agree. The
//! program's own manifest is the same records, read in memory
//! ([`Manifest::linked`]), or from its executable file
//! ([`Manifest::read_program`]); [`Manifest::check_module`] compares two.

use crate::contract::model::{Model, ModelDescriptor};
use crate::contract::view::View;
use crate::contract::viewmodel::{ViewModel, ViewModelDescriptor};
use crate::loading::error::{LoadError, ProgramError};
use crate::loading::module::Fingerprint;
use linkme::distributed_slice;
use std::fmt;
use std::path::Path;

/// The exported symbol of the build record.
pub const BUILD_SYMBOL: &str = "playground_build_v1";

/// The section the linker gathers the records into (linkme's name for the
/// `MANIFEST` slice on ELF targets).
pub const SECTION: &str = "linkme_MANIFEST";

/// `b"PGMANIF1"`: the first field of the build record.
const BUILD_MAGIC: u64 = u64::from_le_bytes(*b"PGMANIF1");

/// `b"PGMR"`: the first field of every record.
const RECORD_MAGIC: u32 = u32::from_le_bytes(*b"PGMR");

/// Every manifest record of this image.
#[distributed_slice]
pub static MANIFEST: [Record];

/// Ends a text that was cut to fit its record.
pub const CUT: char = '…';

/// The records of methods `$index...` of view `$view`, one static each
/// (what `#[view]` writes, kept short).
#[doc(hidden)]
#[macro_export]
macro_rules! __manifest_methods {
    ($view:ty; $($index:literal)*) => {
        $(const _: () = {
            #[$crate::__private::distributed_slice($crate::__private::MANIFEST)]
            #[linkme(crate = $crate::__private::linkme)]
            static METHOD: $crate::__private::ManifestRecord =
                $crate::__private::ManifestRecord::method::<$view>($index);
        };)*
    };
}

/// The records of fields `$index...` of model `$model`, one static each
/// (what `#[model]` writes, kept short).
#[doc(hidden)]
#[macro_export]
macro_rules! __manifest_fields {
    ($model:ty; $($index:literal)*) => {
        $(const _: () = {
            #[$crate::__private::distributed_slice($crate::__private::MANIFEST)]
            #[linkme(crate = $crate::__private::linkme)]
            static FIELD: $crate::__private::ManifestRecord =
                $crate::__private::ManifestRecord::field::<$model>($index);
        };)*
    };
}

/// A string of at most `N` bytes, zero-padded. A longer one is cut at a
/// character boundary and ends with [`CUT`], so that a reader knows.
const fn text<const N: usize>(s: &str) -> [u8; N] {
    let bytes = s.as_bytes();
    let mut out = [0; N];
    let marker = CUT.len_utf8();
    let fits = bytes.len() <= N;
    let mut end = if fits { bytes.len() } else { N - marker };
    // Not inside a character: back to the start of the one that is cut.
    while !fits && end > 0 && (bytes[end] & 0xc0) == 0x80 {
        end -= 1;
    }
    let mut i = 0;
    while i < end {
        out[i] = bytes[i];
        i += 1;
    }
    if !fits {
        let mut utf8 = [0; 4];
        let cut = CUT.encode_utf8(&mut utf8).as_bytes();
        let mut j = 0;
        while j < marker {
            out[end + j] = cut[j];
            j += 1;
        }
    }
    out
}

/// The build record: `#[repr(C)]`, integers and byte arrays only.
#[repr(C)]
pub struct BuildRecord {
    magic: u64,
    rustc: [u8; 96],
    target: [u8; 64],
    runtime_version: [u8; 32],
    runtime_sources: [u8; 32],
    panic: [u8; 16],
}

/// This build's record, exported by every image that links the runtime.
#[unsafe(no_mangle)]
#[used]
pub static playground_build_v1: BuildRecord = BuildRecord {
    magic: BUILD_MAGIC,
    rustc: text(env!("PLAYGROUND_RUSTC")),
    target: text(env!("PLAYGROUND_TARGET")),
    runtime_version: text(env!("CARGO_PKG_VERSION")),
    runtime_sources: text(env!("PLAYGROUND_RUNTIME_SOURCES")),
    panic: text(if cfg!(panic = "unwind") {
        "unwind"
    } else {
        "abort"
    }),
};

/// What a record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
enum Kind {
    View = 1,
    Method = 2,
    Model = 3,
    ViewModel = 4,
    Crate = 5,
    Field = 6,
}

/// One manifest record: `#[repr(C)]`, integers and byte arrays only.
#[repr(C)]
pub struct Record {
    magic: u32,
    kind: u32,
    numbers: [u64; 4],
    name: [u8; 64],
    text: [u8; 192],
}

impl Record {
    const fn new(kind: Kind, numbers: [u64; 4], name: &str, text_: &str) -> Record {
        Record {
            magic: RECORD_MAGIC,
            kind: kind as u32,
            numbers,
            name: text(name),
            text: text(text_),
        }
    }

    /// The record of view `V`, declared in `module_path`.
    pub const fn view<V: ?Sized + View>(module_path: &str) -> Record {
        let methods = V::DESCRIPTOR.methods.len() as u64;
        Record::new(
            Kind::View,
            [V::VIEW_ID, V::API_VERSION, methods, 0],
            V::NAME,
            module_path,
        )
    }

    /// The record of method `index` of view `V`.
    pub const fn method<V: ?Sized + View>(index: usize) -> Record {
        let method = &V::DESCRIPTOR.methods[index];
        Record::new(
            Kind::Method,
            [
                V::VIEW_ID,
                index as u64,
                method.is_async as u64,
                method.fingerprint,
            ],
            method.name,
            method.signature,
        )
    }

    /// The record of field `index` of model `M`.
    pub const fn field<M: Model>(index: usize) -> Record {
        let field = &M::FIELDS[index];
        Record::new(
            Kind::Field,
            [
                M::MODEL_ID,
                index as u64,
                field.fingerprint,
                M::STATE_VERSION,
            ],
            field.name,
            field.ty,
        )
    }

    /// The record of model `M`, declared in `module_path`.
    pub const fn model<M: Model>(module_path: &str) -> Record {
        Record::new(
            Kind::Model,
            [
                M::MODEL_ID,
                M::STATE_VERSION,
                M::SIZE as u64,
                M::ALIGN as u64,
            ],
            M::NAME,
            module_path,
        )
    }

    /// The record of viewmodel `VM`, written in `module_path`. The name
    /// may be cut to fit; its hash is whole.
    pub const fn viewmodel<VM: ViewModel>(module_path: &str) -> Record {
        Record::new(
            Kind::ViewModel,
            [
                <VM::View as View>::VIEW_ID,
                VM::API_VERSION,
                crate::contract::fingerprint::named(VM::NAME),
                0,
            ],
            VM::NAME,
            module_path,
        )
    }

    /// The record naming the module's crate (`export_module!`).
    pub const fn module_crate(name: &str) -> Record {
        Record::new(Kind::Crate, [0; 4], name, "")
    }
}

/// A view as a module's manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestView {
    /// The view's name.
    pub name: String,
    /// Module the trait is declared in.
    pub module_path: String,
    /// Its id.
    pub view_id: u64,
    /// Its `API_VERSION` in the module's build.
    pub api_version: u64,
    /// Its methods, in order.
    pub methods: Vec<ManifestMethod>,
}

/// A method of a view as a module's manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestMethod {
    /// The method's name (ends with [`CUT`] if cut to 64 bytes).
    pub name: String,
    /// Its signature, e.g. `fn step(&self, dt: f32)` (ends with [`CUT`] if
    /// cut to 192 bytes).
    pub signature: String,
    /// Whether it is an `async fn`.
    pub is_async: bool,
    /// See [`MethodDescriptor::fingerprint`](crate::MethodDescriptor::fingerprint).
    pub fingerprint: u64,
}

/// A field of a model as a module's manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestField {
    /// The field's name (see [`FieldDescriptor::name`](crate::FieldDescriptor::name)).
    pub name: String,
    /// Its type as written (ends with [`CUT`] if cut to 192 bytes).
    pub ty: String,
    /// The type's structural fingerprint.
    pub fingerprint: u64,
}

/// A model as a module's manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestModel {
    /// The model's name.
    pub name: String,
    /// Module it is declared in.
    pub module_path: String,
    /// Its id.
    pub model_id: u64,
    /// Its `STATE_VERSION` (structural fingerprint).
    pub state_version: u64,
    /// `size_of`.
    pub size: u64,
    /// `align_of`.
    pub align: u64,
    /// Its fields, in order.
    pub fields: Vec<ManifestField>,
}

/// A viewmodel as a module's manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestViewModel {
    /// The implementing type's name (cut to 64 bytes).
    pub name: String,
    /// A hash of the whole name.
    pub name_hash: u64,
    /// Module the impl is written in.
    pub module_path: String,
    /// The id of the view it implements.
    pub view_id: u64,
    /// The `API_VERSION` it was compiled against.
    pub api_version: u64,
}

/// What a module library holds, read from its file without running any of
/// its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// How it was built.
    pub build: Fingerprint,
    /// The module's crate, if it names itself with `export_module!`.
    pub crate_name: Option<String>,
    /// Every view linked into it.
    pub views: Vec<ManifestView>,
    /// Every (non-generic) model linked into it.
    pub models: Vec<ManifestModel>,
    /// Every viewmodel linked into it (of its own crate and of the crates
    /// it links).
    pub viewmodels: Vec<ManifestViewModel>,
}

/// Why a file's manifest could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ManifestError {
    /// Not an object file of a kind this program can load.
    NotAnObject(String),
    /// A library without the build record: not a playground module.
    NoBuildRecord,
    /// A record or the build record is malformed.
    Malformed(String),
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManifestError::NotAnObject(why) => f.write_str(why),
            ManifestError::NoBuildRecord => write!(
                f,
                "no `{BUILD_SYMBOL}` symbol: the library does not link playground-runtime, \
                 or links a version older than its manifest"
            ),
            ManifestError::Malformed(why) => write!(f, "malformed manifest: {why}"),
        }
    }
}

/// A string field: up to the first zero byte.
fn string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Reads integers and byte fields in order, in the target's byte order
/// (the build record's magic proves it is this program's).
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
    fn u32(&mut self) -> u32 {
        u32::from_ne_bytes(self.bytes(4).try_into().expect("4 bytes"))
    }
    fn u64(&mut self) -> u64 {
        u64::from_ne_bytes(self.bytes(8).try_into().expect("8 bytes"))
    }
}

/// One record's fields, from a file's bytes or from memory.
struct Raw<'a> {
    magic: u32,
    kind: u32,
    numbers: [u64; 4],
    name: &'a [u8],
    text: &'a [u8],
}

impl<'a> Raw<'a> {
    fn of(record: &'a Record) -> Raw<'a> {
        Raw {
            magic: record.magic,
            kind: record.kind,
            numbers: record.numbers,
            name: &record.name,
            text: &record.text,
        }
    }

    fn parse(bytes: &'a [u8]) -> Raw<'a> {
        let mut fields = Fields(bytes);
        Raw {
            magic: fields.u32(),
            kind: fields.u32(),
            numbers: [fields.u64(), fields.u64(), fields.u64(), fields.u64()],
            name: fields.bytes(64),
            text: fields.bytes(192),
        }
    }
}

impl Manifest {
    /// Reads the manifest of the library whose bytes are `data`.
    pub(crate) fn read(data: &[u8]) -> Result<Manifest, ManifestError> {
        Manifest::read_image(data, false)
    }

    /// Reads the manifest of a library (`program` false: its build record
    /// must be exported) or a program (`program` true: an executable does
    /// not export it, so its full symbol table is searched too).
    fn read_image(data: &[u8], program: bool) -> Result<Manifest, ManifestError> {
        use object::{Object, ObjectSection, ObjectSymbol};
        let file = object::File::parse(data)
            .map_err(|e| ManifestError::NotAnObject(format!("not an object file: {e}")))?;
        let is_build =
            |s: &object::Symbol<'_, '_>| s.name() == Ok(BUILD_SYMBOL) && !s.is_undefined();
        let symbol = file.dynamic_symbols().find(is_build);
        let symbol = match symbol {
            Some(symbol) => symbol,
            None if program => file
                .symbols()
                .find(is_build)
                .ok_or(ManifestError::NoBuildRecord)?,
            None => return Err(ManifestError::NoBuildRecord),
        };
        let build =
            bytes_at(&file, symbol.address(), size_of::<BuildRecord>()).ok_or_else(|| {
                ManifestError::Malformed(format!("`{BUILD_SYMBOL}` is not in the file"))
            })?;
        let build = read_build(build)?;
        let Some(section) = file.section_by_name(SECTION) else {
            // A module without registrations.
            return Manifest::from_records(build, std::iter::empty());
        };
        let records = section
            .data()
            .map_err(|e| ManifestError::Malformed(format!("{SECTION}: {e}")))?;
        if records.len() % size_of::<Record>() != 0 {
            return Err(ManifestError::Malformed(format!(
                "{SECTION} holds {} bytes, not a whole number of {}-byte records",
                records.len(),
                size_of::<Record>()
            )));
        }
        Manifest::from_records(
            build,
            records.chunks_exact(size_of::<Record>()).map(Raw::parse),
        )
    }

    /// This program's manifest: its build (allocator included) and the
    /// records linked into it, read in memory. What a module is checked
    /// against ([`Manifest::check_module`]).
    pub fn linked() -> &'static Manifest {
        static LINKED: std::sync::OnceLock<Manifest> = std::sync::OnceLock::new();
        LINKED.get_or_init(|| {
            Manifest::from_records(Fingerprint::host(), MANIFEST.iter().map(Raw::of))
                // Records this image's own macros wrote cannot be malformed;
                // if they were, an empty manifest refuses every module.
                .unwrap_or_else(|error| {
                    tracing::error!(%error, "this program's own manifest is malformed");
                    Manifest {
                        build: Fingerprint::host(),
                        crate_name: None,
                        views: Vec::new(),
                        models: Vec::new(),
                        viewmodels: Vec::new(),
                    }
                })
        })
    }

    /// The manifest of the program (an executable linking
    /// playground-runtime) at `path`, read from its file without running
    /// it: what a module would be checked against in that program.
    pub fn read_program(path: impl AsRef<Path>) -> Result<Manifest, ProgramError> {
        let path = path.as_ref();
        let not_a_program = |message: String| ProgramError::NotAProgram {
            path: path.to_owned(),
            message,
        };
        // As a library is read: a regular file only, opened without
        // blocking (a FIFO would hang, `/dev/zero` never end).
        let bytes =
            crate::loading::library::read_regular_file(path).map_err(|error| match error {
                crate::loading::library::OpenError::Io(source) => ProgramError::Io {
                    path: path.to_owned(),
                    source,
                },
                crate::loading::library::OpenError::NotAFile(kind) => {
                    not_a_program(kind.to_owned())
                }
                other => not_a_program(format!("{other:?}")),
            })?;
        let mut manifest =
            Manifest::read_image(&bytes, true).map_err(|e| not_a_program(e.to_string()))?;
        let file = object::File::parse(&*bytes).map_err(|e| not_a_program(e.to_string()))?;
        manifest.build.allocator = crate::loading::module::allocator_of(&file).to_owned();
        Ok(manifest)
    }

    /// The manifest of the module library at `path`, after the checks
    /// [`Registry::load`](crate::Registry::load) makes of its file before
    /// anything else (a regular file, a complete library, its hash if a
    /// `.sha256` file is beside it, a module's export). Runs none of its
    /// code.
    pub fn read_library(path: impl AsRef<Path>) -> Result<Manifest, LoadError> {
        let path = path.as_ref();
        let image = crate::loading::library::Image::read(path)
            .map_err(|e| crate::loading::loader::open_error(path, e))?;
        Ok(image.manifest)
    }

    fn from_records<'a>(
        build: Fingerprint,
        records: impl Iterator<Item = Raw<'a>>,
    ) -> Result<Manifest, ManifestError> {
        let mut manifest = Manifest {
            build,
            crate_name: None,
            views: Vec::new(),
            models: Vec::new(),
            viewmodels: Vec::new(),
        };
        let mut methods: Vec<(u64, u64, ManifestMethod)> = Vec::new();
        // Keyed by model id and version: a model kept to migrate from may
        // share its successor's id.
        let mut fields: Vec<((u64, u64), u64, ManifestField)> = Vec::new();
        for Raw {
            magic,
            kind,
            numbers,
            name,
            text,
        } in records
        {
            let (name, text) = (string(name), string(text));
            if magic != RECORD_MAGIC {
                return Err(ManifestError::Malformed(format!(
                    "a record starts with {magic:08x}, not {RECORD_MAGIC:08x}"
                )));
            }
            match kind {
                k if k == Kind::View as u32 => manifest.views.push(ManifestView {
                    name,
                    module_path: text,
                    view_id: numbers[0],
                    api_version: numbers[1],
                    methods: Vec::new(),
                }),
                k if k == Kind::Method as u32 => methods.push((
                    numbers[0],
                    numbers[1],
                    ManifestMethod {
                        name,
                        signature: text,
                        is_async: numbers[2] != 0,
                        fingerprint: numbers[3],
                    },
                )),
                k if k == Kind::Model as u32 => manifest.models.push(ManifestModel {
                    name,
                    module_path: text,
                    model_id: numbers[0],
                    state_version: numbers[1],
                    size: numbers[2],
                    align: numbers[3],
                    fields: Vec::new(),
                }),
                k if k == Kind::Field as u32 => fields.push((
                    (numbers[0], numbers[3]),
                    numbers[1],
                    ManifestField {
                        name,
                        ty: text,
                        fingerprint: numbers[2],
                    },
                )),
                k if k == Kind::ViewModel as u32 => manifest.viewmodels.push(ManifestViewModel {
                    name,
                    name_hash: numbers[2],
                    module_path: text,
                    view_id: numbers[0],
                    api_version: numbers[1],
                }),
                k if k == Kind::Crate as u32 => manifest.crate_name = Some(name),
                other => {
                    return Err(ManifestError::Malformed(format!(
                        "unknown record kind {other}"
                    )));
                }
            }
        }
        // Methods and fields come in any order the linker chose: put each
        // in its place.
        methods.sort_by_key(|(view, index, _)| (*view, *index));
        for (view_id, _, method) in methods {
            if let Some(view) = manifest.views.iter_mut().find(|v| v.view_id == view_id) {
                view.methods.push(method);
            }
        }
        fields.sort_by_key(|(model, index, _)| (*model, *index));
        for ((model_id, version), _, field) in fields {
            let model = manifest
                .models
                .iter_mut()
                .find(|m| m.model_id == model_id && m.state_version == version);
            if let Some(model) = model {
                model.fields.push(field);
            }
        }
        Ok(manifest)
    }

    /// The viewmodels of the module's own crate (all of them without
    /// `export_module!`).
    pub fn own_viewmodels(&self) -> impl Iterator<Item = &ManifestViewModel> {
        self.viewmodels.iter().filter(|vm| match &self.crate_name {
            Some(name) => in_crate(&vm.module_path, name),
            None => true,
        })
    }

    /// Whether the live registrations of the opened library are the ones
    /// the manifest listed: the first difference, if any.
    pub(crate) fn disagreement(
        &self,
        models: &[ModelDescriptor],
        viewmodels: &[&ViewModelDescriptor],
    ) -> Option<String> {
        for model in models {
            let listed = self.models.iter().any(|m| {
                m.model_id == model.model_id
                    && m.state_version == model.state_version
                    && m.size == model.size as u64
                    && m.align == model.align as u64
            });
            if !listed {
                return Some(format!(
                    "model `{}` is not in the manifest as registered",
                    model.name
                ));
            }
        }
        for vm in viewmodels {
            let listed = self.viewmodels.iter().any(|m| {
                m.view_id == vm.view_id
                    && m.api_version == vm.api_version
                    && m.name_hash == crate::contract::fingerprint::named(vm.name)
            });
            if !listed {
                return Some(format!(
                    "viewmodel `{}` is not in the manifest as registered",
                    vm.name
                ));
            }
        }
        (models.len() != self.models.len() || viewmodels.len() != self.viewmodels.len()).then(|| {
            format!(
                "the manifest lists {} models and {} viewmodels, the library registers {} and {}",
                self.models.len(),
                self.viewmodels.len(),
                models.len(),
                viewmodels.len()
            )
        })
    }
}

impl fmt::Display for Manifest {
    /// Everything the manifest lists, one item a line, its methods and
    /// fields indented below it, as `playground-inspect` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "crate: {}",
            self.crate_name
                .as_deref()
                .unwrap_or("(not named: no `export_module!`)")
        )?;
        writeln!(f, "build: {}", self.build)?;
        for view in &self.views {
            writeln!(
                f,
                "view {}::{}  id {:016x}  api {:016x}",
                view.module_path, view.name, view.view_id, view.api_version
            )?;
            for method in &view.methods {
                writeln!(f, "    {}", method.signature)?;
            }
        }
        for model in &self.models {
            writeln!(
                f,
                "model {}::{}  id {:016x}  state {:016x}  size {}  align {}",
                model.module_path,
                model.name,
                model.model_id,
                model.state_version,
                model.size,
                model.align
            )?;
            for field in &model.fields {
                writeln!(f, "    {}: {}", field.name, field.ty)?;
            }
        }
        for vm in &self.viewmodels {
            let view = self
                .views
                .iter()
                .find(|v| v.view_id == vm.view_id)
                .map_or_else(|| format!("{:016x}", vm.view_id), |v| v.name.clone());
            let own = self.own_viewmodels().any(|own| std::ptr::eq(own, vm));
            writeln!(
                f,
                "viewmodel {}::{}  implements {view} (api {:016x}){}",
                vm.module_path,
                vm.name,
                vm.api_version,
                if own {
                    ""
                } else {
                    "  [another crate's: not bound]"
                }
            )?;
        }
        Ok(())
    }
}

/// Whether `module_path` is in crate `name`.
pub(crate) fn in_crate(module_path: &str, name: &str) -> bool {
    module_path == name
        || module_path
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with("::"))
}

/// `len` bytes of the file at virtual address `address`, if a section
/// holds them.
fn bytes_at<'d>(file: &object::File<'d>, address: u64, len: usize) -> Option<&'d [u8]> {
    use object::{Object, ObjectSection};
    file.sections().find_map(|section| {
        let start = address.checked_sub(section.address())?;
        let data = section.data().ok()?;
        let start = usize::try_from(start).ok()?;
        data.get(start..start.checked_add(len)?)
    })
}

fn read_build(bytes: &[u8]) -> Result<Fingerprint, ManifestError> {
    let mut fields = Fields(bytes);
    let magic = fields.u64();
    if magic != BUILD_MAGIC {
        return Err(ManifestError::Malformed(format!(
            "`{BUILD_SYMBOL}` starts with {magic:016x}, not {BUILD_MAGIC:016x} \
             (another byte order, or not a playground module)"
        )));
    }
    Ok(Fingerprint {
        rustc: string(fields.bytes(96)),
        target: string(fields.bytes(64)),
        runtime_version: string(fields.bytes(32)),
        runtime_sources: string(fields.bytes(32)),
        panic: string(fields.bytes(16)),
        allocator: String::new(),
    })
}

impl Fingerprint {
    /// This program's build, from its own build record.
    pub(crate) fn of_build_record() -> Fingerprint {
        let record = &playground_build_v1;
        Fingerprint {
            rustc: string(&record.rustc),
            target: string(&record.target),
            runtime_version: string(&record.runtime_version),
            runtime_sources: string(&record.runtime_sources),
            panic: string(&record.panic),
            allocator: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_cut_at_a_character_and_says_so() {
        assert_eq!(string(&text::<8>("fn a()")), "fn a()");
        assert_eq!(string(&text::<8>("12345678")), "12345678");
        assert_eq!(string(&text::<8>("123456789")), format!("12345{CUT}"));
        // `é` is two bytes: not split.
        assert_eq!(string(&text::<8>("1234éabc")), format!("1234{CUT}"));
    }
}
