//! The emulator's data plane: what flows through the store, not only the store.
//!
//! ```text
//!  gs:// URI ──> storage (one trait: a folder, memory, the GCS JSON API at STORAGE_EMULATOR_HOST)
//!                  └─> transcript (Insights' conversation format | a Speech-to-Text result)
//!                        └─> a conversation's derived output fields (segments, turn_count, duration, …)
//!  analysis ──> annotate: phrase matchers and silence, pure functions of the conversation and the
//!               location's configuration; machine-learning annotators are not emulated
//! ```
//!
//! The parser and the annotators are pure and tested on their own; the engine calls them, and
//! they never reach into transports or the store.

pub(crate) mod annotate;
pub(crate) mod fetch;
pub(crate) mod storage;
pub(crate) mod transcript;
