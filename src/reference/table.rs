//! The main types here are [`Table`] and [`Index`]: the records a reference creates, kept in
//! creation order under a sequence number, and the lookups by key that find them without a
//! scan. A table keeps the records it starts with for good and at most
//! [`Config::retain`](super::Config::retain) of those created later: the oldest created record
//! is forgotten when one more would pass the cap, so a long run (or a long-lived `serve`)
//! holds bounded memory.
//!
//! Not for: any vendor's rules. The record types and what they are looked up by belong to the
//! vendor modules; this module only stores and finds.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

/// Records in creation order, each under the sequence number it was given when inserted.
#[derive(Debug, Clone)]
pub(crate) struct Table<T> {
    rows: BTreeMap<u64, T>,
    next: u64,
    /// Records numbered below this were there from the start and are never forgotten.
    pinned: u64,
    /// How many records created after the start are kept at most.
    retain: usize,
}

impl<T> Table<T> {
    /// An empty table that keeps at most `retain` records beyond the pinned ones (at least
    /// one).
    pub fn new(retain: usize) -> Self {
        Table {
            rows: BTreeMap::new(),
            next: 0,
            pinned: 0,
            retain: retain.max(1),
        }
    }

    /// Marks every record inserted so far as built in: it is never forgotten.
    pub fn pin(&mut self) {
        self.pinned = self.next;
    }

    /// Inserts a record; returns its number and the record forgotten to make room, if any
    /// (the caller removes the forgotten record from its indexes).
    pub fn insert(&mut self, row: T) -> (u64, Option<(u64, T)>) {
        let seq = self.next;
        self.next += 1;
        self.rows.insert(seq, row);
        let created = self.rows.len() - self.rows.range(..self.pinned).count();
        let evicted = if created > self.retain {
            let oldest = self.rows.range(self.pinned..).next().map(|(k, _)| *k);
            oldest.and_then(|k| self.rows.remove(&k).map(|row| (k, row)))
        } else {
            None
        };
        (seq, evicted)
    }

    pub fn get(&self, seq: u64) -> Option<&T> {
        self.rows.get(&seq)
    }

    pub fn get_mut(&mut self, seq: u64) -> Option<&mut T> {
        self.rows.get_mut(&seq)
    }

    /// Removes a record (a delete through the API).
    pub fn remove(&mut self, seq: u64) -> Option<T> {
        self.rows.remove(&seq)
    }

    /// How many records the table holds.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The records in creation order.
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        self.rows.iter().map(|(k, v)| (*k, v))
    }

    /// The records numbered `from` or later, in creation order.
    pub fn since(&self, from: u64) -> impl Iterator<Item = (u64, &T)> {
        self.rows.range(from..).map(|(k, v)| (*k, v))
    }

    /// The number the next insert gets.
    pub fn next_seq(&self) -> u64 {
        self.next
    }
}

/// Record numbers by key, each list in creation order: a lookup that a table scan would
/// otherwise answer. Several records may share a key (a deviation may let them).
#[derive(Debug, Clone)]
pub(crate) struct Index<K> {
    map: HashMap<K, Vec<u64>>,
}

impl<K> Default for Index<K> {
    fn default() -> Self {
        Index {
            map: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq> Index<K> {
    /// Files record `seq` under `key`.
    pub fn add(&mut self, key: K, seq: u64) {
        let list = self.map.entry(key).or_default();
        // Records are mostly added in creation order; an update re-files an older one.
        let at = list.partition_point(|&s| s < seq);
        if list.get(at) != Some(&seq) {
            list.insert(at, seq);
        }
    }

    /// Takes record `seq` out from under `key`.
    pub fn remove<Q>(&mut self, key: &Q, seq: u64)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if let Some(list) = self.map.get_mut(key) {
            list.retain(|&s| s != seq);
            if list.is_empty() {
                self.map.remove(key);
            }
        }
    }

    /// The records filed under `key`, oldest first.
    pub fn get<Q>(&self, key: &Q) -> &[u64]
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get(key).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_created_record_is_forgotten_and_built_in_ones_stay() {
        let mut table = Table::new(2);
        table.insert("built in");
        table.pin();
        assert_eq!(table.insert("a"), (1, None));
        assert_eq!(table.insert("b"), (2, None));
        assert_eq!(table.insert("c"), (3, Some((1, "a"))));
        let kept: Vec<&str> = table.iter().map(|(_, r)| *r).collect();
        assert_eq!(kept, ["built in", "b", "c"]);
        assert_eq!(table.remove(2), Some("b"));
        assert_eq!(table.insert("d"), (4, None));
        assert_eq!(table.len(), 3);
    }

    #[test]
    fn an_index_lists_records_oldest_first() {
        let mut index: Index<String> = Index::default();
        index.add("k".into(), 5);
        index.add("k".into(), 2);
        index.add("k".into(), 5);
        assert_eq!(index.get("k"), [2, 5]);
        index.remove("k", 2);
        assert_eq!(index.get("k"), [5]);
        index.remove("k", 5);
        assert!(index.get("k").is_empty());
        assert!(index.map.is_empty());
    }
}
