//! A scripted, in-process Contact Center AI Insights server for tests, and the emulator: the
//! server side of [`ccai_lro`], in a crate of its own so that the client library carries no
//! server code. Add it under `[dev-dependencies]` to test code that uses Insights.
//!
//! The mock implements `google.longrunning.Operations` and all 74 Insights RPCs, with the
//! service's semantics. Operations: unknown ones are `NOT_FOUND`, malformed names
//! `INVALID_ARGUMENT`, CancelOperation ends a running one with `CANCELLED` (code 1),
//! ListOperations pages by parent with `done=true|false` filters and opaque page tokens, and
//! DeleteOperation/WaitOperation are `UNIMPLEMENTED` (as on Insights) unless turned on.
//! Resources: one store serves the 14 kinds through the standard methods, driven by the
//! schema's annotations (AIP-131 to 135: ids, `ALREADY_EXISTS`, REQUIRED and OUTPUT_ONLY
//! fields, `NOT_FOUND` with `ResourceInfo`, opaque page tokens, AIP-160 filters, update masks,
//! `force`), and the custom methods act on it (UploadConversation, CreateAnalysis, BulkDelete,
//! CalculateStats, deployments, …). The 17 RPCs that start operations touch resources only when
//! [`MockServerBuilder::track_resources`] is on (the emulator's way); otherwise they accept any
//! well-formed name, for scripted tests.
//!
//! # Testing your code in a few lines
//!
//! Start a server, pre-load an operation with a [`Script`], and point your code at
//! [`MockServer::channel`] (an in-memory transport: no ports, no network):
//!
//! ```
//! use ccai_lro_mock::{MockServer, Script};
//! use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
//!     CreateIssueModelMetadata, IssueModel,
//! };
//! use ccai_lro::proto::google::longrunning::{
//!     operation, operations_client::OperationsClient, GetOperationRequest,
//! };
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), tonic::Status> {
//!     let server = MockServer::start().await;
//!     let name = "projects/p/locations/us-central1/operations/42";
//!     // Two metadata steps, one per poll: running on the first poll, done on the second.
//!     server.insert(
//!         name,
//!         Script::new()
//!             .metadata(&CreateIssueModelMetadata::default())
//!             .metadata(&CreateIssueModelMetadata::default())
//!             .respond(&IssueModel { display_name: "churn".into(), ..Default::default() }),
//!     );
//!
//!     // Your code under test would hold this client (or build one on the channel).
//!     let mut ops = OperationsClient::new(server.channel());
//!     let get = || GetOperationRequest { name: name.into() };
//!     assert!(!ops.get_operation(get()).await?.into_inner().done);
//!     let done = ops.get_operation(get()).await?.into_inner();
//!     let Some(operation::Result::Response(any)) = done.result else { panic!("not done") };
//!     assert_eq!(any.to_msg::<IssueModel>().ok().map(|m| m.display_name), Some("churn".into()));
//!
//!     // Assert what your code sent.
//!     assert_eq!(server.requests().len(), 2);
//!     Ok(())
//! }
//! ```
//!
//! # Pieces
//!
//! - [`Script`] — metadata snapshots, then a response, an error, or never; advanced per poll
//!   ([`Script::every_polls`]) or per period of tokio time ([`Script::every`]; use
//!   `#[tokio::test(start_paused = true)]` for determinism).
//! - Insights starters (`CreateIssueModel`, `DeployIssueModel`, …) create operations under the
//!   request's `projects/{p}/locations/{l}` with a [`default_script`] (about 2 s, then the
//!   RPC's declared response), or the one given by [`MockServerBuilder::script_for`].
//! - [`Fault`] and [`Latency`] — per-method failure sequences and seeded failure rates
//!   (`UNAVAILABLE`, `RESOURCE_EXHAUSTED` with `RetryInfo`, …, dropped connections), keyed by
//!   the names in [`method`].
//! - [`RecordedRequest`] — every call's method, resource, headers and request, from
//!   [`MockServer::requests`]; [`MockServerBuilder::require_bearer`] checks a token.
//! - [`MockServer::seed`] puts typed resources in place (output fields included);
//!   [`MockServer::answer`] scripts the answer of any RPC by name.
//! - Data that flows: [`MockServerBuilder::object`] (memory),
//!   [`MockServerBuilder::storage_dir`] and [`MockServerBuilder::storage_emulator_host`] (a
//!   GCS emulator) give conversations their transcripts; analyses then run the phrase-matcher
//!   and silence annotators, and issue models train on the stored conversations (a
//!   conversation's issue is its label `issue`). The rules are in the README.
//! - [`SavedState`], [`MockServer::state`], [`MockServerBuilder::state`] and
//!   [`MockServerBuilder::export_on_exit`] — the whole state as one JSON document, what the
//!   emulator's `GET /state`, `--import` and `--export-on-exit` use.
//! - [`serve`] / [`MockServerBuilder::serve`] — the same server on a TCP listener, for the
//!   `ccai-lro emulator` command; with [`MockServerBuilder::tls`] ([`TlsConfig`]) over TLS,
//!   gRPC and REST alike, client certificates required if it names a client CA.

#![warn(missing_docs)]

mod admin;
mod builder;
mod clock;
mod connection;
mod data;
mod engine;
mod errors;
mod faults;
mod generated;
mod history;
mod http1;
pub mod limits;
mod lock;
mod memory;
pub mod method;
mod names;
mod notify;
mod operations;
mod page_token;
mod record;
mod server;
mod shared;
mod transport;

pub use admin::state::{SavedState, StateError, STATE_VERSION};
pub use builder::{serve, MockServerBuilder, ServeError};
pub use faults::{Fault, Latency};
pub use notify::{Notification, TRIGGERS};
pub use operations::defaults::{operation_info, script as default_script};
pub use operations::script::{Advance, Outcome, Script};
pub use operations::start::Start;
pub use record::RecordedRequest;
pub use server::MockServer;
pub use transport::tls::TlsConfig;

/// tonic's status, what a [`MockServer::answer`] function and [`MockServer::seed`] return:
/// `Status::not_found("…")`, or [`Status::with_details`] for rich details. The same type as
/// `tonic::Status`, so no dependency of your own is needed.
pub use tonic::{Code, Status};
