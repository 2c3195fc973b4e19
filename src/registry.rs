//! Type URL → message: look up and decode any `Any` this crate knows.
//!
//! The registry is the descriptor set compiled from `proto/` (embedded in the library), read with
//! prost-reflect. It knows every Insights response and metadata type, `google.rpc` details and
//! the well-known types, and which types each Insights RPC's operation carries. The REST JSON of
//! what it decodes is in `json` (feature `json`).
//!
//! ```
//! use ccai_lro::registry;
//! let (response, metadata) = registry::operation_types("CreateIssueModel").unwrap();
//! assert_eq!(response, "type.googleapis.com/google.cloud.contactcenterinsights.v1.IssueModel");
//! assert!(registry::lookup(&metadata).is_some());
//! ```

use std::sync::OnceLock;

use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor, Value as Reflected};
use prost_types::Any;

pub(crate) const INSIGHTS_SERVICE: &str =
    "google.cloud.contactcenterinsights.v1.ContactCenterInsights";
/// The domain part of every type URL this crate writes.
pub const TYPE_URL_PREFIX: &str = "type.googleapis.com/";
/// The type URL of `google.protobuf.Empty`, the response of operations that return nothing
/// (DeleteIssueModel) and of a mock `Script` given no outcome.
pub const EMPTY_TYPE_URL: &str = "type.googleapis.com/google.protobuf.Empty";

/// The descriptor pool of every message this crate compiles.
pub fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(
        || match DescriptorPool::decode(crate::proto::FILE_DESCRIPTOR_SET) {
            Ok(pool) => pool,
            // The set is produced by our own build script from our own files.
            Err(e) => unreachable!("embedded descriptor set is invalid: {e}"),
        },
    )
}

/// The full message name a type URL names: what follows its last `/`.
///
/// Protobuf's rule for `Any`: the domain before that `/` says where the type might be described,
/// not which type it is. So `/pkg.Msg` (prost's default `Name::type_url`), `type.googleapis.com/pkg.Msg`
/// and `example.com/types/pkg.Msg` all name `pkg.Msg`.
///
/// ```
/// use ccai_lro::registry::type_name;
/// assert_eq!(type_name("type.googleapis.com/google.rpc.Status"), "google.rpc.Status");
/// assert_eq!(type_name("/google.rpc.Status"), "google.rpc.Status");
/// ```
pub fn type_name(type_url: &str) -> &str {
    type_url.rsplit_once('/').map_or(type_url, |(_, n)| n)
}

/// Whether two type URLs name the same message, by [`type_name`]: domains are not compared.
///
/// ```
/// use ccai_lro::registry::same_type;
/// assert!(same_type("/a.v1.Msg", "type.googleapis.com/a.v1.Msg"));
/// assert!(!same_type("type.googleapis.com/a.v1.Msg", "type.googleapis.com/a.v2.Msg"));
/// ```
pub fn same_type(a: &str, b: &str) -> bool {
    type_name(a) == type_name(b)
}

/// The type URL this crate expects and packs `T` with: `T::type_url()`, with
/// [`TYPE_URL_PREFIX`] in front when that has no domain (prost's default `/pkg.Msg`). A domain
/// of the type's own is kept.
///
/// ```
/// #[derive(Clone, PartialEq, prost::Message)]
/// struct Job {}
/// impl prost::Name for Job {
///     const NAME: &'static str = "Job";
///     const PACKAGE: &'static str = "example.v1";
/// }
/// assert_eq!(<Job as prost::Name>::type_url(), "/example.v1.Job");
/// assert_eq!(ccai_lro::registry::type_url_of::<Job>(), "type.googleapis.com/example.v1.Job");
/// ```
pub fn type_url_of<T: prost::Name>() -> String {
    let url = T::type_url();
    match url.strip_prefix('/') {
        Some(name) => format!("{TYPE_URL_PREFIX}{name}"),
        None => url,
    }
}

/// The message a type URL names, if the registry knows it.
pub fn lookup(type_url: &str) -> Option<MessageDescriptor> {
    pool().get_message_by_name(type_name(type_url))
}

/// The (response, metadata) full type names an Insights RPC, e.g. `"DeployIssueModel"`, declares
/// in its `google.longrunning.operation_info` option.
pub fn operation_info(rpc: &str) -> Option<(String, String)> {
    let service = pool().get_service_by_name(INSIGHTS_SERVICE)?;
    let method = service.methods().find(|m| m.name() == rpc)?;
    let ext = pool().get_extension_by_name("google.longrunning.operation_info")?;
    let options = method.options();
    if !options.has_extension(&ext) {
        return None;
    }
    let info = options.get_extension(&ext);
    let Reflected::Message(info) = info.as_ref() else {
        return None;
    };
    let field = |f: &str| {
        let name = info.get_field_by_name(f)?.as_str()?.to_owned();
        // AIP-151 allows names relative to the service's package.
        Some(if name.contains('.') {
            name
        } else {
            format!("{}.{name}", service.package_name())
        })
    };
    Some((field("response_type")?, field("metadata_type")?))
}

/// The (response, metadata) type URLs of an Insights RPC, from [`operation_info`].
pub fn operation_types(rpc: &str) -> Option<(String, String)> {
    let (response, metadata) = operation_info(rpc)?;
    Some((
        format!("{TYPE_URL_PREFIX}{response}"),
        format!("{TYPE_URL_PREFIX}{metadata}"),
    ))
}

/// The names of the Insights RPCs that start long-running operations (those declaring
/// `google.longrunning.operation_info`), in declaration order.
pub fn insights_lro_methods() -> Vec<String> {
    pool()
        .get_service_by_name(INSIGHTS_SERVICE)
        .map(|s| {
            s.methods()
                .map(|m| m.name().to_owned())
                .filter(|m| operation_info(m).is_some())
                .collect()
        })
        .unwrap_or_default()
}

/// Decodes an `Any` into a dynamic message, if its type is known and its bytes are valid.
pub fn decode(any: &Any) -> Option<Result<DynamicMessage, prost::DecodeError>> {
    lookup(&any.type_url).map(|desc| DynamicMessage::decode(desc, any.value.as_slice()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_type_url_names_the_well_known_type() {
        let desc = lookup(EMPTY_TYPE_URL).expect("Empty is in the descriptor pool");
        assert_eq!(desc.full_name(), "google.protobuf.Empty");
        assert_eq!(
            EMPTY_TYPE_URL.strip_prefix(TYPE_URL_PREFIX),
            Some(desc.full_name())
        );
    }
}
