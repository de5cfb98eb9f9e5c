//! Entities: generational ids, so that a stale id is an error, never
//! another entity's data.

use std::fmt;

/// An entity: an index into the world and the generation of that index.
/// When an entity is despawned its index is reused with the next
/// generation, so an old `Entity` no longer matches.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Entity {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

impl Entity {
    /// The index part (reused after despawn).
    pub fn index(self) -> u32 {
        self.index
    }

    /// The generation part.
    pub fn generation(self) -> u32 {
        self.generation
    }

    /// Both parts in one `u64` (generation high), e.g. for saving.
    pub fn to_bits(self) -> u64 {
        (u64::from(self.generation) << 32) | u64::from(self.index)
    }

    /// The inverse of [`Entity::to_bits`].
    pub fn from_bits(bits: u64) -> Entity {
        Entity {
            index: bits as u32,
            generation: (bits >> 32) as u32,
        }
    }
}

impl fmt::Debug for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}v{}", self.index, self.generation)
    }
}

/// Where an entity's components are: an archetype and a row in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Location {
    pub archetype: u32,
    pub row: u32,
}

#[derive(Clone, Copy)]
struct Meta {
    generation: u32,
    /// `None` while the index is free.
    location: Option<Location>,
}

/// The allocator of entity ids and the map from entity to location.
#[derive(Default)]
pub(crate) struct Entities {
    meta: Vec<Meta>,
    free: Vec<u32>,
    len: u32,
}

impl Entities {
    /// A new entity; its location is set by the caller.
    pub fn alloc(&mut self) -> Entity {
        self.len += 1;
        match self.free.pop() {
            Some(index) => Entity {
                index,
                generation: self.meta[index as usize].generation,
            },
            None => {
                let index = u32::try_from(self.meta.len()).expect("more than u32::MAX entities");
                self.meta.push(Meta {
                    generation: 0,
                    location: None,
                });
                Entity {
                    index,
                    generation: 0,
                }
            }
        }
    }

    /// Makes room for `additional` entities without reallocating.
    pub fn reserve(&mut self, additional: usize) {
        self.meta
            .reserve(additional.saturating_sub(self.free.len()));
    }

    /// Frees `entity`'s index for reuse with the next generation.
    pub fn free(&mut self, entity: Entity) -> Option<Location> {
        let meta = self.meta.get_mut(entity.index as usize)?;
        if meta.generation != entity.generation {
            return None;
        }
        let location = meta.location.take()?;
        meta.generation = meta.generation.wrapping_add(1);
        self.free.push(entity.index);
        self.len -= 1;
        Some(location)
    }

    /// Where `entity` is, if it is alive.
    #[inline]
    pub fn get(&self, entity: Entity) -> Option<Location> {
        let meta = self.meta.get(entity.index as usize)?;
        if meta.generation == entity.generation {
            meta.location
        } else {
            None
        }
    }

    /// Sets where a live entity is.
    #[inline]
    pub fn set(&mut self, index: u32, location: Location) {
        self.meta[index as usize].location = Some(location);
    }

    /// How many entities are alive.
    pub fn len(&self) -> u32 {
        self.len
    }
}
