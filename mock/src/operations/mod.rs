//! The long-running-operation model: what an operation is, how it moves, and where it is kept.
//!
//! An operation is a name and a [`Script`](script::Script) (metadata snapshots, then a response,
//! an error or never), advanced per poll or per period of tokio time; what it shows is computed
//! from the script when asked, never stored step by step.
//!
//! - `store`: the operations, ordered so that a ListOperations page costs O(log n + page);
//! - `script`: scripts, and how an operation renders at a given poll and instant;
//! - `payload`: the `Any` values scripts keep, their type URLs held once;
//! - `start` and `defaults`: what a starter RPC asked for, and the script (and resource) it
//!   gets when the test gave none.
//!
//! Nothing here knows of resources, transports or the shared state: this folder uses only
//! `lock` from the top level. The others build on it: the resource engine takes its
//! vocabulary ([`Start`](start::Start), the default resources, [`pack`](script::pack), the
//! page bound in bytes); the shared state and the gRPC services hold the store, and tell the
//! engine where an operation stands (`shared::outcome`), so the store never names the engine.

pub(crate) mod defaults;
mod payload;
pub(crate) mod script;
pub(crate) mod start;
pub(crate) mod store;
