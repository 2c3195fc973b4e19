//! The operations part of the shared state: the store, the ids it hands out, the request
//! bytes its operations keep, and the scripts users gave per RPC.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::lock::{lock_at, Level, Ordered};
use crate::operations::store::Store;

use super::ScriptFn;

/// Operation ids look like the service's: 19 decimal digits.
const FIRST_ID: u64 = 4_000_000_000_000_000_000;

pub(crate) struct Operations {
    store: Mutex<Store>,
    next_id: AtomicU64,
    /// Bytes of requests the operations keep (echoed in metadata and responses), for the cap.
    held_bytes: AtomicU64,
    scripts: Mutex<HashMap<String, ScriptFn>>,
}

impl Operations {
    pub(crate) fn new(scripts: HashMap<String, ScriptFn>) -> Operations {
        Operations {
            store: Mutex::new(Store::default()),
            next_id: AtomicU64::new(FIRST_ID),
            held_bytes: AtomicU64::new(0),
            scripts: Mutex::new(scripts),
        }
    }

    /// The store; the first lock in the order (see [`crate::lock`]).
    pub(crate) fn store(&self) -> Ordered<'_, Store> {
        lock_at(&self.store, Level::Operations)
    }

    pub(crate) fn next_id(&self) -> String {
        self.next_id.fetch_add(1, Ordering::Relaxed).to_string()
    }

    /// Makes the next id larger than `id`.
    pub(crate) fn ids_past(&self, id: u64) {
        self.next_id
            .fetch_max(id.saturating_add(1), Ordering::Relaxed);
    }

    /// The request bytes the operations keep.
    pub(crate) fn held_bytes(&self) -> u64 {
        self.held_bytes.load(Ordering::Relaxed)
    }

    /// Counts `bytes` more kept.
    pub(crate) fn hold(&self, bytes: u64) {
        self.held_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Forgets every kept byte (the store was emptied).
    pub(crate) fn release_all(&self) {
        self.held_bytes.store(0, Ordering::Relaxed);
    }

    /// The script function given for `method`, if any.
    pub(crate) fn script_fn(&self, method: &str) -> Option<ScriptFn> {
        lock_at(&self.scripts, Level::Leaf).get(method).cloned()
    }

    pub(crate) fn set_script(&self, method: &str, f: ScriptFn) {
        lock_at(&self.scripts, Level::Leaf).insert(method.to_owned(), f);
    }
}
