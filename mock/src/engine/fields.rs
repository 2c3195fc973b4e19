//! What field behaviours ask of a message (AIP-203): REQUIRED fields present, OUTPUT_ONLY
//! fields the server's, INPUT_ONLY fields never stored; and the server's own timestamps.

use prost::Message;
use prost_reflect::{DynamicMessage, ReflectMessage, Value};
use prost_types::Timestamp;
use tonic::Status;

use super::errors::{bad_request, violation};
use super::schema::{behavior, Behavior};

/// How deep the checks follow nested messages: Insights' resources nest five levels at most;
/// past this the rest is taken as given (a decoder's own recursion limit bounds the input).
const MAX_DEPTH: usize = 12;

/// Every REQUIRED field missing in `message` and the messages it holds, by path under
/// `prefix`; INVALID_ARGUMENT with a `BadRequest` listing them all.
pub(crate) fn require(message: &DynamicMessage, prefix: &str) -> Result<(), Status> {
    let mut missing = Vec::new();
    walk_required(message, prefix, 0, &mut missing);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(bad_request(
            missing
                .into_iter()
                .map(|path| violation(path, "required field is missing"))
                .collect(),
        ))
    }
}

/// Only `message`'s own REQUIRED fields, not those of what it holds (an Update's request,
/// whose resource is checked once merged).
pub(crate) fn require_top(message: &DynamicMessage, skip: &str) -> Result<(), Status> {
    let missing: Vec<_> = message
        .descriptor()
        .fields()
        .filter(|f| {
            f.name() != skip && behavior(f).has(Behavior::REQUIRED) && !message.has_field(f)
        })
        .map(|f| violation(f.name(), "required field is missing"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(bad_request(missing))
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn walk_required(message: &DynamicMessage, prefix: &str, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    for field in message.descriptor().fields() {
        let set = message.has_field(&field);
        if !set {
            if behavior(&field).has(Behavior::REQUIRED) {
                out.push(join(prefix, field.name()));
            }
            continue;
        }
        match message.get_field(&field).as_ref() {
            Value::Message(inner) => {
                walk_required(inner, &join(prefix, field.name()), depth + 1, out);
            }
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Value::Message(inner) = item {
                        let path = format!("{}[{i}]", join(prefix, field.name()));
                        walk_required(inner, &path, depth + 1, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Clears the fields a client may not set or the server does not keep: OUTPUT_ONLY and
/// INPUT_ONLY ones, at the top level and in the messages held.
pub(crate) fn clear_server_fields(message: &mut DynamicMessage) {
    clear_at(message, 0);
}

fn clear_at(message: &mut DynamicMessage, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for field in message.descriptor().fields() {
        let b = behavior(&field);
        if b.has(Behavior::OUTPUT_ONLY) || b.has(Behavior::INPUT_ONLY) {
            message.clear_field(&field);
            continue;
        }
        if !message.has_field(&field) {
            continue;
        }
        match message.get_field_mut(&field) {
            Value::Message(inner) => clear_at(inner, depth + 1),
            Value::List(items) => {
                for item in items {
                    if let Value::Message(inner) = item {
                        clear_at(inner, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
}

/// After an update: the server's fields as they were (OUTPUT_ONLY ones copied back from
/// `before`, at every level), and nothing kept of INPUT_ONLY ones, whatever a mask copied.
pub(crate) fn keep_server_fields(message: &mut DynamicMessage, before: &DynamicMessage) {
    keep_at(message, Some(before), 0);
}

fn keep_at(message: &mut DynamicMessage, before: Option<&DynamicMessage>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for field in message.descriptor().fields() {
        let b = behavior(&field);
        if b.has(Behavior::INPUT_ONLY) {
            message.clear_field(&field);
            continue;
        }
        if b.has(Behavior::OUTPUT_ONLY) {
            match before.filter(|m| m.has_field(&field)) {
                Some(m) => message.set_field(&field, m.get_field(&field).into_owned()),
                None => message.clear_field(&field),
            }
            continue;
        }
        if field.is_list() || field.is_map() || !message.has_field(&field) {
            continue;
        }
        let inner_before = before
            .filter(|m| m.has_field(&field))
            .and_then(|m| m.get_field(&field).as_message().cloned());
        if let Value::Message(inner) = message.get_field_mut(&field) {
            keep_at(inner, inner_before.as_ref(), depth + 1);
        }
    }
}

/// Sets the Timestamp field `field` of `message` if it has one.
pub(crate) fn set_time(message: &mut DynamicMessage, field: &str, at: &Timestamp) {
    let Some(f) = message.descriptor().get_field_by_name(field) else {
        return;
    };
    let Some(desc) = f.kind().as_message().cloned() else {
        return;
    };
    if desc.full_name() != "google.protobuf.Timestamp" {
        return;
    }
    if let Ok(value) = DynamicMessage::decode(desc, at.encode_to_vec().as_slice()) {
        let _ = message.try_set_field(&f, Value::Message(value));
    }
}

/// Sets the string field `field` of `message` if it has one.
pub(crate) fn set_str(message: &mut DynamicMessage, field: &str, value: &str) {
    if let Some(f) = message.descriptor().get_field_by_name(field) {
        let _ = message.try_set_field(&f, Value::String(value.to_owned()));
    }
}

/// The string field `field` of `message`; empty if it has none.
pub(crate) fn get_str(message: &DynamicMessage, field: &str) -> String {
    message
        .get_field_by_name(field)
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The bool field `field` of `message`; false if it has none.
pub(crate) fn get_bool(message: &DynamicMessage, field: &str) -> bool {
    message
        .get_field_by_name(field)
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// The int32 field `field` of `message`; 0 if it has none.
pub(crate) fn get_i32(message: &DynamicMessage, field: &str) -> i32 {
    message
        .get_field_by_name(field)
        .and_then(|v| v.as_i32())
        .unwrap_or(0)
}

/// The message field `field` of `message`, if it has one and it is set.
pub(crate) fn get_message(message: &DynamicMessage, field: &str) -> Option<DynamicMessage> {
    let f = message.descriptor().get_field_by_name(field)?;
    if !message.has_field(&f) {
        return None;
    }
    message.get_field(&f).as_message().cloned()
}
