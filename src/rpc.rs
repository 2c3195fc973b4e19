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
//!     const METHOD: &'static Method = &Method {
//!         service: "google.pubsub.v1.Publisher",
//!         name: "GetTopic",
//!         path: "/google.pubsub.v1.Publisher/GetTopic",
//!         routing_field: "topic",
//!         patterns: &["projects/{project}/topics/{topic}"],
//!         expected: "projects/{project}/topics/{topic}",
//!         read: true,
//!     };
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

use crate::{name::walk, Error};

/// One RPC's facts. Not `#[non_exhaustive]`: callers describe other APIs' RPCs with a literal
/// of it (see the module's example), which that attribute would forbid.
#[derive(Debug, PartialEq, Eq)]
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
        if self.patterns.iter().any(|p| walk(value, p, |_| ()).is_ok()) {
            Ok(())
        } else {
            Err(Error::InvalidName {
                name: value.to_owned(),
                expected: self.expected,
            })
        }
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

/// `Method`, `Rpc` and `Paged` for one row of the generated table (`insights_rpcs!`).
macro_rules! rpc_impls {
    ($(
        $(#[$doc:meta])*
        $fn:ident, $rpc:literal, $req:ty => $resp:ty, $shape:ident $(($($shape_args:tt)*))?, $kind:ident,
        route $key:literal = |$r:ident| $value:expr, [$first:literal $(, $pattern:literal)*];
    )*) => {
        $(
            impl Rpc for $req {
                type Response = $resp;
                const METHOD: &'static Method = &Method {
                    service: INSIGHTS_SERVICE,
                    name: $rpc,
                    path: concat!("/google.cloud.contactcenterinsights.v1.ContactCenterInsights/", $rpc),
                    routing_field: $key,
                    patterns: &[$first $(, $pattern)*],
                    expected: concat!($first $(, " or ", $pattern)*),
                    read: rpc_impls!(@read $kind),
                };
                fn routing_value(&self) -> &str {
                    let $r = self;
                    $value
                }
            }
            rpc_impls!(@paged $shape $(($($shape_args)*))?, $req);
        )*

        /// Every RPC of the Insights service, in its declaration order.
        pub static INSIGHTS_METHODS: &[&Method] = &[$(<$req as Rpc>::METHOD),*];
    };
    (@read read) => { true };
    (@read write) => { false };
    (@paged paged($items:ident: $item:ty, $items_fn:ident), $req:ty) => {
        impl Paged for $req {
            type Item = $item;
            fn page_size(&self) -> i32 {
                self.page_size
            }
            fn set_page_token(&mut self, token: String) {
                self.page_token = token;
            }
            fn next_page_token(page: &Self::Response) -> &str {
                &page.next_page_token
            }
            fn into_items(page: Self::Response) -> Vec<$item> {
                page.$items
            }
        }
    };
    (@paged $($other:tt)*) => {};
}

mod insights {
    use super::{Method, Paged, Rpc, INSIGHTS_SERVICE};
    use crate::proto::google::cloud::contactcenterinsights::v1::*;

    crate::insights_rpcs!(rpc_impls);
}

pub use insights::INSIGHTS_METHODS;

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
