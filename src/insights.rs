//! Typed starters for the 17 Insights RPCs that return long-running operations.
//!
//! Each starter validates the request's resource name, sends the call once (starting an
//! operation is not idempotent, so it is never retried) with the routing header, and returns a
//! typed [`Operation`] handle. The generated client stays reachable through
//! [`InsightsClient::generated`] for everything else.
//!
//! ```no_run
//! # async fn demo(client: ccai_lro::Client) -> Result<(), ccai_lro::Error> {
//! use ccai_lro::insights::InsightsClient;
//! use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{CreateIssueModelRequest, IssueModel};
//! let insights = InsightsClient::new(client);
//! let op = insights
//!     .create_issue_model(CreateIssueModelRequest {
//!         parent: "projects/p/locations/us-central1".into(),
//!         issue_model: Some(IssueModel { display_name: "Topics".into(), ..Default::default() }),
//!     })
//!     .await?;
//! let model = op.wait().await?;
//! # Ok(()) }
//! ```

use crate::{
    client::{call::Kind, headers::routing},
    error::Violation,
    name::{walk, OPERATION_PATTERN},
    operation::{Operation, Payload},
    proto::google::cloud::contactcenterinsights::v1::{
        contact_center_insights_client::ContactCenterInsightsClient as Generated, *,
    },
    proto::google::longrunning::Operation as RawOperation,
    Client, Error, Transport,
};

/// The client of the Insights service's long-running RPCs.
#[derive(Clone, Debug)]
pub struct InsightsClient {
    client: Client,
}

/// One starter and one `Operation` alias per row of the RPC table (`crate::rpcs`).
macro_rules! starters {
    ($(
        $(#[$doc:meta])*
        $fn:ident, $rpc:literal, $req:ty => $alias:ident<$resp:ty, $meta:ty>,
        route $key:literal = |$r:ident| $value:expr, $pattern:expr;
    )*) => {
        $(
            #[doc = concat!("The handle of a `", $rpc, "` operation.")]
            pub type $alias = Operation<$resp, $meta>;
        )*

        impl InsightsClient {
            $(
                $(#[$doc])*
                pub async fn $fn(&self, request: $req) -> Result<$alias, Error> {
                    let value: String = {
                        let $r = &request;
                        $value.to_owned()
                    };
                    walk(&value, $pattern, |_| ())?;
                    let req = self.client.request_for(Kind::Start, request, routing($key, &value), None);
                    let mut generated = Some(self.generated());
                    let mut req = Some(req);
                    let raw = self
                        .client
                        .call($rpc, &value, Kind::Start, |_| {
                            let (mut g, r) = (generated.take(), req.take());
                            async move {
                                match (g.as_mut(), r) {
                                    (Some(g), Some(r)) => g.$fn(r).await,
                                    _ => Err(tonic::Status::internal("a starter is sent only once")),
                                }
                            }
                        })
                        .await?;
                    started(self.client.clone(), raw)
                }
            )*
        }
    };
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
    /// Starters over `client`'s connection.
    pub fn new(client: Client) -> InsightsClient {
        InsightsClient { client }
    }

    /// The underlying connection.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The generated client on the same connection, for the RPCs without starters here. It adds
    /// no Google headers by itself; see [`Client::request`].
    pub fn generated(&self) -> Generated<Transport> {
        Generated::new(self.client.transport())
    }
}

crate::insights_lro_rpcs!(starters);
