//! Entities: generational ids, so that a stale id is an error, never
//! another entity's data.
//!
//! Per entity the world keeps 12 bytes here (generation, table, row) and 4
//! in its table (the index): the generation lives in one place only, and a
//! query that yields `Entity` reads it from here.

#![deny(unsafe_code)]

use std::fmt;
use std::sync::atomic::{AtomicIsize, Ordering};

/// An entity: an index into the world and the generation of that index.
/// When an entity is despawned its index is reused with the next
/// generation, so an old `Entity` no longer matches.
///
/// ```
/// use playground_ecs::{Entity, World};
/// let mut world = World::new();
/// let e = world.spawn((1u32,));
/// assert_eq!(Entity::from_bits(e.to_bits()), e);
/// ```
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

/// `Meta::archetype` of an index that holds no live entity.
const FREE: u32 = u32::MAX;

/// One index: its current generation and, while alive, its location.
/// (Public only so that the sealed `Query` trait can name it.)
#[derive(Clone, Copy)]
pub struct Meta {
    pub(crate) generation: u32,
    archetype: u32,
    row: u32,
}

/// The allocator of entity ids and the map from entity to location.
///
/// Ids can also be reserved through `&self` ([`Entities::reserve`]), so
/// that a system's command buffer can name the entities it will spawn; the
/// world turns reservations into entities ([`Entities::flush`]) at the next
/// sync point, before any other change.
pub(crate) struct Entities {
    meta: Vec<Meta>,
    free: Vec<u32>,
    /// `free[..cursor]` is still free; a negative cursor counts ids
    /// reserved past the end of `meta`. Equal to `free.len()` when nothing
    /// is reserved.
    cursor: AtomicIsize,
    len: u32,
}

impl Default for Entities {
    fn default() -> Self {
        Entities {
            meta: Vec::new(),
            free: Vec::new(),
            cursor: AtomicIsize::new(0),
            len: 0,
        }
    }
}

impl Entities {
    /// Whether reservations wait for [`Entities::flush`].
    #[inline]
    pub fn has_pending(&mut self) -> bool {
        *self.cursor.get_mut() != self.free.len() as isize
    }

    /// A new entity; its location is set by the caller.
    #[inline]
    pub fn alloc(&mut self) -> Entity {
        debug_assert!(!self.has_pending(), "reserved entities are flushed first");
        self.len += 1;
        match self.free.pop() {
            Some(index) => {
                *self.cursor.get_mut() = self.free.len() as isize;
                Entity {
                    index,
                    generation: self.meta[index as usize].generation,
                }
            }
            None => {
                let index = u32::try_from(self.meta.len()).expect("more than u32::MAX entities");
                self.meta.push(Meta {
                    generation: 0,
                    archetype: FREE,
                    row: 0,
                });
                Entity {
                    index,
                    generation: 0,
                }
            }
        }
    }

    /// An id for an entity that [`Entities::flush`] will create, through
    /// `&self` (several threads may reserve at once).
    pub fn reserve(&self) -> Entity {
        let n = self.cursor.fetch_sub(1, Ordering::Relaxed);
        if n > 0 {
            let index = self.free[(n - 1) as usize];
            Entity {
                index,
                generation: self.meta[index as usize].generation,
            }
        } else {
            let index = u32::try_from(self.meta.len() as isize - n).expect("too many entities");
            Entity {
                index,
                generation: 0,
            }
        }
    }

    /// Turns every reservation into a live entity, placed by `place`.
    pub fn flush(&mut self, mut place: impl FnMut(u32) -> Location) {
        let cursor = *self.cursor.get_mut();
        let from_free = cursor.max(0) as usize;
        let new = (-cursor).max(0) as usize;
        let mut reserved = std::mem::take(&mut self.free);
        for index in reserved.drain(from_free..) {
            let location = place(index);
            self.len += 1;
            self.set(index, location);
        }
        self.free = reserved;
        for _ in 0..new {
            let index = u32::try_from(self.meta.len()).expect("more than u32::MAX entities");
            self.meta.push(Meta {
                generation: 0,
                archetype: FREE,
                row: 0,
            });
            let location = place(index);
            self.len += 1;
            self.set(index, location);
        }
        *self.cursor.get_mut() = self.free.len() as isize;
    }

    /// Makes room for `additional` entities without reallocating.
    pub fn reserve_capacity(&mut self, additional: usize) {
        self.meta
            .reserve(additional.saturating_sub(self.free.len()));
    }

    /// Frees a live `entity`'s index for reuse with the next generation.
    /// The caller has checked that it is alive.
    pub fn free(&mut self, entity: Entity) {
        debug_assert!(!self.has_pending(), "reserved entities are flushed first");
        let meta = &mut self.meta[entity.index as usize];
        debug_assert_eq!(meta.generation, entity.generation);
        meta.archetype = FREE;
        meta.generation = meta.generation.wrapping_add(1);
        self.free.push(entity.index);
        *self.cursor.get_mut() = self.free.len() as isize;
        self.len -= 1;
    }

    /// Where `entity` is, if it is alive.
    #[inline]
    pub fn get(&self, entity: Entity) -> Option<Location> {
        let meta = self.meta.get(entity.index as usize)?;
        (meta.generation == entity.generation && meta.archetype != FREE).then_some(Location {
            archetype: meta.archetype,
            row: meta.row,
        })
    }

    /// The live entity at `index` (an index that a table holds).
    #[inline]
    pub fn entity(&self, index: u32) -> Entity {
        Entity {
            index,
            generation: self.meta[index as usize].generation,
        }
    }

    /// The per-index records, for queries that yield `Entity`.
    #[inline]
    pub fn meta(&self) -> &[Meta] {
        &self.meta
    }

    /// Sets where a live entity is.
    #[inline]
    pub fn set(&mut self, index: u32, location: Location) {
        let meta = &mut self.meta[index as usize];
        meta.archetype = location.archetype;
        meta.row = location.row;
    }

    /// How many entities are alive.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Bytes reserved for the records.
    pub fn heap_bytes(&self) -> usize {
        self.meta.capacity() * std::mem::size_of::<Meta>()
            + self.free.capacity() * std::mem::size_of::<u32>()
    }
}
