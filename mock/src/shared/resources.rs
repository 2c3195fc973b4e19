//! The resources part of the shared state: the engine that holds them, where their objects
//! are read from, the seeded draws, and the answers users scripted instead of the engine's.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::data::storage::Storage;
use crate::engine::Engine;
use crate::lock::{lock_at, Level, Ordered};

use super::AnswerFn;

pub(crate) struct Resources {
    engine: Mutex<Engine>,
    /// Where `gs://` objects are read from (transcripts); read before any lock is taken.
    storage: Storage,
    /// Draws for what the emulator decides by chance (BulkAnalyze's share), seeded.
    draws: Mutex<fastrand::Rng>,
    /// Scripted answers by RPC name, served instead of the engine.
    answers: Mutex<HashMap<String, AnswerFn>>,
}

impl Resources {
    pub(crate) fn new(engine: Engine, storage: Storage, seed: u64) -> Resources {
        Resources {
            engine: Mutex::new(engine),
            storage,
            draws: Mutex::new(fastrand::Rng::with_seed(seed)),
            answers: Mutex::new(HashMap::new()),
        }
    }

    /// The engine; after the operations store in the order (see [`crate::lock`]).
    pub(crate) fn engine(&self) -> Ordered<'_, Engine> {
        lock_at(&self.engine, Level::Resources)
    }

    pub(crate) fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The next draw of the seeded generator, in [0, 1).
    pub(crate) fn draw(&self) -> f64 {
        lock_at(&self.draws, Level::Leaf).f64()
    }

    /// The answer scripted for `rpc`, if any.
    pub(crate) fn answer_for(&self, rpc: &str) -> Option<AnswerFn> {
        lock_at(&self.answers, Level::Leaf).get(rpc).cloned()
    }

    pub(crate) fn set_answer(&self, rpc: &str, f: AnswerFn) {
        lock_at(&self.answers, Level::Leaf).insert(rpc.to_owned(), f);
    }

    pub(crate) fn clear_answers(&self) {
        lock_at(&self.answers, Level::Leaf).clear();
    }
}
