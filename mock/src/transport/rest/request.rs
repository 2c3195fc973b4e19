//! An HTTP request as the RPC's request message: the body (the whole message or one field),
//! the path's bindings and the query parameters, set by the proto3 JSON mapping.

use prost::Message;
use prost_reflect::{
    DeserializeOptions, DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, ReflectMessage,
    Value,
};
use tonic::Status;

use crate::names::{quote, snake_case};

/// Query parameters that steer the response, not fields of the request.
const SYSTEM_PARAMETERS: &[&str] = &[
    "alt",
    "prettyPrint",
    "key",
    "access_token",
    "fields",
    "callback",
];

/// The request message of `input` from a JSON body (`body` rule: `"*"`, a field, or none),
/// path bindings and query parameters; encoded, ready to decode as the generated type.
pub(crate) fn build(
    input: &MessageDescriptor,
    body_rule: Option<&str>,
    body: &[u8],
    bindings: &[(String, String)],
    query: &[(String, String)],
) -> Result<Vec<u8>, Status> {
    let mut msg = DynamicMessage::new(input.clone());
    let has_body = body.iter().any(|b| !b.is_ascii_whitespace());
    match body_rule {
        Some("*") if has_body => msg = from_json(input, body)?,
        Some(field) if has_body => {
            let f = field_by_name(input, field)?;
            let Kind::Message(desc) = f.kind() else {
                return Err(Status::internal(format!(
                    "body field {field} is not a message"
                )));
            };
            msg.set_field(&f, Value::Message(from_json(&desc, body)?));
        }
        // No body in the binding: an empty `{}` (Node.js and Rust clients send one) or
        // nothing; anything else is ignored, as the real service does.
        _ => {}
    }
    for (path, value) in bindings {
        set_path(&mut msg, path, value)?;
    }
    for (key, value) in query {
        let key = key.strip_prefix('$').unwrap_or(key);
        if SYSTEM_PARAMETERS.contains(&key) {
            continue;
        }
        set_path(&mut msg, key, value)?;
    }
    Ok(msg.encode_to_vec())
}

fn from_json(desc: &MessageDescriptor, body: &[u8]) -> Result<DynamicMessage, Status> {
    // Google's Node.js client sends the JSON string `""` for an empty message.
    if body
        .iter()
        .filter(|b| !b.is_ascii_whitespace())
        .eq(b"\"\"".iter())
    {
        return Ok(DynamicMessage::new(desc.clone()));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let msg =
        DynamicMessage::deserialize_with_options(desc.clone(), &mut de, &DeserializeOptions::new())
            .and_then(|m| de.end().map(|()| m))
            .map_err(|e| Status::invalid_argument(format!("Invalid JSON payload received. {e}")))?;
    Ok(msg)
}

/// A field by its proto name or its JSON name.
fn field_by_name(desc: &MessageDescriptor, name: &str) -> Result<FieldDescriptor, Status> {
    desc.get_field_by_name(name)
        .or_else(|| desc.get_field_by_json_name(name))
        .ok_or_else(|| {
            Status::invalid_argument(format!(
                "Invalid parameter: {} has no field {}",
                desc.full_name(),
                quote(name)
            ))
        })
}

/// Sets the scalar at a dotted path (`encryption_spec.name`, `pageSize`) from its text.
fn set_path(msg: &mut DynamicMessage, path: &str, text: &str) -> Result<(), Status> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let field = field_by_name(&msg.descriptor(), head)?;
    if let Some(rest) = rest {
        let Value::Message(inner) = msg.get_field_mut(&field) else {
            return Err(Status::invalid_argument(format!(
                "{} is not a message field",
                quote(head)
            )));
        };
        return set_path(inner, rest, text);
    }
    let bad = || {
        Status::invalid_argument(format!(
            "Invalid value for {}: {}",
            quote(path),
            quote(text)
        ))
    };
    let value = match field.kind() {
        // Clients send mask paths as they were written, snake_case or lowerCamelCase.
        Kind::Message(m) if m.full_name() == "google.protobuf.FieldMask" && !field.is_list() => {
            let paths = text
                .split(',')
                .map(|p| Value::String(snake_case(p.trim())))
                .collect();
            let mut mask = DynamicMessage::new(m.clone());
            let paths_field = m.get_field_by_name("paths").ok_or_else(bad)?;
            mask.set_field(&paths_field, Value::List(paths));
            Value::Message(mask)
        }
        // Other well-known types take their JSON form in a query, as in a body.
        Kind::Message(m) if !field.is_list() => {
            let json = serde_json::from_str(text)
                .unwrap_or_else(|_| serde_json::Value::String(text.to_owned()));
            let message = DynamicMessage::deserialize(m, json).map_err(|_| bad())?;
            Value::Message(message)
        }
        Kind::String => Value::String(text.to_owned()),
        Kind::Bool => Value::Bool(text.parse().map_err(|_| bad())?),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(text.parse().map_err(|_| bad())?),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(text.parse().map_err(|_| bad())?),
        Kind::Uint32 | Kind::Fixed32 => Value::U32(text.parse().map_err(|_| bad())?),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(text.parse().map_err(|_| bad())?),
        Kind::Enum(e) => {
            let number = text
                .parse()
                .ok()
                .or_else(|| e.get_value_by_name(text).map(|v| v.number()))
                .ok_or_else(bad)?;
            Value::EnumNumber(number)
        }
        _ => return Err(bad()),
    };
    if field.is_list() {
        let Value::List(items) = msg.get_field_mut(&field) else {
            return Err(bad());
        };
        items.push(value);
    } else {
        msg.set_field(&field, value);
    }
    Ok(())
}
