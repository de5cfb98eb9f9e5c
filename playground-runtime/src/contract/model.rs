//! Models: plain data with a content-hash format version.

use crate::contract::codec;
use crate::contract::error::StateError;
use crate::contract::fingerprint::TypeFingerprint;
use crate::contract::ids::{ModelId, StateVersion};
use serde::de::{self, DeserializeOwned, MapAccess, SeqAccess};
use serde::ser::SerializeStruct;
use serde::{Deserializer, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// A model: implemented by `#[model]` on a struct or enum.
///
/// Encoding goes through serde and postcard (a compact, stable, `no_std`
/// format made for this: no schema, no field names, small and fast); the
/// user's crate does not depend on either, `#[model]` reaches them through
/// this crate.
///
/// ```
/// use playground_runtime::{Model, model};
///
/// #[model]
/// #[derive(Debug, PartialEq)]
/// pub struct Body {
///     pos: [f32; 3],
///     vel: [f32; 3],
/// }
///
/// let body = Body { pos: [0.0; 3], vel: [1.0; 3] };
/// let bytes = body.encode().unwrap();
/// assert_eq!(Body::decode(&bytes).unwrap(), body);
/// println!("{}", Body::STATE_VERSION);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a playground model",
    label = "not declared with #[model]",
    note = "add `#[playground_runtime::model]` to the type's definition"
)]
///
/// # Safety
/// `MODEL_ID`, `STATE_VERSION`, `SIZE` and `ALIGN` decide whether another
/// build's bytes or live storage are taken as this type's: `STATE_VERSION`
/// must change whenever the type's structure does. `#[model]` implements
/// it; do not implement it by hand.
pub unsafe trait Model:
    TypeFingerprint + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The model's name.
    const NAME: &'static str;
    /// Stable id: a hash of the declaring crate's name and the model's name.
    const MODEL_ID: ModelId;
    /// The model's structural fingerprint ([`TypeFingerprint`]): field
    /// names, the fingerprint of every field's type (nested types
    /// included, whatever they are called), variants, `repr` and serde
    /// attributes. Bytes and storage are only taken by a build with the
    /// same version.
    const STATE_VERSION: StateVersion = StateVersion::new(<Self as TypeFingerprint>::FINGERPRINT);
    /// `size_of::<Self>()`, checked across builds.
    const SIZE: usize = size_of::<Self>();
    /// `align_of::<Self>()`, checked across builds.
    const ALIGN: usize = align_of::<Self>();
    /// Its fields, in declaration order (an enum's as `Variant.field`):
    /// what a refused module's message compares field by field.
    const FIELDS: &'static [FieldDescriptor] = &[];
    /// Every older format [`Model::migrate`] reads: what a loader judges a
    /// module's state by before any of its code runs.
    /// `#[model(migrate_from(Old))]` lists `Old`'s version and what `Old`
    /// reads in turn.
    const MIGRATIONS: Migrations = Migrations::NONE;

    /// Encodes `self` in the model's save format.
    fn encode(&self) -> Result<Vec<u8>, StateError> {
        // postcard's own `to_allocvec`, without its generic error plumbing:
        // this is instantiated for every model.
        let mut out = postcard::Serializer {
            output: postcard::ser_flavors::AllocVec::new(),
        };
        let written = self.serialize(&mut out);
        encoded(written, out, Self::NAME)
    }

    /// Converts bytes saved in another format, `saved_version`, into this
    /// one: `Some` if this model knows that format (`#[model(migrate_from(Old))]`
    /// with `impl From<Old> for Self`), `None` to refuse it.
    fn migrate(saved_version: StateVersion, bytes: &[u8]) -> Option<Result<Self, StateError>> {
        let _ = (saved_version, bytes);
        None
    }

    /// Decodes bytes written by [`Model::encode`] of the same `STATE_VERSION`.
    /// Trailing bytes are an error: they mean the format is not the one read.
    fn decode(bytes: &[u8]) -> Result<Self, StateError> {
        let mut input = postcard::Deserializer::from_bytes(bytes);
        match Self::deserialize(&mut input) {
            Ok(value) => match left_over(input, Self::NAME) {
                None => Ok(value),
                Some(error) => Err(error),
            },
            Err(error) => Err(decode_error(Self::NAME, error.to_string())),
        }
    }
}

/// What [`Model::encode`] returns once the model is written (the part
/// that does not depend on the model).
fn encoded(
    written: Result<(), postcard::Error>,
    out: postcard::Serializer<postcard::ser_flavors::AllocVec>,
    model: &str,
) -> Result<Vec<u8>, StateError> {
    use postcard::ser_flavors::Flavor;
    written
        .and_then(|()| out.output.finalize())
        .map_err(|error| StateError::Encode {
            model: model.to_owned(),
            message: error.to_string(),
        })
}

/// The error of [`Model::decode`].
#[cold]
fn decode_error(model: &str, message: String) -> StateError {
    StateError::Decode {
        model: model.to_owned(),
        message,
    }
}

/// Whether [`Model::decode`] left bytes unread: the error if it did.
fn left_over<'a>(
    input: postcard::Deserializer<'a, postcard::de_flavors::Slice<'a>>,
    model: &str,
) -> Option<StateError> {
    match input.finalize() {
        Ok([]) => None,
        Ok(rest) => Some(decode_error(
            model,
            format!("{} bytes left over", rest.len()),
        )),
        Err(error) => Some(decode_error(model, error.to_string())),
    }
}

/// The older formats a model reads ([`Model::MIGRATIONS`]), a list built
/// at compile time: at most [`Migrations::CAPACITY`] of them, which is as
/// many as a manifest record holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Migrations {
    len: usize,
    versions: [StateVersion; Migrations::CAPACITY],
}

impl Migrations {
    /// The most versions a model can read besides its own.
    pub const CAPACITY: usize = 22;

    /// A model that reads no other format.
    pub const NONE: Migrations = Migrations {
        len: 0,
        versions: [StateVersion::new(0); Migrations::CAPACITY],
    };

    /// These and what `M` reads: `M`'s own version and its migrations.
    pub const fn and<M: Model>(self) -> Migrations {
        let mut out = self.with(M::STATE_VERSION);
        let older = M::MIGRATIONS;
        let mut i = 0;
        while i < older.len {
            out = out.with(older.versions[i]);
            i += 1;
        }
        out
    }

    const fn with(mut self, version: StateVersion) -> Migrations {
        if self.contains(version) {
            return self;
        }
        assert!(
            self.len < Migrations::CAPACITY,
            "a model reads at most 22 older formats (migrate_from, followed through each older model)"
        );
        self.versions[self.len] = version;
        self.len += 1;
        self
    }

    /// Whether `version` is one of them.
    pub const fn contains(&self, version: StateVersion) -> bool {
        let mut i = 0;
        while i < self.len {
            if self.versions[i].get() == version.get() {
                return true;
            }
            i += 1;
        }
        false
    }

    /// The versions, in the order `migrate_from` lists them (each older
    /// model's own after it).
    pub const fn as_slice(&self) -> &[StateVersion] {
        self.versions.split_at(self.len).0
    }
}

impl fmt::Debug for Migrations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// A model as the registry lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelDescriptor {
    /// The model's name.
    pub name: &'static str,
    /// Module the type is declared in.
    pub module_path: &'static str,
    /// See [`Model::MODEL_ID`].
    pub model_id: ModelId,
    /// See [`Model::STATE_VERSION`].
    pub state_version: StateVersion,
    /// See [`Model::SIZE`].
    pub size: usize,
    /// See [`Model::ALIGN`].
    pub align: usize,
    /// See [`Model::FIELDS`].
    pub fields: &'static [FieldDescriptor],
}

/// One field of a model, as the registry and the manifest list it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDescriptor {
    /// The field's name: `pos`, `0` in a tuple struct, `Rect.w` in an enum.
    pub name: &'static str,
    /// Its type as written, e.g. `Vec<Record>`.
    pub ty: &'static str,
    /// The type's structural fingerprint ([`TypeFingerprint`]): the
    /// `STATE_VERSION` of a model type, so a changed field can be followed
    /// into the model it holds.
    pub fingerprint: u64,
}

impl FieldDescriptor {
    /// A field named `name`, of type `ty` as written, whose type has
    /// `fingerprint` (what `#[model]` writes).
    pub const fn new(name: &'static str, ty: &'static str, fingerprint: u64) -> Self {
        FieldDescriptor {
            name,
            ty,
            fingerprint,
        }
    }
}

impl ModelDescriptor {
    /// The descriptor of `M`, declared in `module_path`.
    pub const fn of<M: Model>(module_path: &'static str) -> Self {
        ModelDescriptor {
            name: M::NAME,
            module_path,
            model_id: M::MODEL_ID,
            state_version: M::STATE_VERSION,
            size: M::SIZE,
            align: M::ALIGN,
            fields: M::FIELDS,
        }
    }
}

impl fmt::Display for ModelDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "model {}::{}  id {}  state {}  size {}  align {}",
            self.module_path, self.name, self.model_id, self.state_version, self.size, self.align
        )
    }
}

/// A type that can be a field of a model: it has a save format (serde's
/// `Serialize` and `Deserialize`) and a structural fingerprint
/// ([`TypeFingerprint`]). Implemented for every such type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be saved as a field of a #[model]",
    label = "a field needs a save format (serde) and a structural fingerprint",
    note = "make the field's type a #[model] too (it gives both), or use a std type (numbers, String, Vec, HashMap, Option...)",
    note = "a type of another crate with serde's derives: declare it opaque, `#[model(opaque(path::Type))]`"
)]
pub trait Saveable: Serialize + DeserializeOwned + TypeFingerprint {}

// Not recommended: a type that lacks a part is reported once, as not
// `Saveable`, rather than once for each part it lacks.
#[diagnostic::do_not_recommend]
impl<T: Serialize + DeserializeOwned + TypeFingerprint> Saveable for T {}

/// How `#[model]` encodes a field and reads its fingerprint. The bound is
/// on the type, not on each function: every use (serde's calls, the
/// fingerprint in `Model::FIELDS`) then reports a type that is not
/// [`Saveable`] with the same words at the same place, which the compiler
/// prints once.
pub struct Field<T: Saveable>(PhantomData<T>);

impl<T: Saveable> Field<T> {
    /// The field type's fingerprint (`T` given by the argument, as serde's
    /// calls give it, so that an error reads the same).
    pub const fn fingerprint(_: PhantomData<T>) -> u64 {
        <T as TypeFingerprint>::FINGERPRINT
    }

    /// Serializes a model field (serde's `with`).
    #[inline]
    pub fn serialize<S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }

    /// Deserializes a model field (serde's `with`).
    #[inline]
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        T::deserialize(deserializer)
    }

    /// Writes field `name` of a model being serialized (`#[model]`'s own
    /// serde impls, `codec`).
    #[inline]
    pub fn put<S: SerializeStruct>(
        _: PhantomData<T>,
        fields: &mut S,
        name: &'static str,
        value: &T,
    ) -> Result<(), S::Error> {
        codec::put(fields, name, value)
    }

    /// Reads the next field, number `index`, of a sequence.
    #[inline]
    pub fn element<'de, A: SeqAccess<'de>>(
        _: PhantomData<T>,
        seq: &mut A,
        index: usize,
        expecting: &'static str,
    ) -> Result<T, A::Error> {
        codec::element(seq, index, expecting)
    }

    /// Reads the value of field `name` from a map into its slot.
    #[inline]
    pub fn value<'de, A: MapAccess<'de>>(
        _: PhantomData<T>,
        slot: &mut Option<T>,
        name: &'static str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        codec::value(slot, name, map)
    }

    /// The value of field `name` a map gave, or what its type reads from
    /// nothing.
    #[inline]
    pub fn take<E: de::Error>(
        _: PhantomData<T>,
        slot: Option<T>,
        name: &'static str,
    ) -> Result<T, E> {
        codec::take(slot, name)
    }
}

/// The serde `with` module of a model field whose fingerprint is not its
/// written type's (one holding an opaque type, or the model itself): the
/// type needs a save format, and its fingerprint is read apart. In
/// `#[model]`'s own serde impls, the route of every field that does not go
/// through [`Field`].
pub mod serde_field {
    use serde::de::DeserializeOwned;
    use serde::{Deserializer, Serialize, Serializer};

    /// Serializes a model field.
    #[inline]
    pub fn serialize<T: Serialize, S: Serializer>(
        value: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }

    /// Deserializes a model field.
    #[inline]
    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        T::deserialize(deserializer)
    }

    /// `#[model]`'s own serde impls (`codec`), field by field.
    pub use crate::contract::codec::{element, put, take, value};
}

/// Std types as models, so that a state field can be `Atomic<u64>`,
/// `Shared<Vec<String>>` or `Handle<HashMap<String, u32>>` without a
/// newtype. Their id is their structural fingerprint: a `u64` saved by one
/// build is restored as a `u64`, and a `Vec<u32>` is never read as a
/// `Vec<u64>`.
mod std_models {
    use super::Model;
    use crate::contract::fingerprint::TypeFingerprint;
    use crate::contract::ids::ModelId;
    use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

    macro_rules! std_models {
        ($($ty:ty),* $(,)?) => {
            // SAFETY: the id and the version are the type's structural
            // fingerprint, which differs for every std type and folds the
            // fingerprints of its parameters.
            $(unsafe impl Model for $ty {
                const NAME: &'static str = stringify!($ty);
                const MODEL_ID: ModelId = ModelId::new(<$ty as TypeFingerprint>::FINGERPRINT);
            })*
        };
    }

    std_models!(
        bool,
        char,
        u8,
        u16,
        u32,
        u64,
        u128,
        usize,
        i8,
        i16,
        i32,
        i64,
        i128,
        isize,
        f32,
        f64,
        String,
        std::time::Duration,
    );

    macro_rules! generic_models {
        ($($name:literal => $ty:ident<$($p:ident),+>;)*) => {
            // SAFETY: as above; the parameters are models, whose ids and
            // versions the fingerprint folds.
            $(unsafe impl<$($p: Model),+> Model for $ty<$($p),+> {
                const NAME: &'static str = $name;
                const MODEL_ID: ModelId = ModelId::new(<Self as TypeFingerprint>::FINGERPRINT);
            })*
        };
    }

    generic_models! {
        "Vec" => Vec<T>;
        "VecDeque" => VecDeque<T>;
        "Option" => Option<T>;
        "Box" => Box<T>;
    }

    // SAFETY: as above.
    unsafe impl<K: Model + Ord, V: Model> Model for BTreeMap<K, V> {
        const NAME: &'static str = "BTreeMap";
        const MODEL_ID: ModelId = ModelId::new(<Self as TypeFingerprint>::FINGERPRINT);
    }

    // SAFETY: as above.
    unsafe impl<T: Model + Ord> Model for BTreeSet<T> {
        const NAME: &'static str = "BTreeSet";
        const MODEL_ID: ModelId = ModelId::new(<Self as TypeFingerprint>::FINGERPRINT);
    }

    // SAFETY: as above.
    unsafe impl<K: Model + Eq + std::hash::Hash, V: Model> Model for HashMap<K, V> {
        const NAME: &'static str = "HashMap";
        const MODEL_ID: ModelId = ModelId::new(<Self as TypeFingerprint>::FINGERPRINT);
    }

    // SAFETY: as above.
    unsafe impl<T: Model + Eq + std::hash::Hash> Model for HashSet<T> {
        const NAME: &'static str = "HashSet";
        const MODEL_ID: ModelId = ModelId::new(<Self as TypeFingerprint>::FINGERPRINT);
    }

    macro_rules! tuple_models {
        ($(($($p:ident),+))*) => {
            // SAFETY: as above.
            $(unsafe impl<$($p: Model),+> Model for ($($p,)+) {
                const NAME: &'static str = "tuple";
                const MODEL_ID: ModelId = ModelId::new(<Self as TypeFingerprint>::FINGERPRINT);
            })*
        };
    }

    tuple_models! {
        (A)
        (A, B)
        (A, B, C)
        (A, B, C, D)
    }
}
