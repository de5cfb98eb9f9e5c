//! What every image carries for a loader to read before any of its code
//! runs, as plain data in its file (no pointers: nothing to relocate, so
//! the bytes in the file are the values):
//!
//! - the **build record**: compiler, target, runtime version and build,
//!   panic strategy. A module exports it as `playground_build_v1`
//!   ([`export_module!`](crate::export_module) writes the `static` into the
//!   module's own crate, so it is in the module's file however the module
//!   is linked); a program carries it as `playground_program_v1`, a
//!   `static` of the runtime;
//! - the **manifest records**, one per view, method, model, model field
//!   and viewmodel (and the module's crate name), in a linkme slice: the
//!   macros add them where they add the registrations, so the linker
//!   gathers them into one section (`linkme_MANIFEST`) of fixed-size
//!   entries. Their text fields have a fixed size: a longer text is cut,
//!   and then ends with [`CUT`].
//!
//! The loading layer reads them (`loading::reading`).

use crate::contract::model::{Migrations, Model};
use crate::contract::state::State;
use crate::contract::view::View;
use crate::contract::viewmodel::ViewModel;
use linkme::distributed_slice;

/// The exported symbol of a module's build record.
pub const BUILD_SYMBOL: &str = "playground_build_v1";

/// The symbol of a program's build record.
pub const PROGRAM_BUILD_SYMBOL: &str = "playground_program_v1";

/// The section the linker gathers the records into (linkme's name for the
/// `MANIFEST` slice on ELF targets).
pub const SECTION: &str = "linkme_MANIFEST";

/// `b"PGMANIF1"`: the first field of the build record.
pub(crate) const BUILD_MAGIC: u64 = u64::from_le_bytes(*b"PGMANIF1");

/// `b"PGMR"`: the first field of every record.
pub(crate) const RECORD_MAGIC: u32 = u32::from_le_bytes(*b"PGMR");

/// Every manifest record of this image.
#[distributed_slice]
pub static MANIFEST: [Record];

/// Ends a text that was cut to fit its record.
pub const CUT: char = '…';

/// Puts `static $name: T = $value;` into this image's distributed slice
/// `$slice` (`MANIFEST`, `VIEWS`, `MODELS` or `VIEWMODELS`), `T` being the
/// slice's element type, which each arm fixes; `MANIFEST $name[N]` puts an
/// array of `N` records, which the linker lays out as `N` elements (an
/// array's elements are contiguous and its size is a multiple of their
/// alignment, and a static in an explicit section keeps the alignment of
/// its type, so nothing pads between them). It is what linkme's
/// `#[distributed_slice(..)]` does to an element, through the macro linkme
/// declares beside each slice (which knows the slice's section on every
/// platform), less the function linkme adds to check the static's type:
/// that is one more body for the compiler to check again on every rebuild
/// of a module, and here the arm gives the type.
///
/// `$value` reads a `const` the caller wrote, or is one: what this macro
/// writes is checked again on every rebuild (rustc identifies a macro's
/// output by where it was called), and a static that only reads a const
/// costs nothing to check, where evaluating a record would.
#[doc(hidden)]
#[macro_export]
macro_rules! __register {
    (MANIFEST $name:ident[$count:expr] = $value:expr) => {
        $crate::__private::MANIFEST! {
            #![linkme_macro = $crate::__private::MANIFEST]
            static $name: [$crate::__private::ManifestRecord; $count] = $value;
        }
    };
    (VIEWS $name:ident = $value:expr) => {
        $crate::__private::VIEWS! {
            #![linkme_macro = $crate::__private::VIEWS]
            static $name: &'static $crate::__private::ViewDescriptor = $value;
        }
    };
    (MODELS $name:ident = $value:expr) => {
        $crate::__private::MODELS! {
            #![linkme_macro = $crate::__private::MODELS]
            static $name: $crate::__private::ModelDescriptor = $value;
        }
    };
    (VIEWMODELS $name:ident = $value:expr) => {
        $crate::__private::VIEWMODELS! {
            #![linkme_macro = $crate::__private::VIEWMODELS]
            static $name: $crate::__private::ViewModelEntry = $value;
        }
    };
}

/// A string of at most `N` bytes, zero-padded. A longer one is cut at a
/// character boundary and ends with [`CUT`], so that a reader knows.
pub(crate) const fn text<const N: usize>(s: &str) -> [u8; N] {
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
    pub(crate) magic: u64,
    pub(crate) rustc: [u8; 96],
    pub(crate) target: [u8; 64],
    pub(crate) runtime_version: [u8; 32],
    pub(crate) runtime_sources: [u8; 32],
    pub(crate) panic: [u8; 16],
}

/// This build's record: what [`export_module!`](crate::export_module)
/// exports as a module's `playground_build_v1`.
pub const BUILD_RECORD: BuildRecord = BuildRecord {
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

/// The build record of every image that links the runtime, under a name
/// of its own: how a program's file says which build it is.
#[unsafe(no_mangle)]
#[used]
pub static playground_program_v1: BuildRecord = BUILD_RECORD;

/// What a record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Kind {
    View = 1,
    Method = 2,
    Model = 3,
    ViewModel = 4,
    Crate = 5,
    Field = 6,
    State = 7,
    Pool = 8,
    Migrations = 9,
}

/// One manifest record: `#[repr(C)]`, integers and byte arrays only.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Record {
    pub(crate) magic: u32,
    pub(crate) kind: u32,
    pub(crate) numbers: [u64; 8],
    pub(crate) name: [u8; 64],
    pub(crate) text: [u8; 192],
}

impl Record {
    const fn new(kind: Kind, numbers: [u64; 8], name: &str, text_: &str) -> Record {
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
            [
                V::VIEW_ID.get(),
                V::API_VERSION.get(),
                methods,
                0,
                0,
                0,
                0,
                0,
            ],
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
                V::VIEW_ID.get(),
                index as u64,
                method.is_async as u64,
                method.fingerprint,
                0,
                0,
                0,
                0,
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
                M::MODEL_ID.get(),
                index as u64,
                field.fingerprint,
                M::STATE_VERSION.get(),
                0,
                0,
                0,
                0,
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
                M::MODEL_ID.get(),
                M::STATE_VERSION.get(),
                M::SIZE as u64,
                M::ALIGN as u64,
                0,
                0,
                0,
                0,
            ],
            M::NAME,
            module_path,
        )
    }

    /// The record of view `V`, declared in `module_path`, then those of
    /// its methods in order (`N` one more than its number of methods).
    pub const fn view_and_methods<V: ?Sized + View, const N: usize>(
        module_path: &str,
    ) -> [Record; N] {
        let mut records = [Record::view::<V>(module_path); N];
        let mut i = 1;
        while i < N {
            records[i] = Record::method::<V>(i - 1);
            i += 1;
        }
        records
    }

    /// The record of model `M`, declared in `module_path`, then those of
    /// its fields in order, then, if `N` leaves room for it, the record of
    /// the older formats it reads.
    pub const fn model_and_fields<M: Model, const N: usize>(module_path: &str) -> [Record; N] {
        let mut records = [Record::model::<M>(module_path); N];
        let fields = M::FIELDS.len();
        let mut i = 0;
        while i < fields {
            records[1 + i] = Record::field::<M>(i);
            i += 1;
        }
        if N > 1 + fields {
            records[N - 1] = Record::migrations::<M>();
        }
        records
    }

    /// The record of viewmodel `VM`, written in `module_path`. The name
    /// may be cut to fit; its hash is whole.
    pub const fn viewmodel<VM: ViewModel>(module_path: &str) -> Record {
        Record::new(
            Kind::ViewModel,
            [
                <VM::View as View>::VIEW_ID.get(),
                VM::API_VERSION.get(),
                crate::contract::fingerprint::named(VM::NAME),
                0,
                0,
                0,
                0,
                0,
            ],
            VM::NAME,
            module_path,
        )
    }

    /// The record naming the module's crate (`export_module!`).
    pub const fn module_crate(name: &str) -> Record {
        Record::new(Kind::Crate, [0; 8], name, "")
    }

    /// The record of the older formats model `M` reads
    /// ([`Model::MIGRATIONS`]).
    pub const fn migrations<M: Model>() -> Record {
        let model = [M::MODEL_ID.get(), M::STATE_VERSION.get()];
        Record::migrations_of(M::NAME, model, [0; 4], &M::MIGRATIONS)
    }

    /// The migrations record of a model (id and version), for the held
    /// field keyed `field` (viewmodel name hash, view id, index, kind; all
    /// zero for the model's own record). The versions are stored in the
    /// text as little-endian words (it holds [`Migrations::CAPACITY`]).
    const fn migrations_of(
        name: &str,
        [model_id, version]: [u64; 2],
        [viewmodel, view, index, kind]: [u64; 4],
        reads: &Migrations,
    ) -> Record {
        let versions = reads.as_slice();
        let count = versions.len() as u64;
        let mut record = Record::new(
            Kind::Migrations,
            [model_id, version, count, viewmodel, view, index, kind, 0],
            name,
            "",
        );
        let mut i = 0;
        while i < versions.len() {
            let word = versions[i].get().to_le_bytes();
            let mut j = 0;
            while j < 8 {
                record.text[i * 8 + j] = word[j];
                j += 1;
            }
            i += 1;
        }
        record
    }
}

/// A viewmodel's state or pool field, with the format of the model it
/// holds: the two records a loader judges a new build's state by, before
/// it runs (what `#[viewmodel]` writes per field of `state(...)` and
/// `pools(...)`). The field's type is checked once, here.
pub struct HeldField {
    kind: Kind,
    viewmodel: u64,
    view: u64,
    field: &'static str,
    index: usize,
    model: &'static str,
    model_id: u64,
    version: u64,
    size: usize,
    align: usize,
    reads: Migrations,
}

impl HeldField {
    /// State field number `index`, `field`, of viewmodel `VM`, which
    /// `access` reads.
    pub const fn state<VM: ViewModel, F: State>(
        access: fn(&VM) -> &F,
        field: &'static str,
        index: usize,
    ) -> HeldField {
        let _ = access;
        HeldField::of::<VM, F::Model>(Kind::State, field, index)
    }

    /// Pool field number `index`, `field`, of viewmodel `VM`, which
    /// `access` reads.
    pub const fn pool<VM: ViewModel, F: PoolField>(
        access: fn(&VM) -> &F,
        field: &'static str,
        index: usize,
    ) -> HeldField {
        let _ = access;
        HeldField::of::<VM, F::Model>(Kind::Pool, field, index)
    }

    const fn of<VM: ViewModel, M: Model>(kind: Kind, field: &'static str, index: usize) -> Self {
        HeldField {
            kind,
            viewmodel: crate::contract::fingerprint::named(VM::NAME),
            view: <VM::View as View>::VIEW_ID.get(),
            field,
            index,
            model: M::NAME,
            model_id: M::MODEL_ID.get(),
            version: M::STATE_VERSION.get(),
            size: M::SIZE,
            align: M::ALIGN,
            reads: M::MIGRATIONS,
        }
    }

    /// The field's record.
    pub const fn record(&self) -> Record {
        Record::new(
            self.kind,
            [
                self.viewmodel,
                self.view,
                self.model_id,
                self.version,
                self.size as u64,
                self.align as u64,
                self.index as u64,
                0,
            ],
            self.field,
            self.model,
        )
    }

    /// The record of the older formats its model reads.
    pub const fn migrations(&self) -> Record {
        let field = [
            self.viewmodel,
            self.view,
            self.index as u64,
            self.kind as u64,
        ];
        Record::migrations_of(
            self.model,
            [self.model_id, self.version],
            field,
            &self.reads,
        )
    }
}

/// A viewmodel field that holds a registry pool (`Pool<M>`), as named in
/// `#[viewmodel(pools(...))]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pool",
    label = "named in #[viewmodel(pools(...))]",
    note = "a pool field is a `Pool<M>` of a #[model] type `M`"
)]
pub trait PoolField {
    /// The model it pools.
    type Model: Model;
}
