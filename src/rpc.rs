//! An RPC as data: the facts a client needs to send a unary call of any gRPC API with Google's
//! conventions (its path, the request field that routes it, the names that field accepts,
//! whether it may be repeated), and the traits that tie a request message to them.
//!
//! Every Insights request implements [`Rpc`] (and the paged lists [`Paged`]) from one table
//! generated from the published schema; [`INSIGHTS_METHODS`] lists them. Nothing here is
//! sealed: implement [`Rpc`] for another API's request type and [`Client::unary`] sends it
//! with the same channel, credentials, headers, deadline, retries and tracing.
//!
//! ```
//! use ccai_lro::rpc::{Method, Rpc};
//! use ccai_lro::proto::google::cloud::contactcenterinsights::v1::GetIssueModelRequest;
//! let m = <GetIssueModelRequest as Rpc>::METHOD;
//! assert_eq!(m.path, "/google.cloud.contactcenterinsights.v1.ContactCenterInsights/GetIssueModel");
//! assert_eq!(m.routing_field, "name");
//! assert!(m.read);
//! ```
//!
//! Another API's RPC, sent with this crate's client:
//!
//! ```no_run
//! use ccai_lro::rpc::{Method, Rpc};
//!
//! #[derive(Clone, PartialEq, prost::Message)]
//! struct GetTopicRequest {
//!     #[prost(string, tag = "1")]
//!     topic: String,
//! }
//! #[derive(Clone, PartialEq, prost::Message)]
//! struct Topic {
//!     #[prost(string, tag = "1")]
//!     name: String,
//! }
//!
//! impl Rpc for GetTopicRequest {
//!     type Response = Topic;
//!     const METHOD: &'static Method = &Method::new(
//!         "google.pubsub.v1.Publisher",
//!         "GetTopic",
//!         "/google.pubsub.v1.Publisher/GetTopic",
//!     )
//!     .routed("topic", &["projects/{project}/topics/{topic}"], "projects/{project}/topics/{topic}")
//!     .read(true);
//!     fn routing_value(&self) -> &str {
//!         &self.topic
//!     }
//! }
//!
//! # async fn demo(client: ccai_lro::Client) -> Result<(), ccai_lro::Error> {
//! let topic = client.unary(GetTopicRequest { topic: "projects/p/topics/t".into() }).await?;
//! println!("{}", topic.name);
//! # Ok(()) }
//! ```
//!
//! [`Client::unary`]: crate::Client::unary

use crate::Error;

/// One RPC's facts. Read its fields freely; build one for another API's RPC with
/// [`Method::new`] and the `const` setters, so that a field added later breaks no caller.
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Method {
    /// The fully qualified service, e.g. `google.cloud.contactcenterinsights.v1.ContactCenterInsights`.
    pub service: &'static str,
    /// The method's short name, e.g. `GetIssueModel`.
    pub name: &'static str,
    /// The HTTP/2 path, `/{service}/{name}`.
    pub path: &'static str,
    /// The request field (a dotted path for a nested one) that the HTTP rule's path variable
    /// binds: the routing header is `{routing_field}={value}` (AIP-4222).
    pub routing_field: &'static str,
    /// The names the routing field accepts (`projects/{project}/...`), checked before any RPC.
    /// Empty: any non-empty value.
    pub patterns: &'static [&'static str],
    /// [`Method::patterns`] as one line for error messages (`A or B`).
    pub expected: &'static str,
    /// A read (GET in the HTTP rule): retried on UNAVAILABLE. Writes are sent once unless the
    /// caller opts in.
    pub read: bool,
}

impl Method {
    /// The RPC `name` of `service`, sent to `path` (`/{service}/{name}`): a write, routed by no
    /// field, until [`Method::routed`] and [`Method::read`] say otherwise.
    pub const fn new(service: &'static str, name: &'static str, path: &'static str) -> Method {
        Method {
            service,
            name,
            path,
            routing_field: "",
            patterns: &[],
            expected: "",
            read: false,
        }
    }

    /// This method routed by `field` (see [`Method::routing_field`]), whose value must match
    /// one of `patterns`; `expected` is how an error names them (`A or B`).
    pub const fn routed(
        self,
        field: &'static str,
        patterns: &'static [&'static str],
        expected: &'static str,
    ) -> Method {
        Method {
            routing_field: field,
            patterns,
            expected,
            ..self
        }
    }

    /// This method as a read (`true`: retried on UNAVAILABLE) or a write.
    pub const fn read(self, read: bool) -> Method {
        Method { read, ..self }
    }

    /// Checks a routing value against [`Method::patterns`]: the check the server would make,
    /// made before any RPC.
    ///
    /// ```
    /// use ccai_lro::rpc::Rpc;
    /// use ccai_lro::proto::google::cloud::contactcenterinsights::v1::GetConversationRequest as Get;
    /// let m = <Get as Rpc>::METHOD;
    /// assert!(m.check("projects/p/locations/l/conversations/c").is_ok());
    /// assert!(m.check("projects/p/locations/l/authorizedViewSets/s/authorizedViews/v/conversations/c").is_ok());
    /// let e = m.check("projects/p/conversations/c").unwrap_err();
    /// assert!(e.to_string().contains("projects/{project}/locations/{location}/conversations/{conversation}"));
    /// ```
    pub fn check(&self, value: &str) -> Result<(), Error> {
        if self.patterns.is_empty() {
            return crate::name::check_any(value);
        }
        crate::name::resource::parse(value, self.patterns, self.expected).map(drop)
    }
}

/// A request message that knows its RPC.
pub trait Rpc: prost::Message + Sized + Send + Sync + 'static {
    /// The answer's message.
    type Response: prost::Message + Default + Send + Sync + 'static;
    /// The RPC's facts.
    const METHOD: &'static Method;
    /// The value of [`Method::routing_field`] in this request (empty when unset).
    fn routing_value(&self) -> &str;
}

/// A List RPC whose answers come in pages (AIP-158).
pub trait Paged: Rpc + Clone {
    /// One listed item.
    type Item: Send + 'static;
    /// The request's `page_size`.
    fn page_size(&self) -> i32;
    /// Sets the request's `page_token`.
    fn set_page_token(&mut self, token: String);
    /// The answer's `next_page_token` (empty on the last page).
    fn next_page_token(page: &Self::Response) -> &str;
    /// The answer's items.
    fn into_items(page: Self::Response) -> Vec<Self::Item>;
}

/// The service of every Insights RPC.
pub const INSIGHTS_SERVICE: &str = "google.cloud.contactcenterinsights.v1.ContactCenterInsights";

pub use crate::generated::table::{INSIGHTS_METHODS, INSIGHTS_OPERATION_METHODS};

/// The Insights RPC named `name`: its short name (`ListConversations`) or its full name
/// (`google.cloud.contactcenterinsights.v1.ContactCenterInsights.ListConversations`, a `/`
/// before the method allowed).
///
/// ```
/// use ccai_lro::rpc::insights_method;
/// assert_eq!(insights_method("GetSettings").map(|m| m.name), Some("GetSettings"));
/// assert!(insights_method("google.cloud.contactcenterinsights.v1.ContactCenterInsights/GetSettings").is_some());
/// assert!(insights_method("GetSetting").is_none());
/// ```
pub fn insights_method(name: &str) -> Option<&'static Method> {
    let short = name
        .strip_prefix('/')
        .unwrap_or(name)
        .strip_prefix(INSIGHTS_SERVICE)
        .map_or(Some(name), |rest| rest.strip_prefix(['.', '/']))?;
    INSIGHTS_METHODS.iter().copied().find(|m| m.name == short)
}
