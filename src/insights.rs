//! The whole Insights v1 API: one method per RPC, all 74, generated from the published schema.
//!
//! Every method takes its request message and returns its response, on the client's channel,
//! credentials, headers, deadline (60 s per attempt) and tracing. Before any RPC the request's
//! routing field is checked against the names its HTTP rule accepts; the call carries it as
//! `x-goog-request-params` (AIP-4222).
//!
//! - **Retries.** Reads (the RPCs bound to HTTP GET: Get*, List*, CalculateStats,
//!   CalculateIssueModelStats) are retried on UNAVAILABLE by the client's
//!   [`RetryPolicy`](crate::RetryPolicy), within its budget. Writes, starting operations
//!   included, are sent once: a retried create can make a duplicate. Opt in with
//!   [`InsightsClient::retry_writes`], or per call with [`Client::unary_retried`]. Polls of
//!   the operations follow the [`PollPolicy`](crate::PollPolicy).
//! - **Operations.** The 17 RPCs that start one return a typed [`Operation`] handle
//!   (`CreateAnalysisOperation` = `Operation<Analysis, CreateAnalysisOperationMetadata>`, …).
//! - **Lists.** Each paged List RPC has a page-at-a-time method (`list_conversations`) and a
//!   stream of items across pages with a limit (`list_conversations_items`).
//! - **Names.** [`crate::name`] has a type per resource to build and parse names.
//!
//! ```no_run
//! # async fn demo(client: ccai_lro::Client) -> Result<(), ccai_lro::Error> {
//! use ccai_lro::insights::InsightsClient;
//! use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
//!     CreateIssueModelRequest, GetIssueModelRequest, IssueModel,
//! };
//! let insights = InsightsClient::new(client);
//! let op = insights
//!     .create_issue_model(CreateIssueModelRequest {
//!         parent: "projects/p/locations/us-central1".into(),
//!         issue_model: Some(IssueModel { display_name: "Topics".into(), ..Default::default() }),
//!     })
//!     .await?;
//! let model = op.wait().await?;
//! let again = insights.get_issue_model(GetIssueModelRequest { name: model.name.clone() }).await?;
//! assert_eq!(again.display_name, "Topics");
//! # Ok(()) }
//! ```

use futures_util::stream::BoxStream;

use crate::{
    client::call::Kind,
    error::Violation,
    name::{walk, OPERATION_PATTERN},
    operation::{Operation, Payload},
    proto::google::cloud::contactcenterinsights::v1::{
        contact_center_insights_client::ContactCenterInsightsClient as Generated, *,
    },
    proto::google::longrunning::Operation as RawOperation,
    rpc::Rpc,
    Client, Error, Transport,
};

/// The client of the Insights service: one method per RPC.
#[derive(Clone, Debug)]
pub struct InsightsClient {
    client: Client,
    retry_writes: bool,
}

/// One method (and for lists a stream of items, for operations an `Operation` alias) per row
/// of the generated RPC table (`crate::rpcs`).
macro_rules! methods {
    ($(
        $(#[$doc:meta])*
        $fn:ident, $rpc:literal, $req:ty => $resp:ty, $shape:ident $(($($shape_args:tt)*))?, $kind:ident,
        route $key:literal = |$r:ident| $value:expr, [$($pattern:literal),*];
    )*) => {
        impl InsightsClient {
            $(
                methods!(@method $shape $(($($shape_args)*))?, $(#[$doc])* $fn, $rpc, $req => $resp);
            )*
        }
        $(
            methods!(@alias $shape $(($($shape_args)*))?, $rpc);
        )*
    };
    (@method operation($alias:ident<$r:ty, $m:ty>), $(#[$doc:meta])* $fn:ident, $rpc:literal, $req:ty => $resp:ty) => {
        $(#[$doc])*
        ///
        /// Starts the operation and returns its typed handle; see [`Operation::wait`].
        pub async fn $fn(&self, request: $req) -> Result<$alias, Error> {
            let raw = self.client.send(&request, self.kind(<$req as Rpc>::METHOD)).await?;
            started(self.client.clone(), raw)
        }
    };
    (@method paged($items:ident: $item:ty, $items_fn:ident), $(#[$doc:meta])* $fn:ident, $rpc:literal, $req:ty => $resp:ty) => {
        $(#[$doc])*
        ///
        /// One page; see the `_items` method for a stream across pages.
        pub async fn $fn(&self, request: $req) -> Result<$resp, Error> {
            self.client.send(&request, self.kind(<$req as Rpc>::METHOD)).await
        }

        #[doc = concat!("`", $rpc, "` as a stream of items across pages, at most `limit`: see [`Client::item_stream`].")]
        pub fn $items_fn(
            &self,
            request: $req,
            limit: Option<usize>,
        ) -> BoxStream<'static, Result<$item, Error>> {
            self.client.item_stream(request, limit)
        }
    };
    (@method unary, $(#[$doc:meta])* $fn:ident, $rpc:literal, $req:ty => $resp:ty) => {
        $(#[$doc])*
        pub async fn $fn(&self, request: $req) -> Result<$resp, Error> {
            self.client.send(&request, self.kind(<$req as Rpc>::METHOD)).await
        }
    };
    (@alias operation($alias:ident<$r:ty, $m:ty>), $rpc:literal) => {
        #[doc = concat!("The handle of a `", $rpc, "` operation.")]
        pub type $alias = Operation<$r, $m>;
    };
    (@alias $($other:tt)*) => {};
}

/// The handle on a just-started operation, whose name must have Insights' shape: the server
/// made it, so a malformed one is the server's fault, not the caller's.
fn started<R: Payload, M: Payload>(
    client: Client,
    raw: RawOperation,
) -> Result<Operation<R, M>, Error> {
    if walk(&raw.name, OPERATION_PATTERN, |_| ()).is_err() {
        return Err(Error::Protocol(Violation::MalformedName {
            name: raw.name,
            expected: OPERATION_PATTERN,
        }));
    }
    Ok(Operation::new(client, raw))
}

impl InsightsClient {
    /// The Insights API over `client`'s connection.
    pub fn new(client: Client) -> InsightsClient {
        InsightsClient {
            client,
            retry_writes: false,
        }
    }

    /// This client with writes retried on UNAVAILABLE like reads (`true`), or sent once (the
    /// default). Only opt in where a repeat is harmless: a retried create can make a
    /// duplicate, and a retried starter a second operation.
    pub fn retry_writes(mut self, yes: bool) -> InsightsClient {
        self.retry_writes = yes;
        self
    }

    fn kind(&self, method: &crate::rpc::Method) -> Kind {
        Kind::of(method, self.retry_writes)
    }

    /// The underlying connection.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The generated tonic client on the same connection, for code written against it. It
    /// adds no Google headers, checks and retries by itself (the methods here do); see
    /// [`Client::request`].
    pub fn generated(&self) -> Generated<Transport> {
        Generated::new(self.client.transport())
    }
}

crate::insights_rpcs!(methods);
