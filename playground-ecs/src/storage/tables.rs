//! [`Tables`]: the world's archetype tables, with a count of the times any
//! of them was handed out for writing.
//!
//! A prepared query keeps each matched table's column pointers between its
//! runs and walks them as a flat list (no table looked up, no column
//! searched); it may do so only while no table has grown, shrunk or moved
//! a row since. Every way to change a table goes through `&mut` to it, and
//! this type hands one out only after counting it, so an unchanged count
//! proves the pointers still hold. It counts conservatively: a table
//! borrowed mutably and left as it was counts too.

use crate::storage::archetype::Archetype;
use std::ops::{Deref, Index, IndexMut};

/// The world's tables: read as a slice; written only through methods that
/// count the write (see [`Tables::writes`]).
pub(crate) struct Tables {
    list: Vec<Archetype>,
    writes: u64,
}

impl Tables {
    /// The tables `list`.
    pub(crate) fn new(list: Vec<Archetype>) -> Tables {
        Tables { list, writes: 0 }
    }

    /// How many times a table was handed out for writing, or one added:
    /// while it stays the same, every table's columns and rows are where
    /// they were.
    #[inline]
    pub(crate) fn writes(&self) -> u64 {
        self.writes
    }

    /// Adds a table.
    pub(crate) fn push(&mut self, table: Archetype) {
        self.writes += 1;
        self.list.push(table);
    }

    /// Two distinct tables, both writable.
    ///
    /// # Panics
    /// If `a == b` or either is out of bounds.
    pub(crate) fn pair_mut(&mut self, a: usize, b: usize) -> (&mut Archetype, &mut Archetype) {
        assert_ne!(a, b, "two distinct tables");
        self.writes += 1;
        if a < b {
            let (low, high) = self.list.split_at_mut(b);
            (&mut low[a], &mut high[0])
        } else {
            let (low, high) = self.list.split_at_mut(a);
            (&mut high[0], &mut low[b])
        }
    }
}

impl Deref for Tables {
    type Target = [Archetype];

    #[inline]
    fn deref(&self) -> &[Archetype] {
        &self.list
    }
}

impl Index<usize> for Tables {
    type Output = Archetype;

    #[inline]
    fn index(&self, index: usize) -> &Archetype {
        &self.list[index]
    }
}

impl IndexMut<usize> for Tables {
    #[inline]
    fn index_mut(&mut self, index: usize) -> &mut Archetype {
        self.writes += 1;
        &mut self.list[index]
    }
}

impl<'a> IntoIterator for &'a Tables {
    type Item = &'a Archetype;
    type IntoIter = std::slice::Iter<'a, Archetype>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_write_is_counted_and_reads_are_not() {
        let mut tables = Tables::new(vec![Archetype::new(Vec::new(), Vec::new())]);
        assert_eq!(tables.writes(), 0);
        let _ = tables[0].len();
        let _ = tables.iter().count();
        assert_eq!(tables.writes(), 0, "reads");
        tables[0].push(7);
        assert_eq!(tables.writes(), 1);
        tables.push(Archetype::new(Vec::new(), Vec::new()));
        assert_eq!(tables.writes(), 2);
        let (a, b) = tables.pair_mut(1, 0);
        b.push(8);
        a.push(9);
        assert_eq!(tables.writes(), 3);
        assert_eq!((tables[0].len(), tables[1].len()), (2, 1));
    }
}
