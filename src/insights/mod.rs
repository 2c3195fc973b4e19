//! The whole Insights v1 API: one method per RPC, all 74, in `src/generated/methods.rs`, which
//! `tools/gen_proto.py` writes from the published schema.
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

pub use crate::generated::methods::*;

use crate::{
    client::call::Kind,
    error::Violation,
    name::{walk, OPERATION_PATTERN},
    operation::{Operation, Payload},
    proto::google::cloud::contactcenterinsights::v1::contact_center_insights_client::ContactCenterInsightsClient as Generated,
    proto::google::longrunning::Operation as RawOperation,
    Client, Error, Transport,
};

/// The client of the Insights service: one method per RPC.
#[derive(Clone, Debug)]
pub struct InsightsClient {
    pub(crate) client: Client,
    retry_writes: bool,
}

/// The handle on a just-started operation, whose name must have Insights' shape: the server
/// made it, so a malformed one is the server's fault, not the caller's.
pub(crate) fn started<R: Payload, M: Payload>(
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

    pub(crate) fn kind(&self, method: &crate::rpc::Method) -> Kind {
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

#[cfg(test)]
mod tests {
    /// The last `::` segment of a Rust type, the last `.` segment of a proto name.
    fn short(name: &str) -> &str {
        name.rsplit([':', '.']).next().unwrap_or(name)
    }

    #[test]
    fn each_operation_alias_carries_the_schemas_response_and_metadata() {
        let aliases = crate::generated::methods::aliases();
        assert_eq!(aliases.len(), 17);
        for (rpc, ty) in aliases {
            let (response, metadata) = crate::registry::operation_info(rpc).expect(rpc);
            // `ccai_lro::operation::Operation<path::Response, path::Metadata>`
            let inner = ty.split_once('<').and_then(|(_, r)| r.strip_suffix('>'));
            let (r, m) = inner.and_then(|i| i.split_once(", ")).expect(ty);
            assert_eq!(short(r), short(&response), "{rpc}: {ty}");
            assert_eq!(short(m), short(&metadata), "{rpc}: {ty}");
        }
    }
}
