//! Type URL → message: decode any `Any` this crate knows, and render operations as the REST
//! API's JSON.
//!
//! The registry is the descriptor set compiled from `proto/` (embedded in the library), read with
//! prost-reflect. It knows every Insights response and metadata type, `google.rpc` details and
//! the well-known types. JSON follows the proto3 mapping as the REST API prints it: lowerCamelCase
//! names, int64 as strings, enum names, RFC 3339 timestamps, `Any` expanded with `"@type"`. An
//! `Any` of a type we do not know prints as `{"@type": …, "value": "<base64>"}` and is not an
//! error.
//!
//! ```
//! use ccai_lro::registry;
//! let (response, metadata) = registry::operation_types("CreateIssueModel").unwrap();
//! assert_eq!(response, "type.googleapis.com/google.cloud.contactcenterinsights.v1.IssueModel");
//! assert!(registry::lookup(&metadata).is_some());
//! ```

use std::sync::OnceLock;

use base64::Engine as _;
use prost_reflect::{
    DescriptorPool, DynamicMessage, MessageDescriptor, ReflectMessage, SerializeOptions,
    Value as Reflected,
};
use prost_types::Any;
use serde_json::{json, Map, Value};

use crate::proto::google::{
    longrunning::operation::Result as OpResult, longrunning::Operation as RawOperation, rpc,
};

const INSIGHTS_SERVICE: &str = "google.cloud.contactcenterinsights.v1.ContactCenterInsights";
/// The domain part of every type URL this crate writes.
pub(crate) const TYPE_URL_PREFIX: &str = "type.googleapis.com/";

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

/// The message a type URL names, if the registry knows it.
pub fn lookup(type_url: &str) -> Option<MessageDescriptor> {
    let name = type_url.rsplit_once('/').map_or(type_url, |(_, n)| n);
    pool().get_message_by_name(name)
}

/// The (response, metadata) full type names an Insights RPC, e.g. `"DeployIssueModel"`, declares
/// in its `google.longrunning.operation_info` option.
pub fn operation_info(rpc: &str) -> Option<(String, String)> {
    let service = pool().get_service_by_name(INSIGHTS_SERVICE)?;
    let method = service.methods().find(|m| m.name() == rpc)?;
    let ext = pool().get_extension_by_name("google.longrunning.operation_info")?;
    let options = method.options();
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

/// The names of the Insights RPCs that start long-running operations.
pub fn insights_lro_methods() -> Vec<String> {
    pool()
        .get_service_by_name(INSIGHTS_SERVICE)
        .map(|s| s.methods().map(|m| m.name().to_owned()).collect())
        .unwrap_or_default()
}

/// Decodes an `Any` into a dynamic message, if its type is known and its bytes are valid.
pub fn decode(any: &Any) -> Option<Result<DynamicMessage, prost::DecodeError>> {
    lookup(&any.type_url).map(|desc| DynamicMessage::decode(desc, any.value.as_slice()))
}

fn message_json(msg: &DynamicMessage) -> Result<Value, serde_json::Error> {
    msg.serialize_with_options(serde_json::value::Serializer, &SerializeOptions::new())
}

/// An `Any` as REST JSON: the message's fields plus `"@type"`; an unknown or undecodable type
/// as `{"@type", "value": base64}`.
pub fn any_to_json(any: &Any) -> Value {
    let known = decode(any).and_then(Result::ok).and_then(|m| {
        // The proto3 JSON mapping puts a well-known type's own JSON (a Duration's "1.5s", an
        // Any's nested object with its own "@type") under "value"; other messages' fields sit
        // beside "@type".
        let wkt = m.descriptor().package_name() == "google.protobuf";
        message_json(&m).ok().map(|json| (wkt, json))
    });
    let mut out = Map::new();
    out.insert("@type".into(), Value::String(any.type_url.clone()));
    match known {
        Some((false, Value::Object(fields))) => out.extend(fields),
        Some((_, json)) => {
            out.insert("value".into(), json);
        }
        None => {
            let b64 = base64::engine::general_purpose::STANDARD.encode(&any.value);
            out.insert("value".into(), Value::String(b64));
        }
    }
    Value::Object(out)
}

/// A `google.rpc.Status` as REST JSON.
pub fn status_to_json(status: &rpc::Status) -> Value {
    let mut out = Map::new();
    if status.code != 0 {
        out.insert("code".into(), json!(status.code));
    }
    if !status.message.is_empty() {
        out.insert("message".into(), json!(status.message));
    }
    if !status.details.is_empty() {
        out.insert(
            "details".into(),
            Value::Array(status.details.iter().map(any_to_json).collect()),
        );
    }
    Value::Object(out)
}

/// An operation as REST JSON, payloads decoded through the registry.
pub fn operation_to_json(op: &RawOperation) -> Value {
    let mut out = Map::new();
    if !op.name.is_empty() {
        out.insert("name".into(), json!(op.name));
    }
    if let Some(meta) = &op.metadata {
        out.insert("metadata".into(), any_to_json(meta));
    }
    if op.done {
        out.insert("done".into(), json!(true));
    }
    match &op.result {
        Some(OpResult::Error(e)) => {
            out.insert("error".into(), status_to_json(e));
        }
        Some(OpResult::Response(r)) => {
            out.insert("response".into(), any_to_json(r));
        }
        None => {}
    }
    Value::Object(out)
}
