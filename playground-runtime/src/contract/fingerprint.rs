//! Structural fingerprints: a `u64` the compiler computes from a type's
//! structure, for every type that crosses a module boundary or is kept as
//! state.
//!
//! A version that hashes a type's *name as written* cannot see a change
//! inside that type: `fn get(&self) -> Pose` keeps its text when `Pose`
//! gains a field, and a module built against the new `Pose` would read the
//! host's old one. So versions are folded from fingerprints instead:
//!
//! - std types have one here, folded from their arguments' (`Vec<T>` from
//!   `T`'s, `HashMap<K, V>` from `K`'s and `V`'s);
//! - `#[model]` and `#[derive(TypeFingerprint)]` fold a struct's or enum's
//!   field names, variant names, `repr`, format-changing serde attributes and
//!   the fingerprint of every field (saved or not). The type's own name and
//!   the names of the types of its fields do not count, so renaming a type
//!   keeps its fingerprint and a migration can read an old layout declared
//!   under new names;
//! - `#[view]` folds the fingerprint of every parameter and return type into
//!   `API_VERSION`, and gives `dyn View` the view's `API_VERSION` as its
//!   fingerprint;
//! - a type of another crate that has none can be declared opaque: trusted
//!   by its path, size and align ([`opaque`], or `opaque(path::Type)` in
//!   `#[view(...)]` and `#[model(...)]`).
//!
//! Everything is a `const`: a change anywhere inside a type changes every
//! version that depends on it when the crate is compiled, and a type
//! without a fingerprint is a compile error where it is used.
//!
//! Two limits: a type that contains itself only through another type
//! (mutual recursion) is a cycle the compiler reports (direct recursion,
//! `struct Tree { children: Vec<Tree> }`, is handled); and what a custom
//! serde function (`#[serde(with = ...)]`) writes is trusted, by its path.

use std::marker::PhantomData;

/// A type's structural fingerprint: equal for two types of the same
/// structure (whatever they are called), different when anything inside
/// changes.
///
/// Implemented here for std types, by `#[model]` and
/// `#[derive(TypeFingerprint)]` for a crate's own types, and by `#[view]`
/// for `dyn View`.
///
/// # Safety
/// State is adopted and views are reinterpreted across images when
/// fingerprints match: an implementation must give two types the same
/// fingerprint only if they have the same layout and meaning, and a
/// different one whenever anything inside changes. Derive it, or use
/// [`opaque`] with a version that changes with the type.
///
/// ```
/// use playground_runtime::TypeFingerprint;
///
/// #[derive(TypeFingerprint)]
/// pub struct Pose {
///     pub at: [f32; 3],
///     pub turn: f32,
/// }
///
/// // The same structure under another name: the same fingerprint.
/// #[derive(TypeFingerprint)]
/// pub struct PoseV1 {
///     pub at: [f32; 3],
///     pub turn: f32,
/// }
///
/// #[derive(TypeFingerprint)]
/// pub struct Moved {
///     pub at: [f32; 3],
///     pub turn: f64,
/// }
///
/// assert_eq!(Pose::FINGERPRINT, PoseV1::FINGERPRINT);
/// assert_ne!(Pose::FINGERPRINT, Moved::FINGERPRINT);
/// assert_ne!(<Vec<Pose>>::FINGERPRINT, <Vec<Moved>>::FINGERPRINT);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no structural fingerprint, so it cannot cross a view or be kept as state",
    label = "no fingerprint for this type",
    note = "make it a `#[model]`, or add `#[derive(playground_runtime::TypeFingerprint)]` to it",
    note = "a type of another crate: declare it in the attribute, `#[view(opaque(path::Type))]` or `#[model(opaque(path::Type))]` (trusted by path, size and align)"
)]
pub unsafe trait TypeFingerprint {
    /// The fingerprint, computed at compile time.
    const FINGERPRINT: u64;
}

/// The fingerprint of a named kind of type (`"u32"`, `"Vec"`), as a
/// `const fn`: FNV-1a over the name, then a finaliser.
pub const fn named(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    let mut i = 0;
    while i < bytes.len() {
        hash = (hash ^ bytes[i] as u64).wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    fold_versions(hash, &[])
}

/// The fingerprint of a type trusted by name, size, align and a version
/// its crate chooses (a hash of its sources, a number it bumps): for types
/// whose structure is private or foreign.
///
/// ```
/// use playground_runtime::TypeFingerprint;
/// use playground_runtime::fingerprint::opaque;
///
/// pub struct Arena { /* private */ bytes: Vec<u8> }
///
/// // SAFETY: `ARENA_VERSION` is bumped whenever `Arena` changes.
/// unsafe impl TypeFingerprint for Arena {
///     const FINGERPRINT: u64 = opaque::<Arena>("my_crate::Arena", ARENA_VERSION);
/// }
/// const ARENA_VERSION: u64 = 1;
/// ```
pub const fn opaque<T>(name: &str, version: u64) -> u64 {
    fold_versions(
        named(name),
        &[
            named("opaque"),
            size_of::<T>() as u64,
            align_of::<T>() as u64,
            version,
        ],
    )
}

/// Folds the fingerprints of a generic type's arguments into its own.
const fn of(name: &str, parts: &[u64]) -> u64 {
    fold_versions(named(name), parts)
}

macro_rules! named {
    ($($ty:ty),* $(,)?) => {
        // SAFETY: each name is a distinct std type with no type parameter,
        // whose layout the toolchain (checked across images) fixes.
        $(unsafe impl TypeFingerprint for $ty {
            const FINGERPRINT: u64 = named(stringify!($ty));
        })*
    };
}

named!(
    bool, char, u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64, str,
    String,
);
named!(
    std::time::Duration,
    std::time::Instant,
    std::time::SystemTime,
    std::path::PathBuf,
    std::path::Path,
    std::ffi::OsString,
    std::ffi::OsStr,
    std::ffi::CString,
    std::ffi::CStr,
    std::net::IpAddr,
    std::net::Ipv4Addr,
    std::net::Ipv6Addr,
    std::net::SocketAddr,
    std::net::SocketAddrV4,
    std::net::SocketAddrV6,
    std::cmp::Ordering,
    std::collections::hash_map::RandomState,
    std::io::Error,
    std::io::ErrorKind,
    std::fmt::Error,
    std::string::FromUtf8Error,
    std::num::ParseIntError,
    std::num::ParseFloatError,
    std::sync::atomic::AtomicBool,
    std::sync::atomic::AtomicU8,
    std::sync::atomic::AtomicU16,
    std::sync::atomic::AtomicU32,
    std::sync::atomic::AtomicU64,
    std::sync::atomic::AtomicUsize,
    std::sync::atomic::AtomicI8,
    std::sync::atomic::AtomicI16,
    std::sync::atomic::AtomicI32,
    std::sync::atomic::AtomicI64,
    std::sync::atomic::AtomicIsize,
    std::num::NonZeroU8,
    std::num::NonZeroU16,
    std::num::NonZeroU32,
    std::num::NonZeroU64,
    std::num::NonZeroU128,
    std::num::NonZeroUsize,
    std::num::NonZeroI8,
    std::num::NonZeroI16,
    std::num::NonZeroI32,
    std::num::NonZeroI64,
    std::num::NonZeroI128,
    std::num::NonZeroIsize,
);

// Trait objects a user passes across views; `+ Send`, `+ Sync` are folded
// by the macros (see `Dyn`), so each principal trait needs one impl. Not
// `dyn Any`: what it is for is downcasting, by `TypeId`, which rustc keeps
// when a type's fields change, so a value from another build could be
// taken as this build's type. (`dyn Error` can be downcast too: the README
// says not to downcast errors that come from a module.)
named!(
    dyn std::error::Error,
    dyn std::fmt::Debug,
    dyn std::fmt::Display,
);

/// Those trait objects with their auto traits, as the types they are: what
/// a type alias names (`type BoxError = Box<dyn Error + Send + Sync>`),
/// where the macros cannot see the `dyn`. The same fingerprints as the
/// macros' `Dyn<dyn Principal, AUTO>` for the same type written out.
macro_rules! with_auto_traits {
    ($($principal:path),* $(,)?) => {
        $(
            // SAFETY: the fingerprint of `Dyn` for this principal and these
            // auto traits: distinct per principal and per set of auto traits.
            unsafe impl TypeFingerprint for dyn $principal + Send {
                const FINGERPRINT: u64 = <Dyn<dyn $principal, SEND>>::FINGERPRINT;
            }
            // SAFETY: as above.
            unsafe impl TypeFingerprint for dyn $principal + Sync {
                const FINGERPRINT: u64 = <Dyn<dyn $principal, SYNC>>::FINGERPRINT;
            }
            // SAFETY: as above.
            unsafe impl TypeFingerprint for dyn $principal + Send + Sync {
                const FINGERPRINT: u64 = <Dyn<dyn $principal, { SEND | SYNC }>>::FINGERPRINT;
            }
        )*
    };
}

with_auto_traits!(std::error::Error, std::fmt::Debug, std::fmt::Display);

/// One type parameter, maybe unsized: `Box<T>` folds `T`'s fingerprint.
macro_rules! wraps {
    ($($name:literal => $ty:ident<$($p:ident $(: ?$sized:ident)?),+>;)*) => {
        // SAFETY: a distinct name per generic type, folded with every type
        // parameter's fingerprint, in order.
        $(unsafe impl<$($p: TypeFingerprint $(+ ?$sized)?),+> TypeFingerprint for $ty<$($p),+> {
            const FINGERPRINT: u64 = of($name, &[$($p::FINGERPRINT),+]);
        })*
    };
}

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, LinkedList, VecDeque};
use std::mem::ManuallyDrop;
use std::num::Wrapping;
use std::ops::{Range, RangeInclusive};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, RwLock};

type RcWeak<T> = std::rc::Weak<T>;
type ArcWeak<T> = std::sync::Weak<T>;

wraps! {
    "Option" => Option<T>;
    "Result" => Result<T, E>;
    "Box" => Box<T: ?Sized>;
    "Rc" => Rc<T: ?Sized>;
    "Arc" => Arc<T: ?Sized>;
    "rc::Weak" => RcWeak<T: ?Sized>;
    "sync::Weak" => ArcWeak<T: ?Sized>;
    "Cell" => Cell<T: ?Sized>;
    "RefCell" => RefCell<T: ?Sized>;
    "Mutex" => Mutex<T: ?Sized>;
    "RwLock" => RwLock<T: ?Sized>;
    "PhantomData" => PhantomData<T: ?Sized>;
    "ManuallyDrop" => ManuallyDrop<T: ?Sized>;
    "Pin" => Pin<T>;
    "Wrapping" => Wrapping<T>;
    "Reverse" => Reverse<T>;
    "Range" => Range<T>;
    "RangeInclusive" => RangeInclusive<T>;
    "Vec" => Vec<T>;
    "VecDeque" => VecDeque<T>;
    "LinkedList" => LinkedList<T>;
    "BinaryHeap" => BinaryHeap<T>;
    "BTreeMap" => BTreeMap<K, V>;
    "BTreeSet" => BTreeSet<T>;
    "HashMap" => HashMap<K, V, S>;
    "HashSet" => HashSet<T, S>;
    "playground::Shared" => Shared<T>;
    "playground::Handle" => Handle<T: ?Sized>;
    "playground::Once" => Once<T>;
}

use crate::contract::wrappers::{Atomic, Handle, Once, Shared};

// SAFETY: a distinct name per kind, folded with its parameters.
unsafe impl<T: Copy + TypeFingerprint> TypeFingerprint for Atomic<T> {
    const FINGERPRINT: u64 = of("playground::Atomic", &[T::FINGERPRINT]);
}

// SAFETY: a distinct name per kind, folded with its parameters.
unsafe impl<B: ?Sized + ToOwned + TypeFingerprint> TypeFingerprint for Cow<'_, B> {
    const FINGERPRINT: u64 = of("Cow", &[B::FINGERPRINT]);
}

// SAFETY: a distinct name per kind, folded with its parameters.
unsafe impl<T: ?Sized + TypeFingerprint> TypeFingerprint for &T {
    const FINGERPRINT: u64 = of("&", &[T::FINGERPRINT]);
}

// SAFETY: a distinct name per kind, folded with its parameters.
unsafe impl<T: ?Sized + TypeFingerprint> TypeFingerprint for &mut T {
    const FINGERPRINT: u64 = of("&mut", &[T::FINGERPRINT]);
}

// SAFETY: a distinct name per kind, folded with its parameters.
unsafe impl<T: ?Sized + TypeFingerprint> TypeFingerprint for *const T {
    const FINGERPRINT: u64 = of("*const", &[T::FINGERPRINT]);
}

// SAFETY: a distinct name per kind, folded with its parameters.
unsafe impl<T: ?Sized + TypeFingerprint> TypeFingerprint for *mut T {
    const FINGERPRINT: u64 = of("*mut", &[T::FINGERPRINT]);
}

// SAFETY: a distinct name per kind, folded with its parameters.
unsafe impl<T: TypeFingerprint> TypeFingerprint for [T] {
    const FINGERPRINT: u64 = of("[]", &[T::FINGERPRINT]);
}

// SAFETY: a distinct name per kind, folded with its parameters.
unsafe impl<T: TypeFingerprint, const N: usize> TypeFingerprint for [T; N] {
    const FINGERPRINT: u64 = of("[; N]", &[T::FINGERPRINT, N as u64]);
}

macro_rules! tuples {
    ($(($($p:ident),*))*) => {
        // SAFETY: one name for tuples, folded with each element in order
        // (the number of elements is the number of parts).
        $(unsafe impl<$($p: TypeFingerprint),*> TypeFingerprint for ($($p,)*) {
            const FINGERPRINT: u64 = of("()", &[$($p::FINGERPRINT),*]);
        })*
    };
}

tuples! {
    ()
    (A)
    (A, B)
    (A, B, C)
    (A, B, C, D)
    (A, B, C, D, E)
    (A, B, C, D, E, F)
    (A, B, C, D, E, F, G)
    (A, B, C, D, E, F, G, H)
    (A, B, C, D, E, F, G, H, I)
    (A, B, C, D, E, F, G, H, I, J)
    (A, B, C, D, E, F, G, H, I, J, K)
    (A, B, C, D, E, F, G, H, I, J, K, L)
}

// The runtime's own types: trusted by name, size and align, since a library
// is only opened if it was built with the same runtime (the build
// fingerprint).
macro_rules! runtime_types {
    ($($ty:ident),*) => {
        // SAFETY: the runtime's own types; a library is only opened if it
        // was built with the same runtime sources (the build fingerprint).
        $(unsafe impl TypeFingerprint for crate::$ty {
            const FINGERPRINT: u64 =
                opaque::<crate::$ty>(concat!("playground_runtime::", stringify!($ty)), 0);
        })*
    };
}

runtime_types!(Registry, RegistryError, StateError, LoadError, SavedState);

/// Stands for a trait object in the types the macros write for
/// fingerprints: `dyn Principal + Send + Sync` becomes
/// `Dyn<dyn Principal, { SEND | SYNC }>`, so that each principal trait
/// needs one impl whatever auto traits are added. Never constructed.
pub struct Dyn<P: ?Sized, const AUTO: u8>(PhantomData<P>);

/// `Send` in [`Dyn`]'s `AUTO`.
pub const SEND: u8 = 1;
/// `Sync` in [`Dyn`]'s `AUTO`.
pub const SYNC: u8 = 2;
/// `Unpin` in [`Dyn`]'s `AUTO`.
pub const UNPIN: u8 = 4;

// SAFETY: a distinct name per kind, folded with its parameters.
unsafe impl<P: ?Sized + TypeFingerprint, const AUTO: u8> TypeFingerprint for Dyn<P, AUTO> {
    const FINGERPRINT: u64 = of("dyn", &[P::FINGERPRINT, AUTO as u64]);
}

/// Stands for a function pointer `fn(A, B) -> R` (`ARGS` is the tuple of
/// its parameters), or for the principal trait of `dyn Fn(A, B) -> R`.
/// `KIND` tells which: see [`FN_POINTER`] and the others. Lifetimes do not
/// count, so `for<'a> fn(&'a str)` has this form too. Never constructed.
pub struct Callable<ARGS, R, const KIND: u8>(PhantomData<(ARGS, R)>);

/// A safe `fn` pointer with the Rust ABI.
pub const FN_POINTER: u8 = 0;
/// Added to [`FN_POINTER`] for an `unsafe fn`.
pub const UNSAFE: u8 = 1;
/// Added to [`FN_POINTER`] for an `extern "C" fn`.
pub const EXTERN_C: u8 = 2;
/// Added for another `extern` ABI.
pub const EXTERN_OTHER: u8 = 4;
/// `dyn Fn(..)`.
pub const FN_TRAIT: u8 = 8;
/// `dyn FnMut(..)`.
pub const FN_MUT_TRAIT: u8 = 16;
/// `dyn FnOnce(..)`.
pub const FN_ONCE_TRAIT: u8 = 32;

// SAFETY: folds the argument tuple's, the return type's and the kind.
unsafe impl<ARGS: TypeFingerprint, R: TypeFingerprint, const KIND: u8> TypeFingerprint
    for Callable<ARGS, R, KIND>
{
    const FINGERPRINT: u64 = of("fn", &[ARGS::FINGERPRINT, R::FINGERPRINT, KIND as u64]);
}

/// Stands for a type inside itself (`Self`, or its own name, in a field of
/// a recursive type): its fingerprint would otherwise be a cycle.
pub struct Recursive;

// SAFETY: stands in only for the type being fingerprinted, inside itself.
unsafe impl TypeFingerprint for Recursive {
    const FINGERPRINT: u64 = named("Self");
}

/// Stands for a generic type inside itself with arguments (`Node<u32>` in
/// a field of `Node<T>`): [`Recursive`] folded with the arguments' tuple.
pub struct RecursiveWith<ARGS>(PhantomData<ARGS>);

// SAFETY: stands in only for the type being fingerprinted, inside itself;
// its arguments are folded.
unsafe impl<ARGS: TypeFingerprint> TypeFingerprint for RecursiveWith<ARGS> {
    const FINGERPRINT: u64 = of("Self<..>", &[ARGS::FINGERPRINT]);
}

/// Stands for `!`, the type of a function that never returns.
pub struct Never;

// SAFETY: `!` has one meaning.
unsafe impl TypeFingerprint for Never {
    const FINGERPRINT: u64 = named("!");
}

/// Stands for a type declared opaque in `#[view(opaque(...))]` or
/// `#[model(opaque(...))]`: `T` is the type as written, `NAME` hashes the
/// path it was declared with.
pub struct Opaque<T: ?Sized, const NAME: u64>(PhantomData<T>);

// SAFETY: what `opaque(...)` in an attribute declares: the user vouches
// for the type by its path (`NAME`); its size and align are folded in.
unsafe impl<T, const NAME: u64> TypeFingerprint for Opaque<T, NAME> {
    const FINGERPRINT: u64 = fold_versions(
        NAME,
        &[
            named("opaque"),
            size_of::<T>() as u64,
            align_of::<T>() as u64,
        ],
    );
}

/// Folds versions into a seed, in order: the API version of a view with
/// models, the version of a generic model. A `const fn`, so the result is a
/// compile-time constant.
pub const fn fold_versions(seed: u64, parts: &[u64]) -> u64 {
    let mut hash = mix(seed);
    let mut i = 0;
    while i < parts.len() {
        hash = mix(hash.rotate_left(23) ^ parts[i]);
        i += 1;
    }
    hash
}

/// The splitmix64 finaliser: every input bit affects every output bit.
const fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_is_order_sensitive_and_seeded() {
        assert_ne!(fold_versions(1, &[2, 3]), fold_versions(1, &[3, 2]));
        assert_ne!(fold_versions(1, &[2]), fold_versions(2, &[2]));
        assert_ne!(fold_versions(1, &[]), fold_versions(1, &[0]));
    }

    #[test]
    fn std_types_differ_by_structure() {
        assert_ne!(u32::FINGERPRINT, u64::FINGERPRINT);
        assert_ne!(<Vec<u8>>::FINGERPRINT, <Vec<u64>>::FINGERPRINT);
        assert_ne!(<Vec<u8>>::FINGERPRINT, <VecDeque<u8>>::FINGERPRINT);
        assert_ne!(<[u8; 3]>::FINGERPRINT, <[u8; 4]>::FINGERPRINT);
        assert_ne!(<(u8, u16)>::FINGERPRINT, <(u16, u8)>::FINGERPRINT);
        assert_ne!(<&str>::FINGERPRINT, <&mut str>::FINGERPRINT);
        assert_ne!(
            <Result<u8, String>>::FINGERPRINT,
            <Result<String, u8>>::FINGERPRINT
        );
        assert_ne!(
            <Dyn<dyn std::error::Error, { SEND | SYNC }>>::FINGERPRINT,
            <Dyn<dyn std::error::Error, SEND>>::FINGERPRINT
        );
        assert_ne!(
            <Callable<(u8,), (), FN_POINTER>>::FINGERPRINT,
            <Callable<(u8,), (), FN_TRAIT>>::FINGERPRINT
        );
    }

    #[test]
    fn opaque_types_count_size_and_align() {
        assert_ne!(opaque::<u32>("X", 1), opaque::<u64>("X", 1));
        assert_ne!(opaque::<u32>("X", 1), opaque::<u32>("X", 2));
        assert_ne!(opaque::<u32>("X", 1), opaque::<u32>("Y", 1));
        assert_ne!(
            <Opaque<u32, 1>>::FINGERPRINT,
            <Opaque<[u8; 4], 1>>::FINGERPRINT
        );
    }
}
