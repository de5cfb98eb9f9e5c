//! Ids, versions and generations: `u64`s that say what they are, each
//! printed one way (16 lowercase hex digits, as listings show them).

use std::fmt;

macro_rules! hex_u64 {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        #[repr(transparent)]
        pub struct $name(u64);

        impl $name {
            /// The value with these bits.
            #[inline(always)]
            pub const fn new(bits: u64) -> Self {
                $name(bits)
            }

            /// Its bits.
            #[inline(always)]
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:016x}", self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:016x})"), self.0)
            }
        }

        /// Its bits in hex, as `u64`'s (`{:016x}` is what `Display` prints).
        impl fmt::LowerHex for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::LowerHex::fmt(&self.0, f)
            }
        }

        impl From<u64> for $name {
            fn from(bits: u64) -> Self {
                $name(bits)
            }
        }

        impl From<$name> for u64 {
            fn from(value: $name) -> u64 {
                value.0
            }
        }

        // Hashed as the `u64` it is: a key of the registry's no-hash maps.
        impl nohash_hasher::IsEnabled for $name {}
    };
}

hex_u64! {
    /// A view's stable id ([`View::VIEW_ID`](crate::View::VIEW_ID)): the
    /// same for every build of the view.
    ViewId
}

hex_u64! {
    /// A model's stable id ([`Model::MODEL_ID`](crate::Model::MODEL_ID)).
    ModelId
}

hex_u64! {
    /// A view's API version
    /// ([`View::API_VERSION`](crate::View::API_VERSION)): the fingerprint of
    /// its methods and of the models they take; another value, another API.
    ApiVersion
}

hex_u64! {
    /// A model's state version
    /// ([`Model::STATE_VERSION`](crate::Model::STATE_VERSION)): the
    /// structural fingerprint of its fields; another value, another format.
    StateVersion
}

hex_u64! {
    /// The number of a published map of bindings: every change of a
    /// registry's bindings publishes a map with a higher one (one counter
    /// for every registry of the program), so a cached lookup is still
    /// good while the generation it was taken at is current.
    Generation
}
