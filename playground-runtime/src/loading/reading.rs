//! Reading a manifest: from a library's bytes with the `object` crate (a
//! maintained reader of ELF and the other object formats), before
//! `dlopen`; from the program's own records in memory
//! ([`Manifest::linked`]); or from an executable file
//! ([`Manifest::read_program`]).

use crate::contract::ids::{ApiVersion, ModelId, StateVersion, ViewId};
use crate::contract::record::{
    BUILD_MAGIC, BUILD_RECORD, BUILD_SYMBOL, BuildRecord, Kind, MANIFEST, PROGRAM_BUILD_SYMBOL,
    RECORD_MAGIC, Record, SECTION,
};
use crate::loading::error::ProgramError;
use crate::loading::manifest::{
    Manifest, ManifestField, ManifestHeld, ManifestMethod, ManifestMigrations, ManifestModel,
    ManifestView, ManifestViewModel,
};
use crate::loading::module::Fingerprint;
use std::fmt;
use std::path::Path;

/// Why a file's manifest could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ManifestError {
    /// Not an object file of a kind this program can load.
    NotAnObject(String),
    /// A file without the build record: a library that is not a playground
    /// module, or a program that does not link playground-runtime.
    NoBuildRecord {
        /// The symbol looked for.
        symbol: &'static str,
    },
    /// A record or the build record is malformed.
    Malformed(String),
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManifestError::NotAnObject(why) => f.write_str(why),
            ManifestError::NoBuildRecord {
                symbol: PROGRAM_BUILD_SYMBOL,
            } => write!(
                f,
                "no `{PROGRAM_BUILD_SYMBOL}` symbol: the program does not link playground-runtime"
            ),
            ManifestError::NoBuildRecord { symbol } => write!(
                f,
                "no `{symbol}` symbol: the library is not a playground module (a module's crate \
                 calls `playground_runtime::export_module!()` once), or was built with a \
                 version of playground-runtime older than its manifest"
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
    numbers: [u64; 8],
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
            numbers: std::array::from_fn(|_| fields.u64()),
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

    /// Reads the manifest of a thin module (`module`, its bytes) from its
    /// own file and from its support library's build and records (see
    /// [`support_records`]): the module's records and those of the crates
    /// it links. The support library's build must be the module's.
    pub(crate) fn read_thin(
        module: &[u8],
        support_build: &Fingerprint,
        support_records: &[u8],
    ) -> Result<Manifest, ManifestError> {
        let (build, own) = build_and_records(module, false)?;
        if *support_build != build {
            return Err(ManifestError::Malformed(format!(
                "its support library was built as {support_build}, the module as {build}"
            )));
        }
        Manifest::from_records(
            build,
            own.chunks_exact(size_of::<Record>())
                .chain(support_records.chunks_exact(size_of::<Record>()))
                .map(Raw::parse),
        )
    }

    /// Reads the manifest of a library (`program` false: its build record
    /// must be exported) or a program (`program` true: an executable does
    /// not export it, so its full symbol table is searched too).
    fn read_image(data: &[u8], program: bool) -> Result<Manifest, ManifestError> {
        let (build, records) = build_and_records(data, program)?;
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
                        migrations: Vec::new(),
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
        let bytes = crate::loading::file::read_regular_file(path).map_err(|error| match error {
            crate::loading::file::OpenError::Io(source) => ProgramError::Io {
                path: path.to_owned(),
                source,
            },
            crate::loading::file::OpenError::NotAFile(kind) => not_a_program(kind.to_owned()),
            other => not_a_program(format!("{other:?}")),
        })?;
        let mut manifest =
            Manifest::read_image(&bytes, true).map_err(|e| not_a_program(e.to_string()))?;
        let file = object::File::parse(&*bytes).map_err(|e| not_a_program(e.to_string()))?;
        manifest.build.allocator = crate::loading::module::allocator_of(&file).to_owned();
        Ok(manifest)
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
            migrations: Vec::new(),
        };
        let mut methods: Vec<(u64, u64, ManifestMethod)> = Vec::new();
        // Keyed by model id and version: a model kept to migrate from may
        // share its successor's id.
        let mut fields: Vec<((u64, u64), u64, ManifestField)> = Vec::new();
        // Keyed by viewmodel (name hash, view id), pool or not, and index.
        let mut held: Vec<((u64, u64), bool, u64, ManifestHeld)> = Vec::new();
        let mut migrations: Vec<([u64; 8], Vec<StateVersion>)> = Vec::new();
        for Raw {
            magic,
            kind,
            numbers,
            name,
            text,
        } in records
        {
            let text_bytes = text;
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
                    view_id: ViewId::new(numbers[0]),
                    api_version: ApiVersion::new(numbers[1]),
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
                    model_id: ModelId::new(numbers[0]),
                    state_version: StateVersion::new(numbers[1]),
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
                    view_id: ViewId::new(numbers[0]),
                    api_version: ApiVersion::new(numbers[1]),
                    state: Vec::new(),
                    pools: Vec::new(),
                }),
                k if k == Kind::Crate as u32 => manifest.crate_name = Some(name),
                k if k == Kind::State as u32 || k == Kind::Pool as u32 => held.push((
                    (numbers[0], numbers[1]),
                    k == Kind::Pool as u32,
                    numbers[6],
                    ManifestHeld {
                        field: name,
                        model: text,
                        model_id: ModelId::new(numbers[2]),
                        state_version: StateVersion::new(numbers[3]),
                        size: numbers[4],
                        align: numbers[5],
                        reads: Vec::new(),
                    },
                )),
                k if k == Kind::Migrations as u32 => {
                    let words = text_bytes.chunks_exact(8).take(numbers[2] as usize);
                    let reads = words
                        .map(|w| {
                            StateVersion::new(u64::from_le_bytes(w.try_into().expect("8 bytes")))
                        })
                        .collect();
                    migrations.push((numbers, reads));
                }
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
            if let Some(view) = manifest
                .views
                .iter_mut()
                .find(|v| v.view_id.get() == view_id)
            {
                view.methods.push(method);
            }
        }
        // A held field's migrations are keyed by the field; a model's own
        // (all zero key) by model and version, merged if two models of
        // one id and version list theirs.
        for (numbers, reads) in migrations {
            let [model_id, version, _, viewmodel, view, index, kind, _] = numbers;
            if viewmodel == 0 && view == 0 && kind == 0 {
                let (model_id, state_version) =
                    (ModelId::new(model_id), StateVersion::new(version));
                match manifest
                    .migrations
                    .iter_mut()
                    .find(|m| m.model_id == model_id && m.state_version == state_version)
                {
                    Some(known) => {
                        for version in reads {
                            if !known.reads.contains(&version) {
                                known.reads.push(version);
                            }
                        }
                    }
                    None => manifest.migrations.push(ManifestMigrations {
                        model_id,
                        state_version,
                        reads,
                    }),
                }
                continue;
            }
            let field = held.iter_mut().find(|(key, pool, i, _)| {
                *key == (viewmodel, view) && *i == index && *pool == (kind == Kind::Pool as u64)
            });
            if let Some((.., field)) = field {
                field.reads = reads;
            }
        }
        held.sort_by_key(|(viewmodel, pool, index, _)| (*viewmodel, *pool, *index));
        for ((name_hash, view_id), pool, _, field) in held {
            if let Some(vm) = manifest
                .viewmodels
                .iter_mut()
                .find(|vm| vm.name_hash == name_hash && vm.view_id.get() == view_id)
            {
                if pool { &mut vm.pools } else { &mut vm.state }.push(field);
            }
        }
        fields.sort_by_key(|(model, index, _)| (*model, *index));
        for ((model_id, version), _, field) in fields {
            let model = manifest
                .models
                .iter_mut()
                .find(|m| m.model_id.get() == model_id && m.state_version.get() == version);
            if let Some(model) = model {
                model.fields.push(field);
            }
        }
        Ok(manifest)
    }
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

/// The build record and the manifest records (whole records, back to
/// back) of the image whose bytes are `data`: a module's (`program`
/// false: its build record must be exported as [`BUILD_SYMBOL`]), or a
/// program's or support library's ([`PROGRAM_BUILD_SYMBOL`], searched in
/// the full symbol table too: an executable does not export it).
fn build_and_records(data: &[u8], program: bool) -> Result<(Fingerprint, &[u8]), ManifestError> {
    use object::{Object, ObjectSection, ObjectSymbol};
    let file = object::File::parse(data)
        .map_err(|e| ManifestError::NotAnObject(format!("not an object file: {e}")))?;
    let name = if program {
        PROGRAM_BUILD_SYMBOL
    } else {
        BUILD_SYMBOL
    };
    let missing = ManifestError::NoBuildRecord { symbol: name };
    let is_build = |s: &object::Symbol<'_, '_>| s.name() == Ok(name) && !s.is_undefined();
    let symbol = file.dynamic_symbols().find(is_build);
    let symbol = match symbol {
        Some(symbol) => symbol,
        None if program => file.symbols().find(is_build).ok_or(missing)?,
        None => return Err(missing),
    };
    let build = bytes_at(&file, symbol.address(), size_of::<BuildRecord>())
        .ok_or_else(|| ManifestError::Malformed(format!("`{name}` is not in the file")))?;
    let build = read_build(build)?;
    let Some(section) = file.section_by_name(SECTION) else {
        // An image without registrations.
        return Ok((build, &[]));
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
    Ok((build, records))
}

/// The build and the manifest records (whole records, back to back) of a
/// support library whose bytes are `data`, kept for the modules linked
/// against it.
pub(crate) fn support_records(data: &[u8]) -> Result<(Fingerprint, Vec<u8>), ManifestError> {
    let (build, records) = build_and_records(data, true)?;
    Ok((build, records.to_vec()))
}

fn read_build(bytes: &[u8]) -> Result<Fingerprint, ManifestError> {
    let mut fields = Fields(bytes);
    let magic = fields.u64();
    if magic != BUILD_MAGIC {
        return Err(ManifestError::Malformed(format!(
            "the build record starts with {magic:016x}, not {BUILD_MAGIC:016x} \
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
        let record = &BUILD_RECORD;
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
    use crate::contract::record::{CUT, text};

    #[test]
    fn a_long_text_is_cut_at_a_character_and_says_so() {
        assert_eq!(string(&text::<8>("fn a()")), "fn a()");
        assert_eq!(string(&text::<8>("12345678")), "12345678");
        assert_eq!(string(&text::<8>("123456789")), format!("12345{CUT}"));
        // `é` is two bytes: not split.
        assert_eq!(string(&text::<8>("1234éabc")), format!("1234{CUT}"));
    }
}
