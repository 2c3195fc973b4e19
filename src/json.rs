//! Operations, statuses and `Any`s as the REST API's JSON (feature `json`).
//!
//! JSON follows the proto3 mapping as the REST API prints it: lowerCamelCase names, int64 as
//! strings, enum names, RFC 3339 timestamps, `Any` expanded with `"@type"` through the
//! [`registry`](crate::registry). An `Any` of a type we do not know prints as
//! `{"@type": …, "value": "<base64>"}` and is not an error. The feature is off by default: it
//! brings serde and serde_json, which a service that only drives operations does not need.
//!
//! ```
//! use ccai_lro::json::operation_to_json;
//! use ccai_lro::proto::google::longrunning::Operation;
//! let op = Operation { name: "projects/p/locations/l/operations/1".into(), done: true, ..Default::default() };
//! assert_eq!(
//!     operation_to_json(&op).to_string(),
//!     r#"{"name":"projects/p/locations/l/operations/1","done":true}"#
//! );
//! ```

use base64::Engine as _;
use prost_reflect::{DynamicMessage, ReflectMessage, SerializeOptions, Value as Field};
use prost_types::Any;
use serde_json::{json, Map, Value};

use crate::proto::google::{
    longrunning::operation::Result as OpResult, longrunning::Operation as RawOperation, rpc,
};
use crate::registry::{decode, EMPTY_TYPE_URL};

/// How deep `Any`s may nest inside one payload (an `Any` in a `Status` in an `Any`...) before
/// it is rendered opaque, `{"@type", "value": base64}`. Rendering expands each level, so a
/// server nesting thousands would otherwise exhaust the stack and, copying each level, memory.
pub const MAX_ANY_DEPTH: usize = 16;

/// Whether `Any`s nest deeper than `budget` levels in `any`. Bounded itself: it stops at the
/// budget, and nesting of other messages is bounded by the decoder's recursion limit.
fn any_too_deep(any: &Any, budget: usize) -> bool {
    let Some(budget) = budget.checked_sub(1) else {
        return true;
    };
    decode(any)
        .and_then(Result::ok)
        .is_some_and(|m| message_too_deep(&m, budget))
}

fn message_too_deep(msg: &DynamicMessage, budget: usize) -> bool {
    if msg.descriptor().full_name() == "google.protobuf.Any" {
        let inner = msg.transcode_to::<Any>().unwrap_or_default();
        return any_too_deep(&inner, budget);
    }
    msg.fields().any(|(_, value)| value_too_deep(value, budget))
}

fn value_too_deep(value: &Field, budget: usize) -> bool {
    match value {
        Field::Message(m) => message_too_deep(m, budget),
        Field::List(items) => items.iter().any(|v| value_too_deep(v, budget)),
        Field::Map(entries) => entries.values().any(|v| value_too_deep(v, budget)),
        _ => false,
    }
}

/// How JSON is written; the default is what the REST API prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct JsonOptions {
    /// Enum values as numbers instead of names (what `$alt=json;enum-encoding=int` asks for).
    pub enums_as_numbers: bool,
}

impl JsonOptions {
    /// Enum values as numbers.
    pub fn enums_as_numbers(mut self, yes: bool) -> Self {
        self.enums_as_numbers = yes;
        self
    }
}

fn message_json(msg: &DynamicMessage, options: JsonOptions) -> Result<Value, serde_json::Error> {
    let options = SerializeOptions::new().use_enum_numbers(options.enums_as_numbers);
    msg.serialize_with_options(serde_json::value::Serializer, &options)
}

/// An `Any` as REST JSON: the message's fields plus `"@type"`; an unknown or undecodable type
/// as `{"@type", "value": base64}`.
pub fn any_to_json(any: &Any) -> Value {
    any_to_json_with(any, JsonOptions::default())
}

/// [`any_to_json`] with options.
pub fn any_to_json_with(any: &Any, options: JsonOptions) -> Value {
    let mut out = Map::new();
    out.insert("@type".into(), Value::String(any.type_url.clone()));
    // `google.protobuf.Empty` has no fields and no JSON of its own: just its type. (A "value":
    // {} member is an unknown field to strict parsers such as Google's Python REST client.)
    if any.type_url == EMPTY_TYPE_URL && any.value.is_empty() {
        return Value::Object(out);
    }
    let known = decode(any)
        .and_then(Result::ok)
        .filter(|m| !message_too_deep(m, MAX_ANY_DEPTH))
        .and_then(|m| {
            // The proto3 JSON mapping puts a well-known type's own JSON (a Duration's "1.5s", an
            // Any's nested object with its own "@type") under "value"; other messages' fields sit
            // beside "@type".
            let wkt = m.descriptor().package_name() == "google.protobuf";
            message_json(&m, options).ok().map(|json| (wkt, json))
        });
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
    status_to_json_with(status, JsonOptions::default())
}

/// [`status_to_json`] with options.
pub fn status_to_json_with(status: &rpc::Status, options: JsonOptions) -> Value {
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
            Value::Array(
                status
                    .details
                    .iter()
                    .map(|d| any_to_json_with(d, options))
                    .collect(),
            ),
        );
    }
    Value::Object(out)
}

/// An operation as REST JSON, payloads decoded through the registry.
pub fn operation_to_json(op: &RawOperation) -> Value {
    operation_to_json_with(op, JsonOptions::default())
}

/// [`operation_to_json`] with options.
pub fn operation_to_json_with(op: &RawOperation, options: JsonOptions) -> Value {
    let mut out = Map::new();
    if !op.name.is_empty() {
        out.insert("name".into(), json!(op.name));
    }
    if let Some(meta) = &op.metadata {
        out.insert("metadata".into(), any_to_json_with(meta, options));
    }
    if op.done {
        out.insert("done".into(), json!(true));
    }
    match &op.result {
        Some(OpResult::Error(e)) => {
            out.insert("error".into(), status_to_json_with(e, options));
        }
        Some(OpResult::Response(r)) => {
            out.insert("response".into(), any_to_json_with(r, options));
        }
        None => {}
    }
    Value::Object(out)
}
