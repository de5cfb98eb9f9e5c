//! The serde impls `#[model]` writes for a struct with named fields and no
//! serde attributes: a few lines per field in the model's crate, over
//! generic code here that the compiler checks once. serde's derives would
//! write a visitor, a field enum and its visitor for every model, which the
//! compiler expands and checks again on every rebuild of a module.
//!
//! The format is the derives' own, in every serde format: a struct of named
//! fields in order (`serialize_struct`), read from a sequence or from a map
//! (fields by name, by index or as bytes; an unknown one skipped, one given
//! twice refused, a missing one refused unless its type reads "none", as an
//! `Option` does).

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess,
    Visitor,
};
use serde::ser::{Serialize, SerializeStruct};
use std::fmt;
use std::marker::PhantomData;

/// A struct with named fields as serde reads it (what `#[model]` writes).
pub trait NamedFields: Sized {
    /// The struct's name.
    const NAME: &'static str;
    /// Its fields' names, in order.
    const FIELDS: &'static [&'static str];
    /// What a sequence too short is told it lacked: `struct Name with N elements`.
    const EXPECTING: &'static str;
    /// One `Option` per field, filled as a map gives them.
    type Slots: Default;
    /// Reads the fields in order from a sequence.
    fn from_seq<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<Self, A::Error>;
    /// Reads the value of field `index` (`FIELDS[index]`) into its slot.
    fn read_field<'de, A: MapAccess<'de>>(
        slots: &mut Self::Slots,
        index: usize,
        map: &mut A,
    ) -> Result<(), A::Error>;
    /// The struct from its slots, a missing field read as serde reads it.
    fn from_slots<E: de::Error>(slots: Self::Slots) -> Result<Self, E>;
}

/// Deserializes `T` as serde's derive would.
pub fn deserialize_named<'de, T: NamedFields, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_struct(T::NAME, T::FIELDS, Named::<T>(PhantomData))
}

/// Writes field `name` of a struct being serialized. (These four take the
/// field's type from their arguments or from the field they fill; `#[model]`
/// spans each call at its field's type, so that a type without a save
/// format is reported there.)
pub fn put<S: SerializeStruct, T: Serialize>(
    fields: &mut S,
    name: &'static str,
    value: &T,
) -> Result<(), S::Error> {
    fields.serialize_field(name, value)
}

/// Reads the next field, number `index`, of a sequence.
pub fn element<'de, T: DeserializeOwned, A: SeqAccess<'de>>(
    seq: &mut A,
    index: usize,
    expecting: &'static str,
) -> Result<T, A::Error> {
    match seq.next_element()? {
        Some(value) => Ok(value),
        None => Err(de::Error::invalid_length(index, &expecting)),
    }
}

/// Reads the value of field `name` from a map into its slot.
pub fn value<'de, T: DeserializeOwned, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// The value of field `name` a map gave, or what its type reads from
/// nothing (`None` for an `Option`; for any other type, "missing field").
pub fn take<T: DeserializeOwned, E: de::Error>(
    slot: Option<T>,
    name: &'static str,
) -> Result<T, E> {
    match slot {
        Some(value) => Ok(value),
        None => T::deserialize(Missing(name, PhantomData)),
    }
}

struct Named<T>(PhantomData<T>);

impl<'de, T: NamedFields> Visitor<'de> for Named<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", T::NAME)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        T::from_seq(&mut seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut slots = T::Slots::default();
        while let Some(key) = map.next_key_seed(Key::<T>(PhantomData))? {
            match key {
                Some(index) => T::read_field(&mut slots, index, &mut map)?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        T::from_slots(slots)
    }
}

/// A map's key: the index of the field it names, `None` for another.
struct Key<T>(PhantomData<T>);

impl<'de, T: NamedFields> DeserializeSeed<'de> for Key<T> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de, T: NamedFields> Visitor<'de> for Key<T> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<Option<usize>, E> {
        Ok(usize::try_from(index).ok().filter(|&i| i < T::FIELDS.len()))
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Option<usize>, E> {
        Ok(T::FIELDS.iter().position(|field| *field == name))
    }

    fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<Option<usize>, E> {
        Ok(T::FIELDS.iter().position(|field| field.as_bytes() == name))
    }
}

/// What a missing field is read from: "none" to an `Option`, an error to
/// anything else (as serde's derive reads a missing field).
struct Missing<E>(&'static str, PhantomData<E>);

impl<'de, E: de::Error> Deserializer<'de> for Missing<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, E> {
        Err(de::Error::missing_field(self.0))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
