//! The one store of resources: each kept as its protobuf encoding under its canonical name.
//!
//! Records sit in a `BTreeMap` by name, so a resource's children are a range scan over its
//! name plus `/`; each collection (`…/conversations`) also orders its members by a creation
//! sequence, which is what list pages and their tokens walk. Both indexes are O(log n) per
//! change. Every bound is checked before a change, so a refused create keeps nothing, and
//! reads go on at the limits.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use tonic::Status;

use super::schema::Kind;

/// The most resources of one kind across the emulator.
pub const MAX_PER_KIND: usize = 200_000;
/// The largest encoded resource, in bytes.
pub const MAX_RESOURCE_BYTES: usize = 1 << 20;
/// The most encoded bytes all resources together hold.
pub const MAX_TOTAL_BYTES: usize = 1 << 30;

pub(crate) struct Record {
    pub(crate) seq: u64,
    pub(crate) kind: &'static Kind,
    pub(crate) bytes: Vec<u8>,
}

pub(crate) struct Store {
    /// The bounds in force: the constants above, smaller in unit tests.
    per_kind: usize,
    total_bytes: usize,
    records: BTreeMap<String, Record>,
    order: HashMap<String, BTreeMap<u64, String>>,
    counts: HashMap<&'static str, usize>,
    bytes: usize,
    next_seq: u64,
}

/// The collection a name belongs to: everything before its last segment.
pub(crate) fn collection_of(name: &str) -> &str {
    name.rfind('/')
        .and_then(|i| name.get(..i))
        .unwrap_or_default()
}

fn exhausted(what: String) -> Status {
    Status::resource_exhausted(format!("{what}: delete some, or POST /reset"))
}

impl Default for Store {
    fn default() -> Self {
        Store::with_limits(MAX_PER_KIND, MAX_TOTAL_BYTES)
    }
}

impl Store {
    fn with_limits(per_kind: usize, total_bytes: usize) -> Self {
        Store {
            per_kind,
            total_bytes,
            records: BTreeMap::new(),
            order: HashMap::new(),
            counts: HashMap::new(),
            bytes: 0,
            next_seq: 0,
        }
    }

    pub(crate) fn clear(&mut self) {
        *self = Store::with_limits(self.per_kind, self.total_bytes);
    }

    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Record> {
        self.records.get(name)
    }

    fn fits(&self, size: usize, freed: usize) -> Result<(), Status> {
        if size > MAX_RESOURCE_BYTES {
            return Err(exhausted(format!(
                "the resource is {size} bytes, over the emulator's {MAX_RESOURCE_BYTES}"
            )));
        }
        if self.bytes - freed + size > self.total_bytes {
            return Err(exhausted(format!(
                "the emulator holds {} MiB of resources, its limit",
                self.total_bytes >> 20
            )));
        }
        Ok(())
    }

    /// Adds a new resource; a taken name is ALREADY_EXISTS (callers check first to say so in
    /// their own words, but the store's indexes never depend on it).
    pub(crate) fn insert(
        &mut self,
        name: String,
        kind: &'static Kind,
        bytes: Vec<u8>,
    ) -> Result<(), Status> {
        if self.records.contains_key(&name) {
            return Err(Status::already_exists(format!(
                "{} {} already exists",
                kind.label,
                crate::names::quote(&name)
            )));
        }
        self.fits(bytes.len(), 0)?;
        let count = self
            .counts
            .get(kind.type_name.as_str())
            .copied()
            .unwrap_or(0);
        if count >= self.per_kind {
            return Err(exhausted(format!(
                "the emulator holds {} of kind {}, its limit",
                self.per_kind, kind.label
            )));
        }
        self.counts.insert(&kind.type_name, count + 1);
        self.bytes += bytes.len();
        let seq = self.next_seq;
        self.next_seq += 1;
        if kind.singleton.is_none() {
            self.order
                .entry(collection_of(&name).to_owned())
                .or_default()
                .insert(seq, name.clone());
        }
        self.records.insert(name, Record { seq, kind, bytes });
        Ok(())
    }

    /// Replaces a resource's bytes, keeping its place in its list.
    pub(crate) fn replace(&mut self, name: &str, bytes: Vec<u8>) -> Result<(), Status> {
        let old = self.records.get(name).map_or(0, |r| r.bytes.len());
        self.fits(bytes.len(), old)?;
        if let Some(record) = self.records.get_mut(name) {
            self.bytes = self.bytes - old + bytes.len();
            record.bytes = bytes;
        }
        Ok(())
    }

    pub(crate) fn remove(&mut self, name: &str) -> Option<Record> {
        let record = self.records.remove(name)?;
        self.bytes -= record.bytes.len();
        if let Some(c) = self.counts.get_mut(record.kind.type_name.as_str()) {
            *c = c.saturating_sub(1);
        }
        let collection = collection_of(name);
        if let Some(members) = self.order.get_mut(collection) {
            members.remove(&record.seq);
            if members.is_empty() {
                self.order.remove(collection);
            }
        }
        Some(record)
    }

    /// Every record, in creation order.
    pub(crate) fn in_creation_order(&self) -> Vec<(&String, &Record)> {
        let mut all: Vec<_> = self.records.iter().collect();
        all.sort_by_key(|(_, r)| r.seq);
        all
    }

    /// The names of everything under `name` (its children, theirs, ...), in name order.
    pub(crate) fn descendants(&self, name: &str) -> Vec<String> {
        let prefix = format!("{name}/");
        self.records
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Every record whose name starts with `prefix`, in name order.
    pub(crate) fn under<'s>(
        &'s self,
        prefix: &'s str,
    ) -> impl Iterator<Item = (&'s String, &'s Record)> + 's {
        self.records
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(move |(k, _)| k.starts_with(prefix))
    }

    /// [`Store::under`], from just after the name `after` (a page's last) when given.
    pub(crate) fn under_after<'s>(
        &'s self,
        prefix: &'s str,
        after: Option<&'s str>,
    ) -> impl Iterator<Item = (&'s String, &'s Record)> + 's {
        let start = match after {
            Some(name) if name >= prefix => Bound::Excluded(name),
            _ => Bound::Included(prefix),
        };
        self.records
            .range::<str, _>((start, Bound::Unbounded))
            .take_while(move |(k, _)| k.starts_with(prefix))
    }

    /// The members of `collection` from `position` on (exclusive of nothing: a position is the
    /// sequence of the first record still to list), newest first when asked, each handed to
    /// `take` until it answers `false`. Returns where the next page starts, if anything is left.
    pub(crate) fn walk<'s>(
        &'s self,
        collection: &str,
        position: Option<u64>,
        newest_first: bool,
        mut take: impl FnMut(&'s str, &'s Record) -> bool,
    ) -> Option<u64> {
        let members = self.order.get(collection)?;
        let mut items: Box<dyn Iterator<Item = (&u64, &String)>> = match (newest_first, position) {
            (false, p) => Box::new(members.range(p.unwrap_or(0)..)),
            (true, None) => Box::new(members.iter().rev()),
            (true, Some(p)) => Box::new(members.range(..=p).rev()),
        };
        for (&seq, name) in items.by_ref() {
            let Some(record) = self.records.get(name) else {
                continue;
            };
            if !take(name, record) {
                return Some(seq);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::schema::kinds;

    fn kind(label: &str) -> &'static Kind {
        kinds().values().find(|k| k.label == label).expect("a kind")
    }

    #[test]
    fn past_the_total_bytes_a_create_or_growth_is_refused_and_nothing_kept() {
        // 1 MiB in all, so the test exceeds the bound in force with a few records.
        let mut store = Store::with_limits(MAX_PER_KIND, 1 << 20);
        let view = kind("View");
        for i in 0..4 {
            store
                .insert(format!("p/views/{i}"), view, vec![0; 256 << 10])
                .expect("fits");
        }
        let over = store.insert("p/views/x".into(), view, vec![0; 1]);
        assert_eq!(
            over.map_err(|s| s.code()),
            Err(tonic::Code::ResourceExhausted)
        );
        assert!(store.get("p/views/x").is_none(), "nothing kept");
        let grown = store.replace("p/views/0", vec![0; (256 << 10) + 1]);
        assert_eq!(
            grown.map_err(|s| s.code()),
            Err(tonic::Code::ResourceExhausted)
        );
        assert_eq!(
            store.get("p/views/0").map(|r| r.bytes.len()),
            Some(256 << 10)
        );
        store.remove("p/views/1");
        store
            .insert("p/views/x".into(), view, vec![0; 1])
            .expect("room again once one is gone");
    }

    #[test]
    fn one_resource_over_its_bound_is_refused() {
        let mut store = Store::default();
        let over = store.insert(
            "p/views/v".into(),
            kind("View"),
            vec![0; MAX_RESOURCE_BYTES + 1],
        );
        assert_eq!(
            over.map_err(|s| s.code()),
            Err(tonic::Code::ResourceExhausted)
        );
        assert_eq!(store.len(), 0);
    }
}
