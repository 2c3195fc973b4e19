//! The operation store, built so that every request costs O(log n + page) at 100,000+ operations.
//!
//! Operations are ordered by `(parent id, creation sequence)` in a `BTreeMap`, so a
//! ListOperations page is a range scan starting at the page token's position; a `HashMap` from
//! full name to that key serves Get/Cancel/Delete. State is not stored per step: an entry keeps
//! its script (shared), creation instant and poll count, and its current view is computed on
//! demand.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use prost::Message;
use prost_types::Timestamp;
use tokio::time::Instant;

use super::defaults::ended_at;
use super::script::{Cancelled, Script, View};
use ccai_lro::proto::google::longrunning::Operation;

type Key = (u32, u64);

/// The most entries one ListOperations page may scan. With a filter, matching operations
/// may be sparse; bounding the scan keeps a page's cost bounded, and the page is simply
/// shorter with a token to continue (AIP-158 allows short pages).
const SCAN_BUDGET: usize = 10_000;

/// The most bytes of operations one ListOperations page carries (a page holds at least one):
/// half of the 4 MiB a default gRPC client accepts.
pub const MAX_PAGE_BYTES: usize = 2 << 20;

pub(crate) struct Entry {
    name: Arc<str>,
    script: Script,
    created: Instant,
    polls: u32,
    // Boxed: most operations are never cancelled, and entries sit in a BTreeMap's nodes.
    cancelled: Option<Box<Cancelled>>,
}

impl Entry {
    fn view(&self, now: Instant) -> View {
        let v = self
            .script
            .view(self.polls, now.saturating_duration_since(self.created));
        match &self.cancelled {
            Some(c) => View {
                stage: c.stage,
                done: true,
            },
            None => v,
        }
    }

    pub(crate) fn render(&self, now: Instant) -> Operation {
        let view = self.view(now);
        self.script
            .render(&self.name, view, self.cancelled.as_deref())
    }

    /// How the operation ends if left alone: its script's last view (a cancelled one stays as
    /// it is).
    pub(crate) fn render_final(&self, now: Instant) -> Operation {
        if self.cancelled.is_some() {
            return self.render(now);
        }
        self.script
            .render(&self.name, self.script.final_view(), None)
    }

    pub(crate) fn is_done(&self, now: Instant) -> bool {
        self.view(now).done
    }

    /// Counts one GetOperation and renders what it sees.
    pub(crate) fn poll(&mut self, now: Instant) -> Operation {
        self.polls = self.polls.saturating_add(1);
        self.render(now)
    }

    /// Cancels a running operation at wall-clock time `at`, which becomes its metadata's
    /// `end_time`; a done one (cancelled included) is left as it is.
    pub(crate) fn cancel(&mut self, now: Instant, at: &Timestamp) {
        let view = self.view(now);
        if !view.done {
            self.cancelled = Some(Box::new(Cancelled {
                stage: view.stage,
                metadata: self
                    .script
                    .metadata_at(view.stage, false)
                    .map(|m| ended_at(&m, at)),
            }));
        }
    }

    /// When the operation next changes by itself, for a timed script.
    pub(crate) fn next_change(&self, now: Instant) -> Option<Instant> {
        if self.cancelled.is_some() {
            return None;
        }
        let view = self.view(now);
        self.script
            .next_change(view.stage)
            .map(|d| self.created + d)
    }
}

#[derive(Default)]
pub(crate) struct Store {
    // Few distinct parents exist; interning them keeps the ordered key small and `Copy`.
    parents: HashMap<Arc<str>, u32>,
    index: HashMap<Arc<str>, Key>,
    ops: BTreeMap<Key, Entry>,
    next_seq: u64,
}

impl Store {
    pub(crate) fn len(&self) -> usize {
        self.ops.len()
    }

    /// Forgets every operation.
    pub(crate) fn clear(&mut self) {
        *self = Store::default();
    }

    /// Adds an operation at the end of its parent's list, replacing any of the same name.
    pub(crate) fn insert(&mut self, name: &str, parent: &str, script: Script, now: Instant) {
        self.remove(name);
        let next_parent = u32::try_from(self.parents.len()).unwrap_or(u32::MAX);
        let pid = *self.parents.entry(Arc::from(parent)).or_insert(next_parent);
        let key = (pid, self.next_seq);
        self.next_seq += 1;
        let name: Arc<str> = Arc::from(name);
        self.index.insert(name.clone(), key);
        self.ops.insert(
            key,
            Entry {
                name,
                script,
                created: now,
                polls: 0,
                cancelled: None,
            },
        );
    }

    /// Every operation, in parent then creation order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.ops.values()
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Entry> {
        self.ops.get(self.index.get(name)?)
    }

    pub(crate) fn get_mut(&mut self, name: &str) -> Option<&mut Entry> {
        self.ops.get_mut(self.index.get(name)?)
    }

    pub(crate) fn remove(&mut self, name: &str) -> bool {
        match self.index.remove(name) {
            Some(key) => self.ops.remove(&key).is_some(),
            None => false,
        }
    }

    /// One page of `parent`'s operations from `position` on, in creation order, keeping those
    /// whose `done` equals `done` when given. Returns the page and where the next one starts.
    pub(crate) fn page(
        &self,
        parent: &str,
        position: u64,
        done: Option<bool>,
        size: usize,
        now: Instant,
    ) -> (Vec<Operation>, Option<u64>) {
        let Some(&pid) = self.parents.get(parent) else {
            return (Vec::new(), None);
        };
        let mut page = Vec::with_capacity(size.min(1024));
        let mut range = self.ops.range((pid, position)..=(pid, u64::MAX)).peekable();
        let (mut scanned, mut bytes) = (0, 0);
        while page.len() < size && scanned < SCAN_BUDGET {
            let Some(&(_, entry)) = range.peek() else {
                return (page, None);
            };
            if done.is_none_or(|d| entry.is_done(now) == d) {
                let op = entry.render(now);
                let len = op.encoded_len();
                // Bounded in bytes too: a page stays within what a default gRPC client accepts.
                if !page.is_empty() && bytes + len > MAX_PAGE_BYTES {
                    break;
                }
                bytes += len;
                page.push(op);
            }
            scanned += 1;
            range.next();
        }
        // Only hand out a token when something follows, so the last page has none.
        let next = range.next().map(|(&(_, seq), _)| seq);
        (page, next)
    }
}
