//! # ccai-lro
//!
//! Google's Contact Center AI Insights API over gRPC: all 74 RPCs of v1, typed, with
//! first-class long-running operations, plus a scripted mock server and emulator to test
//! against.
//!
//! The crate reads top-down:
//! - [`Client`] ([`client`]): HTTP/2 connections, [`auth`] as a tower layer, Google's request
//!   headers, per-call deadlines and budgets, [`retry`] on UNAVAILABLE, and the
//!   `google.longrunning.Operations` calls.
//! - [`Operation<R, M>`] ([`operation`]): a typed handle on an operation of any API (any
//!   [`Payload`]: generated messages, [`Empty`], [`Untyped`]) — poll, wait with a [`PollPolicy`]
//!   ([`poll`]), watch a [`Progress`] stream that ends with the result, cancel, resume by name.
//! - [`watch`]: thousands of operations on one poll budget, by ListOperations sweeps where they
//!   cost fewer calls than polling each.
//! - [`insights`]: every Insights RPC as a method of [`InsightsClient`](insights::InsightsClient)
//!   (typed operations for the 17 that start one, item streams for the paged lists), driven by
//!   [`rpc`]: an RPC as data ([`rpc::Method`]) and the [`rpc::Rpc`] trait that sends any API's
//!   unary RPC through [`Client::unary`].
//! - [`Error`] ([`error`]) with [`Status`] ([`status`]): one error type, classes to match on,
//!   [`Violation`] for a server that breaks the protocol.
//! - [`registry`]: type URL → message; `json` (feature `json`): the REST JSON of operations.
//! - [`name`]: resource names checked before any RPC, a type per Insights resource;
//!   [`proto`]: the generated schema, encoded
//!   with the [`codec`] (tonic-prost with smaller buffers).
//! - The in-process mock server and the emulator are a crate of their own, `ccai-lro-mock`
//!   (add it as a dev-dependency); this one carries no server code unless its `server` feature
//!   asks for the generated server traits.
//!
//! ```no_run
//! use ccai_lro::{insights::InsightsClient, Client};
//! use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{CreateIssueModelRequest, IssueModel};
//!
//! # async fn run() -> Result<(), ccai_lro::Error> {
//! let insights = InsightsClient::new(Client::builder().build()?);
//! let mut op = insights
//!     .create_issue_model(CreateIssueModelRequest {
//!         parent: "projects/my-project/locations/us-central1".into(),
//!         issue_model: Some(IssueModel { display_name: "Support topics".into(), ..Default::default() }),
//!     })
//!     .await?;
//! println!("started {}", op.name());
//! let model = op.wait().await?;
//! println!("{model:?}");
//! # Ok(()) }
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod backoff;
pub mod client;
pub mod codec;
pub mod error;
mod generated;
pub mod insights;
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub mod json;
pub mod name;
pub mod operation;
pub mod poll;
pub mod proto;
pub mod registry;
pub mod retry;
pub mod rpc;
pub mod status;
mod sync;
pub mod watch;

pub use client::{Client, ClientBuilder, ListOptions, Transport};
pub use error::{Error, Violation};
pub use operation::{
    Empty, Operation, Payload, Progress, ProgressStream, Untyped, UntypedOperation,
};
pub use poll::PollPolicy;
pub use retry::RetryPolicy;
pub use status::{Code, Detail, Status};

/// The protobuf runtime the generated messages implement ([`prost::Message`] to encode and
/// decode them, [`prost::Name`] for their type URLs).
pub use prost;
/// The protobuf well-known types the generated messages use ([`FieldMask`](prost_types::FieldMask)
/// for update masks, [`Duration`](prost_types::Duration), [`Timestamp`](prost_types::Timestamp),
/// [`Any`](prost_types::Any)): the same `prost-types` version as [`proto`], so no dependency of
/// your own is needed.
///
/// ```
/// use ccai_lro::prost_types::{Duration, FieldMask};
/// let mask = FieldMask { paths: vec!["conversation_ttl".into()] };
/// let ttl = Duration { seconds: 86_400, nanos: 0 };
/// # let _ = (mask, ttl);
/// ```
pub use prost_types;

// The README's examples compile as doctests, so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
