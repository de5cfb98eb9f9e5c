//! Archetype tables: every entity with the same set of component types
//! lives in one table, one column per type, one row per entity.
//!
//! Columns rather than sparse sets: iteration (the hot loop of a game) walks
//! contiguous arrays that the compiler vectorises, and a query touches only
//! the tables that match it. The price is paid when a component is added or
//! removed (the entity's row moves to another table), which is rarer; the
//! move is made cheap by caching the target table of each add and remove.

use crate::storage::component::{ComponentId, ComponentInfo};
use std::alloc::{self, Layout};
use std::ptr::NonNull;

/// One component type's values, contiguous, type-erased.
pub struct Column {
    pub info: ComponentInfo,
    data: NonNull<u8>,
}

// SAFETY: a column only holds values of a `Component` type, which is
// `Send + Sync`; access to them is governed by the world's borrow rules.
unsafe impl Send for Column {}
// SAFETY: as above.
unsafe impl Sync for Column {}

impl Column {
    fn new(info: ComponentInfo) -> Self {
        // A dangling, aligned pointer: valid for zero-sized accesses.
        let data = NonNull::new(info.layout.align() as *mut u8).expect("alignment is never zero");
        Column { info, data }
    }

    fn array_layout(&self, capacity: usize) -> Layout {
        let size = self
            .info
            .layout
            .size()
            .checked_mul(capacity)
            .expect("column too large");
        Layout::from_size_align(size, self.info.layout.align()).expect("column too large")
    }

    /// Grows from `old` to `new` rows of capacity.
    fn grow(&mut self, old: usize, new: usize) {
        if self.info.layout.size() == 0 {
            return;
        }
        let layout = self.array_layout(new);
        let data = if old == 0 {
            // SAFETY: `layout` has a non-zero size (size > 0, new > 0).
            unsafe { alloc::alloc(layout) }
        } else {
            // SAFETY: `data` was allocated with `array_layout(old)`, and the
            // new size is non-zero and does not overflow (checked above).
            unsafe { alloc::realloc(self.data.as_ptr(), self.array_layout(old), layout.size()) }
        };
        self.data = NonNull::new(data).unwrap_or_else(|| alloc::handle_alloc_error(layout));
    }

    /// The address of `row`.
    #[inline]
    pub fn ptr(&self, row: usize) -> *mut u8 {
        // `wrapping_add`: for zero-sized types the offset is 0 anyway.
        self.data
            .as_ptr()
            .wrapping_add(row * self.info.layout.size())
    }

    /// The column's base pointer, as `T` (dangling while nothing is
    /// allocated).
    #[inline]
    pub fn base<T>(&self) -> NonNull<T> {
        self.data.cast()
    }
}

/// Moves `size` bytes: a value, bitwise. Small sizes are copied inline
/// (a call to `memcpy` for four bytes costs more than the copy).
///
/// # Safety
/// As `ptr::copy_nonoverlapping(src, dst, size)`.
#[inline(always)]
pub(crate) unsafe fn copy_value(src: *const u8, dst: *mut u8, size: usize) {
    // SAFETY: the caller's contract; unaligned accesses make no assumption
    // about the type's alignment.
    unsafe {
        match size {
            0 => {}
            4 => dst
                .cast::<u32>()
                .write_unaligned(src.cast::<u32>().read_unaligned()),
            8 => dst
                .cast::<u64>()
                .write_unaligned(src.cast::<u64>().read_unaligned()),
            12 => {
                dst.cast::<u64>()
                    .write_unaligned(src.cast::<u64>().read_unaligned());
                dst.add(8)
                    .cast::<u32>()
                    .write_unaligned(src.add(8).cast::<u32>().read_unaligned());
            }
            16 => dst
                .cast::<u128>()
                .write_unaligned(src.cast::<u128>().read_unaligned()),
            _ => std::ptr::copy_nonoverlapping(src, dst, size),
        }
    }
}

/// A table of entities that all have exactly the same component types.
/// (Public only so that the sealed `Bundle` and `Query` traits can name it.)
pub struct Archetype {
    /// Sorted component ids; the key of this table.
    pub types: Vec<ComponentId>,
    /// One column per type, in `types` order.
    pub columns: Vec<Column>,
    /// The index of each row's entity (its generation is kept once, in the
    /// world's entity records).
    pub entities: Vec<u32>,
    capacity: usize,
    /// Target table when a component is added / removed: few per table, so
    /// a scanned list beats a hash map.
    pub add_edges: Vec<(ComponentId, u32)>,
    pub remove_edges: Vec<(ComponentId, u32)>,
}

impl Archetype {
    pub fn new(types: Vec<ComponentId>, infos: Vec<ComponentInfo>) -> Self {
        Archetype {
            types,
            columns: infos.into_iter().map(Column::new).collect(),
            entities: Vec::new(),
            capacity: 0,
            add_edges: Vec::new(),
            remove_edges: Vec::new(),
        }
    }

    /// Rows reserved.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.entities.len()
    }

    /// The column index of `id`, if this table has it.
    #[inline]
    pub fn column(&self, id: ComponentId) -> Option<usize> {
        // Tables have few columns: a linear scan beats hashing.
        self.types.iter().position(|&t| t == id)
    }

    /// Makes room for `additional` more rows.
    #[inline]
    pub fn reserve(&mut self, additional: usize) {
        let needed = self.len().checked_add(additional).expect("too many rows");
        if needed > self.capacity {
            self.grow_to(needed);
        }
    }

    #[cold]
    fn grow_to(&mut self, needed: usize) {
        let new = needed.max(self.capacity * 2).max(8);
        for column in &mut self.columns {
            column.grow(self.capacity, new);
        }
        self.entities.reserve(new - self.entities.len());
        self.capacity = new;
    }

    /// Adds a row for `entity` and returns its index. Every column of the
    /// row must be written (`Column::ptr`) before the row is read or dropped.
    #[inline]
    pub fn push(&mut self, entity: u32) -> usize {
        self.reserve(1);
        self.entities.push(entity);
        self.entities.len() - 1
    }

    /// The cached target of adding (`add`) or removing `id`.
    #[inline]
    pub fn edge(&self, id: ComponentId, add: bool) -> Option<usize> {
        let edges = if add {
            &self.add_edges
        } else {
            &self.remove_edges
        };
        edges
            .iter()
            .find(|&&(edge, _)| edge == id)
            .map(|&(_, target)| target as usize)
    }

    /// Removes `row` from the table, without running any destructor: the
    /// last row moves into its place, and the values of `row` that still
    /// need dropping (those `moved` does not claim) are left in the slot
    /// just past the new end, for [`Archetype::drop_detached`]. Returns the
    /// index of the entity that now sits at `row`, if one moved.
    ///
    /// Destructors run only once the world is consistent again (the caller
    /// updates the entity records in between), so a panicking `Drop` can
    /// neither drop a value twice nor leave a freed entity in a table.
    ///
    /// # Safety
    /// `row < len`; for types where `moved` is true, the value at `row` was
    /// moved out (bitwise) and must not be dropped.
    pub unsafe fn detach(
        &mut self,
        row: usize,
        moved: impl Fn(ComponentId) -> bool,
    ) -> Option<u32> {
        let last = self.len() - 1;
        if row != last {
            for (column, &id) in self.columns.iter().zip(&self.types) {
                let size = column.info.layout.size();
                if column.info.drop.is_some() && !moved(id) {
                    // SAFETY: both rows are in bounds and distinct: the
                    // doomed value goes to `last`, the last row's to `row`.
                    unsafe {
                        std::ptr::swap_nonoverlapping(column.ptr(row), column.ptr(last), size)
                    };
                } else {
                    // SAFETY: both rows are in bounds and distinct; the
                    // value at `row` was moved out or needs no drop.
                    unsafe { copy_value(column.ptr(last), column.ptr(row), size) };
                }
            }
        }
        self.entities.swap_remove(row);
        (row != last).then(|| self.entities[row])
    }

    /// Drops the values that [`Archetype::detach`] left past the end (those
    /// `moved` does not claim). If one destructor panics the others still
    /// run, as when a `Vec` is dropped (a second panic aborts).
    ///
    /// # Safety
    /// Called once after `detach`, with the same `moved`, before any push.
    pub unsafe fn drop_detached(&self, moved: impl Fn(ComponentId) -> bool) {
        /// Drops the columns from `next` on; on unwind, the rest.
        struct Rest<'a, F: Fn(ComponentId) -> bool> {
            table: &'a Archetype,
            slot: usize,
            next: usize,
            moved: F,
        }
        impl<F: Fn(ComponentId) -> bool> Rest<'_, F> {
            fn run(&mut self) {
                while let Some(column) = self.table.columns.get(self.next) {
                    let id = self.table.types[self.next];
                    self.next += 1;
                    if let Some(drop) = column.info.drop
                        && !(self.moved)(id)
                    {
                        // SAFETY: `detach` left an initialised value here
                        // that nothing else owns; `next` moved past it
                        // first, so it is dropped at most once.
                        unsafe { drop(column.ptr(self.slot)) };
                    }
                }
            }
        }
        impl<F: Fn(ComponentId) -> bool> Drop for Rest<'_, F> {
            fn drop(&mut self) {
                // Only reached with columns left when a destructor panicked.
                self.run();
            }
        }
        let mut rest = Rest {
            table: self,
            slot: self.len(),
            next: 0,
            moved,
        };
        rest.run();
    }

    /// Bytes reserved for this table's rows.
    pub fn heap_bytes(&self) -> usize {
        self.capacity
            * self
                .columns
                .iter()
                .map(|c| c.info.layout.size())
                .sum::<usize>()
            + self.entities.capacity() * std::mem::size_of::<u32>()
    }
}

impl Drop for Archetype {
    fn drop(&mut self) {
        for column in &self.columns {
            if let Some(drop) = column.info.drop {
                for row in 0..self.entities.len() {
                    // SAFETY: every row below `len` is initialised and owned
                    // by this table.
                    unsafe { drop(column.ptr(row)) };
                }
            }
            if column.info.layout.size() != 0 && self.capacity != 0 {
                // SAFETY: allocated by `grow` with this layout.
                unsafe { alloc::dealloc(column.data.as_ptr(), column.array_layout(self.capacity)) };
            }
        }
    }
}
