//! Component types: any `'static + Send + Sync` type, described by layout
//! and drop function so that storage can hold it without knowing it.

use std::alloc::Layout;
use std::any::TypeId;
use std::collections::HashMap;

/// A component type: anything `'static + Send + Sync`.
pub trait Component: Send + Sync + 'static {}

impl<T: Send + Sync + 'static> Component for T {}

/// A component type's index in its world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComponentId(pub(crate) u32);

impl ComponentId {
    /// Its index in its world: what the typed view takes as a hint
    /// ([`TypedView::typed_borrow`](crate::TypedView::typed_borrow)).
    pub fn index(self) -> u32 {
        self.0
    }
}

/// This image's copy of this crate: every library that links playground-ecs
/// has its own, at its own address.
static IMAGE: u8 = 0;

/// A Rust type as the code asking for it knows it: its `TypeId` and the
/// image (program or library) that code runs in.
///
/// A `TypeId` hashes a type's crate and path, not its contents: a module
/// rebuilt after its `struct Spin { rate: f32 }` became `{ rate: f64 }` has
/// the same `TypeId` for it. So a `TypeId` is only trusted inside one image;
/// types shared across images are models, identified by model id and
/// structural fingerprint ([`ComponentKey::Model`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TypeKey {
    type_id: TypeId,
    image: usize,
}

impl TypeKey {
    /// `T` as the calling image knows it.
    #[inline]
    pub fn of<T: ?Sized + 'static>() -> Self {
        TypeKey {
            type_id: TypeId::of::<T>(),
            image: std::ptr::addr_of!(IMAGE) as usize,
        }
    }
}

/// How a component type is identified across builds.
///
/// A `TypeId` is only meaningful inside one build: a module reloaded from a
/// rebuilt library may see another `TypeId` for the same type. Components
/// registered as models are identified by model id and state version
/// instead, so a reloaded module finds the same columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ComponentKey {
    /// A plain Rust type, in the image that registered it.
    Type(TypeKey),
    /// A `#[model]` type: its `MODEL_ID` and `STATE_VERSION`.
    Model {
        /// `Model::MODEL_ID`.
        id: u64,
        /// `Model::STATE_VERSION`.
        version: u64,
    },
}

/// Encodes the value at a pointer (a model component's save format).
pub(crate) type EncodeFn = unsafe fn(*const u8) -> Result<Vec<u8>, playground_runtime::StateError>;

/// Decodes a model component's save format into an uninitialised slot.
pub(crate) type DecodeFn = unsafe fn(&[u8], *mut u8) -> Result<(), playground_runtime::StateError>;

/// What storage needs to know about a component type.
#[derive(Clone, Copy, Debug)]
pub struct ComponentInfo {
    /// The type's name, for errors and listings.
    pub name: &'static str,
    /// Its layout.
    pub layout: Layout,
    /// Drops a value in place; `None` if dropping does nothing.
    pub(crate) drop: Option<unsafe fn(*mut u8)>,
    /// How it is identified.
    pub key: ComponentKey,
    /// For a model component: encodes the value at a pointer, with the code
    /// of the build that registered it (to migrate it to a new format).
    pub(crate) encode: Option<EncodeFn>,
    /// For a model component: decodes into an uninitialised slot.
    pub(crate) decode: Option<DecodeFn>,
}

/// Drops the `T` at `ptr`.
///
/// # Safety
/// `ptr` must point to an initialised, properly aligned `T` that is not used
/// again.
unsafe fn drop_as<T>(ptr: *mut u8) {
    // SAFETY: the caller's contract.
    unsafe { ptr.cast::<T>().drop_in_place() }
}

impl ComponentInfo {
    /// The description of `T`, identified by its `TypeId`.
    pub fn of<T: Component>() -> Self {
        Self::with_key::<T>(ComponentKey::Type(TypeKey::of::<T>()))
    }

    pub(crate) fn with_key<T: Component>(key: ComponentKey) -> Self {
        ComponentInfo {
            name: std::any::type_name::<T>(),
            layout: Layout::new::<T>(),
            drop: std::mem::needs_drop::<T>().then_some(drop_as::<T> as unsafe fn(*mut u8)),
            key,
            encode: None,
            decode: None,
        }
    }
}

/// `TypeId`s are hashes already: hashing them again (SipHash) would only
/// cost time on every typed call, so the map takes their bits as they are.
#[derive(Default)]
pub(crate) struct TypeIdHasher(u64);

impl std::hash::Hasher for TypeIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Not reached for `TypeId` (it writes integers); fold anything else.
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
    fn write_usize(&mut self, n: usize) {
        // The image's address: the same for most keys, so it only needs
        // mixing in, not spreading.
        self.0 ^= (n as u64).rotate_left(29);
    }
    fn write_u128(&mut self, n: u128) {
        self.0 ^= n as u64 ^ (n >> 64) as u64;
    }
}

pub(crate) type TypeMap<V> = HashMap<TypeKey, V, std::hash::BuildHasherDefault<TypeIdHasher>>;

/// Every component type a world has seen. (Public only so that the sealed
/// `Bundle` and `Query` traits can name it.)
#[derive(Default)]
pub struct Components {
    infos: Vec<ComponentInfo>,
    by_key: HashMap<ComponentKey, ComponentId>,
    /// A type as an image knows it, to id; for model components too.
    by_type: TypeMap<ComponentId>,
}

impl Components {
    /// The id of `T`, registering it (by `TypeId`) on first use.
    #[inline]
    pub fn id<T: Component>(&mut self) -> ComponentId {
        if let Some(&id) = self.by_type.get(&TypeKey::of::<T>()) {
            return id;
        }
        self.register(TypeKey::of::<T>(), ComponentInfo::of::<T>())
    }

    /// The id of `T` if it was ever registered.
    #[inline]
    pub fn get<T: Component>(&self) -> Option<ComponentId> {
        self.by_type.get(&TypeKey::of::<T>()).copied()
    }

    /// The id of the type `key`, registering it with `info` on first use.
    pub(crate) fn id_of(&mut self, key: TypeKey, info: fn() -> ComponentInfo) -> ComponentId {
        if let Some(&id) = self.by_type.get(&key) {
            return id;
        }
        self.register(key, info())
    }

    /// The id of the type `key`, if it was ever registered.
    pub(crate) fn lookup(&self, key: TypeKey) -> Option<ComponentId> {
        self.by_type.get(&key).copied()
    }

    /// Registers `T` under `info.key`, sharing the id of an earlier type
    /// with the same key (a model type from another build).
    pub fn register(&mut self, type_key: TypeKey, info: ComponentInfo) -> ComponentId {
        let id = match self.by_key.get(&info.key) {
            // Same model and structural fingerprint from another image: the
            // same layout and meaning, so the same columns. The first
            // image's description (drop, codec) stays: its code stays mapped.
            Some(&id) => id,
            None => {
                let id =
                    ComponentId(u32::try_from(self.infos.len()).expect("too many component types"));
                self.infos.push(info);
                self.by_key.insert(info.key, id);
                id
            }
        };
        self.by_type.insert(type_key, id);
        id
    }

    /// Every registered component, with its id.
    pub fn iter(&self) -> impl Iterator<Item = (ComponentId, &ComponentInfo)> {
        self.infos
            .iter()
            .enumerate()
            .map(|(i, info)| (ComponentId(i as u32), info))
    }

    /// The component registered under `key`, if any.
    pub(crate) fn by_key(&self, key: ComponentKey) -> Option<ComponentId> {
        self.by_key.get(&key).copied()
    }

    /// The description of `id`, if the world has such an id (an id from
    /// elsewhere, a hint, may not be one).
    #[inline]
    pub(crate) fn try_info(&self, id: u32) -> Option<&ComponentInfo> {
        self.infos.get(id as usize)
    }

    pub fn info(&self, id: ComponentId) -> &ComponentInfo {
        &self.infos[id.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.infos.len()
    }
}
