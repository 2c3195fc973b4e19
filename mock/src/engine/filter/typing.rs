//! What a filter's paths and values mean for the message type: a path resolved to its field
//! (through repeated messages and maps), a value typed by that field.

use super::*;

const TIMESTAMP: &str = "google.protobuf.Timestamp";
const DURATION: &str = "google.protobuf.Duration";

/// What a path leads to.
pub(super) struct Target {
    pub(super) path: Vec<FieldDescriptor>,
    pub(super) key: Option<MapKey>,
    /// The kind of the values compared: a list's elements, a map's values.
    pub(super) kind: Kind,
    /// A map field named without a key: only `:*` and `:KEY` apply.
    pub(super) whole_map: bool,
}

/// Resolves a dotted path (proto or JSON names) against `root`; the error names the path up to
/// the segment at fault.
pub(super) fn resolve(root: &MessageDescriptor, path: &str) -> Result<Target, String> {
    if path.split('.').any(str::is_empty) {
        return Err(format!("empty segment in field path {}", quote(path)));
    }
    let mut desc = root.clone();
    let mut fields = Vec::new();
    let mut rest = path;
    let mut walked = String::new();
    loop {
        let (segment, tail) = match rest.split_once('.') {
            Some((segment, tail)) => (segment, Some(tail)),
            None => (rest, None),
        };
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(segment);
        let field = desc
            .get_field_by_name(segment)
            .or_else(|| desc.get_field_by_json_name(segment))
            .ok_or_else(|| format!("unknown field {}", quote(&walked)))?;
        fields.push(field.clone());
        if fields.len() > MAX_DEPTH {
            return Err(format!(
                "field path {} is deeper than {MAX_DEPTH} fields",
                quote(path)
            ));
        }
        if field.is_map() {
            let Kind::Message(entry) = field.kind() else {
                return Err(format!("map field {} has no entry type", quote(&walked)));
            };
            let value_kind = entry.map_entry_value_field().kind();
            let Some(key) = tail else {
                return Ok(Target {
                    path: fields,
                    key: None,
                    kind: value_kind,
                    whole_map: true,
                });
            };
            if !matches!(entry.map_entry_key_field().kind(), Kind::String) {
                return Err(format!(
                    "map field {} has non-string keys, which filters do not support",
                    quote(&walked)
                ));
            }
            return Ok(Target {
                path: fields,
                key: Some(MapKey::String(key.to_owned())),
                kind: value_kind,
                whole_map: false,
            });
        }
        match (tail, field.kind()) {
            (None, kind) => {
                return Ok(Target {
                    path: fields,
                    key: None,
                    kind,
                    whole_map: false,
                })
            }
            (Some(tail), Kind::Message(inner)) => {
                desc = inner;
                rest = tail;
            }
            (Some(_), _) => {
                return Err(format!(
                    "field {} has no subfields (in {})",
                    quote(&walked),
                    quote(path)
                ))
            }
        }
    }
}

/// Types `text` by `kind`; the error says why it does not fit, the caller adds where.
pub(super) fn literal(kind: &Kind, text: String, path: &str) -> Result<Literal, String> {
    let field = quote(path);
    match kind {
        Kind::String | Kind::Bytes => Ok(Literal::Text(text)),
        Kind::Int32
        | Kind::Sint32
        | Kind::Sfixed32
        | Kind::Int64
        | Kind::Sint64
        | Kind::Sfixed64
        | Kind::Uint32
        | Kind::Fixed32
        | Kind::Uint64
        | Kind::Fixed64 => text
            .parse::<i128>()
            .map(Literal::Int)
            .map_err(|_| format!("{} is not an integer (field {field})", quote(&text))),
        // Parsed as f32 so that `confidence = 0.1` equals the float field holding 0.1.
        Kind::Float => text
            .parse::<f32>()
            .map(|f| Literal::Float(f64::from(f)))
            .map_err(|_| format!("{} is not a number (field {field})", quote(&text))),
        Kind::Double => text
            .parse::<f64>()
            .map(Literal::Float)
            .map_err(|_| format!("{} is not a number (field {field})", quote(&text))),
        Kind::Bool => match text.as_str() {
            "true" => Ok(Literal::Bool(true)),
            "false" => Ok(Literal::Bool(false)),
            _ => Err(format!(
                "{} is not true or false (field {field})",
                quote(&text)
            )),
        },
        Kind::Enum(e) => e
            .get_value_by_name(&text)
            .map(|v| v.number())
            .or_else(|| text.parse::<i32>().ok())
            .map(Literal::Enum)
            .ok_or_else(|| {
                format!(
                    "{} is not a value of enum {} (field {field})",
                    quote(&text),
                    e.name()
                )
            }),
        Kind::Message(m) if m.full_name() == TIMESTAMP => prost_types::Timestamp::from_str(&text)
            .map(|t| Literal::Nanos(i128::from(t.seconds) * 1_000_000_000 + i128::from(t.nanos)))
            .map_err(|_| {
                format!(
                    "{} is not an RFC 3339 timestamp (field {field})",
                    quote(&text)
                )
            }),
        Kind::Message(m) if m.full_name() == DURATION => prost_types::Duration::from_str(&text)
            .map(|d| Literal::Nanos(i128::from(d.seconds) * 1_000_000_000 + i128::from(d.nanos)))
            .map_err(|_| {
                format!(
                    "{} is not a duration like \"20s\" or \"1.5s\" (field {field})",
                    quote(&text)
                )
            }),
        Kind::Message(m) => Err(format!(
            "field {field} is a message ({}): only \":*\" (presence) applies to it",
            m.name()
        )),
    }
}
