//! The connection: one or more HTTP/2 connections behind the auth layer, with Google's request
//! headers, per-call deadlines, retries and tracing, and the `google.longrunning.Operations`
//! calls.
//!
//! - [`ClientBuilder`] (`builder.rs`): endpoint, TLS, credentials, deadlines, policies.
//! - [`Transport`] (`transport.rs`): the credentials over the connections (`pool.rs`, which
//!   opens them as the load needs), through a CONNECT proxy when one is set (`proxy.rs`).
//! - `headers.rs`: routing, API client, quota project, `grpc-timeout`.
//! - `call.rs`: one RPC's attempts within its budget.
//! - `list.rs`: [`ListOptions`] and the page stream.
//!
//! The methods of [`Client`] speak Insights: they refuse, before any RPC, an operation name
//! that is not `projects/{project}/locations/{location}/operations/{operation}`. Handles on
//! other APIs' operations ([`Operation`](crate::Operation) with their types) accept any
//! resource name.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ccai_lro::Error> {
//! use ccai_lro::Client;
//! // TLS to contactcenterinsights.googleapis.com with Application Default Credentials.
//! let client = Client::builder().build()?;
//! let op = client.get_operation("projects/p/locations/us-central1/operations/123").await?;
//! println!("{} done={}", op.name, op.done);
//! # Ok(()) }
//! ```

pub(crate) mod budget;
mod builder;
pub(crate) mod call;
mod endpoint;
pub(crate) mod headers;
mod list;
mod pool;
pub(crate) mod proxy;
pub(crate) mod target;
mod tls;
mod transport;
mod unary;
mod universe;

use std::{future::Future, sync::Arc, time::Duration};

use http::HeaderValue;
use tokio::sync::{AcquireError, Semaphore, SemaphorePermit};
use tonic::transport::Channel;

pub use builder::ClientBuilder;
pub use endpoint::{UNIVERSE_DOMAIN_ENV, USE_CLIENT_CERTIFICATE_ENV};
pub use list::{ListOptions, REMEMBERED_PAGE_TOKENS};
pub use pool::STREAMS_PER_CONNECTION;
pub use transport::{Transport, TransportFuture};

use pool::Pool;

use crate::rpc::Method;
use crate::{
    proto::google::longrunning::{
        operations_client::OperationsClient, CancelOperationRequest, DeleteOperationRequest,
        GetOperationRequest, Operation as RawOperation, WaitOperationRequest,
    },
    Error, PollPolicy, RetryPolicy,
};
use call::Kind;
use target::{NameRule, Target};

/// The production endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://contactcenterinsights.googleapis.com";
/// The environment variable naming an emulator's `host:port` (plaintext, no credentials).
pub const EMULATOR_HOST_ENV: &str = "CONTACT_CENTER_INSIGHTS_EMULATOR_HOST";

/// A `google.longrunning.Operations` RPC, routed by the operation's (or parent's) `name`,
/// which the caller checks by the handle's rule.
const fn operations_method(name: &'static str, path: &'static str) -> Method {
    Method {
        service: "google.longrunning.Operations",
        name,
        path,
        routing_field: "name",
        patterns: &[],
        expected: crate::name::ANY_PATTERN,
        read: true,
    }
}
const GET_OPERATION: &Method = &operations_method(
    "GetOperation",
    "/google.longrunning.Operations/GetOperation",
);
const CANCEL_OPERATION: &Method = &operations_method(
    "CancelOperation",
    "/google.longrunning.Operations/CancelOperation",
);
const DELETE_OPERATION: &Method = &operations_method(
    "DeleteOperation",
    "/google.longrunning.Operations/DeleteOperation",
);
const WAIT_OPERATION: &Method = &operations_method(
    "WaitOperation",
    "/google.longrunning.Operations/WaitOperation",
);
const LIST_OPERATIONS: &Method = &operations_method(
    "ListOperations",
    "/google.longrunning.Operations/ListOperations",
);

/// Polls in flight per client unless configured.
const DEFAULT_CONCURRENT_POLLS: usize = 64;
/// The per-attempt deadline of Operations calls (google.longrunning's published 10 s).
const OPERATIONS_DEADLINE: Duration = Duration::from_secs(10);
/// The per-attempt deadline of an Insights RPC, starting operations included (Insights'
/// published 60 s).
const API_DEADLINE: Duration = Duration::from_secs(60);

/// A connection to the Insights API. Cheap to clone (one reference count): clones share one
/// channel and its settings.
#[derive(Clone, Debug)]
pub struct Client {
    settings: Arc<Settings>,
}

#[derive(Debug)]
struct Settings {
    transport: Transport,
    endpoint: String,
    // Header values built once: cloning one is a reference-count bump at most.
    user_project: Option<HeaderValue>,
    /// `grpc-timeout` of Operations calls.
    operations_timeout: HeaderValue,
    /// `grpc-timeout` of Insights RPCs.
    api_timeout: HeaderValue,
    /// The connections, for their counts.
    connections: Pool,
    /// With the default endpoint: its universe, checked against the credentials' once.
    universe: Option<universe::Check>,
    /// The endpoint's host and port, for spans (`server.address`, `server.port`); unknown for
    /// a channel made by the caller.
    server: Option<(Box<str>, u16)>,
    polls: Arc<Semaphore>,
    budget: Option<budget::Budget>,
    timeout: Option<Duration>,
    retry: RetryPolicy,
    poll: PollPolicy,
}

impl Client {
    /// A builder with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client over a channel you made (e.g. the mock server's), without credentials.
    pub fn from_channel(channel: Channel) -> Client {
        // Without builder input every header value is valid, so this cannot fail.
        match ClientBuilder::default().build_with_channel(channel) {
            Ok(client) => client,
            Err(e) => unreachable!("default client settings: {e}"),
        }
    }

    /// The endpoint this client talks to.
    pub fn endpoint(&self) -> &str {
        &self.settings.endpoint
    }

    /// At most how many HTTP/2 connections calls are spread over
    /// ([`ClientBuilder::connections`]).
    pub fn connections(&self) -> usize {
        self.settings.connections.connections()
    }

    /// How many connections have carried a call so far: the pool grows past one only when more
    /// than [`ClientBuilder::streams_per_connection`] calls were under way together.
    pub fn connections_used(&self) -> usize {
        self.settings.connections.connections_used()
    }

    /// The default polling policy.
    pub fn poll_policy(&self) -> PollPolicy {
        self.settings.poll.clone()
    }

    /// The service stack (auth layer over the channel), for generated clients of your own.
    pub fn transport(&self) -> Transport {
        self.settings.transport.clone()
    }

    /// The generated Operations client on this connection. It adds no Google headers by itself;
    /// prefer the methods of [`Client`].
    pub fn operations_client(&self) -> OperationsClient<Transport> {
        OperationsClient::new(self.settings.transport.clone())
    }

    /// One Operations call on a validated operation name, routed by it.
    async fn on_operation<Req, T, Fut>(
        &self,
        method: &'static Method,
        target: &Target<'_>,
        kind: Kind,
        message: impl Fn(String) -> Req,
        rpc: impl Fn(OperationsClient<Transport>, tonic::Request<Req>) -> Fut,
    ) -> Result<T, Error>
    where
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        self.call(method, target.name, kind, |left| {
            let req = self.request_for(
                kind,
                message(target.name.to_owned()),
                target.routing.clone(),
                left,
            );
            rpc(self.operations_client(), req)
        })
        .await
    }

    /// GetOperation on a name validated before: a poll ([`Kind::Poll`], one attempt) or a
    /// one-shot read ([`Kind::Operations`], retried). An answer about another operation is a
    /// protocol violation.
    pub(crate) async fn get_target(
        &self,
        target: &Target<'_>,
        kind: Kind,
    ) -> Result<RawOperation, Error> {
        let op: RawOperation = self
            .on_operation(
                GET_OPERATION,
                target,
                kind,
                |name| GetOperationRequest { name },
                |mut ops, req| async move { ops.get_operation(req).await },
            )
            .await?;
        if op.name != target.name {
            return Err(Error::Protocol(crate::error::Violation::WrongOperation {
                asked: target.name.to_owned(),
                answered: op.name,
            }));
        }
        Ok(op)
    }

    /// A slot among the client's polls in flight, held until dropped. (The semaphore is never
    /// closed, so acquiring only waits.)
    pub(crate) fn poll_slot(
        &self,
    ) -> impl Future<Output = Result<SemaphorePermit<'_>, AcquireError>> + Send + '_ {
        self.settings.polls.acquire()
    }

    /// GetOperation as a poll, within the poll budget; the caller holds a slot
    /// ([`Client::poll_slot`]).
    pub(crate) async fn poll_target(
        &self,
        target: &Target<'_>,
        kind: Kind,
    ) -> Result<RawOperation, Error> {
        self.budgeted(Box::pin(self.get_target(target, kind))).await
    }

    /// Runs a polling RPC within the client's poll budget (if one is set), and tells the budget
    /// how it went. The budget's slot is taken after any concurrency permit, so calls held
    /// back by the permit cannot bunch up past the rate.
    pub(crate) async fn budgeted<T>(
        &self,
        call: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let Some(budget) = &self.settings.budget else {
            return call.await;
        };
        budget.acquire().await;
        let result = call.await;
        budget.observe(&result);
        result
    }

    /// GetOperation: the operation's current state.
    pub async fn get_operation(&self, name: &str) -> Result<RawOperation, Error> {
        let target = Target::new(name, NameRule::Insights)?;
        self.get_target(&target, Kind::Operations).await
    }

    /// CancelOperation: asks the server to stop the operation. It may still finish; poll to see.
    pub async fn cancel_operation(&self, name: &str) -> Result<(), Error> {
        self.cancel_target(&Target::new(name, NameRule::Insights)?)
            .await
    }

    /// CancelOperation on a name validated before.
    pub(crate) async fn cancel_target(&self, target: &Target<'_>) -> Result<(), Error> {
        self.on_operation(
            CANCEL_OPERATION,
            target,
            Kind::Operations,
            |name| CancelOperationRequest { name },
            |mut ops, req| async move { ops.cancel_operation(req).await },
        )
        .await
    }

    /// DeleteOperation. Insights does not implement it: expect [`Error::Unsupported`].
    pub async fn delete_operation(&self, name: &str) -> Result<(), Error> {
        self.on_operation(
            DELETE_OPERATION,
            &Target::new(name, NameRule::Insights)?,
            Kind::Operations,
            |name| DeleteOperationRequest { name },
            |mut ops, req| async move { ops.delete_operation(req).await },
        )
        .await
    }

    /// WaitOperation (server-side wait up to `timeout`). Insights does not implement it: expect
    /// [`Error::Unsupported`], and use [`Operation::wait`](crate::Operation::wait) instead.
    pub async fn wait_operation(
        &self,
        name: &str,
        timeout: Option<Duration>,
    ) -> Result<RawOperation, Error> {
        let kind = Kind::Wait(timeout.unwrap_or_default());
        let timeout = timeout
            .map(prost_types::Duration::try_from)
            .transpose()
            .map_err(|e| Error::InvalidArgument(format!("timeout: {e}")))?;
        self.on_operation(
            WAIT_OPERATION,
            &Target::new(name, NameRule::Insights)?,
            kind,
            |name| WaitOperationRequest { name, timeout },
            |mut ops, req| async move { ops.wait_operation(req).await },
        )
        .await
    }
}
