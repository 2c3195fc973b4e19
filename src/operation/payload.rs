//! What an operation carries: any protobuf message that knows its type URL, `Empty`, or
//! [`Untyped`] for "whatever it is".

use std::ops::Deref;

use prost::{DecodeError, Message, Name};
use prost_types::Any;

/// A type an operation can carry as its response or metadata.
///
/// Every generated message with a type URL (`prost::Message + prost::Name + Default`) is a
/// payload, whichever API it comes from: the Insights types, Dialogflow's, or a message of your
/// own. [`Empty`] stands for `google.protobuf.Empty` and [`Untyped`] accepts any type.
///
/// ```
/// use ccai_lro::Payload;
/// use ccai_lro::proto::google::cloud::contactcenterinsights::v1::IssueModel;
/// assert_eq!(
///     <IssueModel as Payload>::type_url().as_deref(),
///     Some("type.googleapis.com/google.cloud.contactcenterinsights.v1.IssueModel"),
/// );
/// assert_eq!(<ccai_lro::Untyped as Payload>::type_url(), None);
/// ```
pub trait Payload: Sized + Send + Sync + 'static {
    /// The type URL this payload is packed with; `None` accepts any. An `Any` matches when it
    /// names the same full type, whatever its domain (see [`crate::registry::same_type`]).
    fn type_url() -> Option<String>;
    /// Decodes the payload's bytes.
    fn decode(any: &Any) -> Result<Self, DecodeError>;
    /// Whether the type belongs to the Insights API, whose operation names have a stricter
    /// shape (see [`crate::name`]).
    fn is_insights() -> bool {
        false
    }
}

impl<T: Message + Name + Default + Send + Sync + 'static> Payload for T {
    fn type_url() -> Option<String> {
        Some(crate::registry::type_url_of::<T>())
    }
    fn decode(any: &Any) -> Result<T, DecodeError> {
        T::decode(any.value.as_slice())
    }
    fn is_insights() -> bool {
        T::PACKAGE == crate::name::INSIGHTS_PACKAGE
    }
}

/// `google.protobuf.Empty`: the response of operations that return nothing, such as
/// DeleteIssueModel. (prost maps `Empty` to `()`, which cannot carry a type URL.)
#[derive(Clone, Copy, PartialEq, Eq, Hash, prost::Message)]
pub struct Empty {}

impl Name for Empty {
    const NAME: &'static str = "Empty";
    const PACKAGE: &'static str = "google.protobuf";
    fn type_url() -> String {
        crate::registry::EMPTY_TYPE_URL.to_owned()
    }
}

/// A payload of any type, kept as the `Any` the server sent: the response and metadata of an
/// [`UntypedOperation`](crate::UntypedOperation).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Untyped(pub Any);

impl Untyped {
    /// The `Any` as sent.
    pub fn into_any(self) -> Any {
        self.0
    }
}

impl Deref for Untyped {
    type Target = Any;
    fn deref(&self) -> &Any {
        &self.0
    }
}

impl Payload for Untyped {
    fn type_url() -> Option<String> {
        None
    }
    fn decode(any: &Any) -> Result<Untyped, DecodeError> {
        Ok(Untyped(any.clone()))
    }
}
