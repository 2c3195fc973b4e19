//! Update masks (AIP-134, AIP-161): which fields of the stored resource an Update changes.
//!
//! - paths given: exactly those, each set from the request or cleared where the request leaves
//!   it unset; a path is a dotted chain of field names (proto or JSON spelling);
//! - no mask (or one without paths): the fields the request sets;
//! - `*`: every field a client may write, replaced.
//!
//! A path that names no field, or names one the client may not change (OUTPUT_ONLY, IMMUTABLE,
//! IDENTIFIER), is INVALID_ARGUMENT with a `BadRequest` naming it. Without a mask, OUTPUT_ONLY
//! fields the request carries are ignored (AIP-203), and an IMMUTABLE one is refused only if it
//! would change the stored value.

use prost_reflect::{DynamicMessage, FieldDescriptor, MessageDescriptor, ReflectMessage, Value};
use tonic::Status;

use super::errors::bad_field;
use super::schema::{behavior, Behavior};
use crate::names::quote;

/// The most paths one mask may hold.
pub const MAX_MASK_PATHS: usize = 256;
/// The longest path, in bytes.
const MAX_PATH_LEN: usize = 512;

const FROZEN: u16 = Behavior::OUTPUT_ONLY | Behavior::IMMUTABLE | Behavior::IDENTIFIER;

fn frozen(field: &FieldDescriptor) -> bool {
    behavior(field).has(FROZEN)
}

fn field(desc: &MessageDescriptor, name: &str) -> Option<FieldDescriptor> {
    desc.get_field_by_name(name)
        .or_else(|| desc.get_field_by_json_name(name))
}

/// The fields a path walks through, checked: each exists, only the last may be a scalar, and
/// none is frozen.
fn resolve(
    root: &MessageDescriptor,
    path: &str,
    mask_field: &str,
) -> Result<Vec<FieldDescriptor>, Status> {
    let bad = |why: String| bad_field(mask_field, format!("path {}: {why}", quote(path)));
    if path.len() > MAX_PATH_LEN {
        return Err(bad(format!("longer than {MAX_PATH_LEN} bytes")));
    }
    let mut desc = root.clone();
    let mut chain = Vec::new();
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        let f = field(&desc, segment)
            .ok_or_else(|| bad(format!("{} has no field {}", desc.name(), quote(segment))))?;
        if frozen(&f) {
            return Err(bad(format!("{} cannot be changed by an update", f.name())));
        }
        if segments.peek().is_some() {
            match f.kind().as_message() {
                Some(m) if !f.is_list() && !f.is_map() => desc = m.clone(),
                _ => return Err(bad(format!("{} has no subfields to update", f.name()))),
            }
        }
        chain.push(f);
    }
    Ok(chain)
}

/// Copies the field at the end of `chain` from `from` into `to` (clearing it where `from`
/// leaves it unset), creating the messages on the way.
fn copy(to: &mut DynamicMessage, from: Option<&DynamicMessage>, chain: &[FieldDescriptor]) {
    let Some((head, rest)) = chain.split_first() else {
        return;
    };
    let inner_from = from.and_then(|m| {
        if m.has_field(head) {
            m.get_field(head).as_message().cloned()
        } else {
            None
        }
    });
    if rest.is_empty() {
        match from.filter(|m| m.has_field(head)) {
            Some(m) => to.set_field(head, m.get_field(head).into_owned()),
            None => to.clear_field(head),
        }
        return;
    }
    if let Value::Message(inner) = to.get_field_mut(head) {
        copy(inner, inner_from.as_ref(), rest);
    }
}

/// Applies `update` to `stored` under the mask's `paths` (`None`: the mask was omitted).
pub(crate) fn apply(
    stored: &mut DynamicMessage,
    update: &DynamicMessage,
    paths: Option<&[String]>,
    mask_field: &str,
) -> Result<(), Status> {
    let desc = stored.descriptor();
    match paths {
        Some(paths) if paths.len() > MAX_MASK_PATHS => Err(bad_field(
            mask_field,
            format!("{} paths, over the {MAX_MASK_PATHS} accepted", paths.len()),
        )),
        Some(paths) if paths.iter().any(|p| p == "*") => {
            if paths.len() > 1 {
                return Err(bad_field(mask_field, "\"*\" must be the only path"));
            }
            for f in desc.fields().filter(|f| !frozen(f)) {
                copy(stored, Some(update), std::slice::from_ref(&f));
            }
            Ok(())
        }
        Some(paths) if !paths.is_empty() => {
            let chains = paths
                .iter()
                .map(|p| resolve(&desc, p, mask_field))
                .collect::<Result<Vec<_>, _>>()?;
            for chain in &chains {
                copy(stored, Some(update), chain);
            }
            Ok(())
        }
        _ => {
            for f in desc.fields().filter(|f| update.has_field(f)) {
                let b = behavior(&f);
                if b.has(Behavior::OUTPUT_ONLY) || b.has(Behavior::IDENTIFIER) || f.name() == "name"
                {
                    continue;
                }
                if b.has(Behavior::IMMUTABLE) {
                    if update.get_field(&f) != stored.get_field(&f) {
                        return Err(bad_field(
                            f.name(),
                            "immutable: it cannot be changed once the resource exists",
                        ));
                    }
                    continue;
                }
                copy(stored, Some(update), std::slice::from_ref(&f));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccai_lro::registry::pool;

    fn view(json: &str) -> DynamicMessage {
        let desc = pool()
            .get_message_by_name("google.cloud.contactcenterinsights.v1.PhraseMatcher")
            .expect("PhraseMatcher");
        let mut de = serde_json::Deserializer::from_str(json);
        DynamicMessage::deserialize(desc, &mut de).expect("json")
    }

    fn paths(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn changes_only_the_masked_fields() {
        let mut stored = view(r#"{"displayName":"a","active":true,"roleMatch":"HUMAN_AGENT"}"#);
        let update = view(r#"{"displayName":"b","roleMatch":"END_USER"}"#);
        apply(
            &mut stored,
            &update,
            Some(&paths(&["display_name", "active"])),
            "update_mask",
        )
        .expect("applies");
        assert_eq!(
            stored,
            view(r#"{"displayName":"b","roleMatch":"HUMAN_AGENT"}"#)
        );
    }

    #[test]
    fn without_a_mask_sets_what_is_set_and_ignores_output_only() {
        let mut stored = view(r#"{"displayName":"a","active":true}"#);
        let update = view(r#"{"displayName":"b","updateTime":"2020-01-01T00:00:00Z"}"#);
        apply(&mut stored, &update, None, "update_mask").expect("applies");
        assert_eq!(stored, view(r#"{"displayName":"b","active":true}"#));
    }

    #[test]
    fn star_replaces_what_a_client_may_write() {
        let mut stored = view(r#"{"displayName":"a","active":true,"revisionId":"r1"}"#);
        let update = view(r#"{"displayName":"b"}"#);
        apply(&mut stored, &update, Some(&paths(&["*"])), "update_mask").expect("applies");
        assert_eq!(stored, view(r#"{"displayName":"b","revisionId":"r1"}"#));
    }

    #[test]
    fn refuses_unknown_frozen_and_too_many_paths() {
        let update = view("{}");
        for bad in [
            &["nope"][..],
            &["update_time"],
            &["revision_id"],
            &["display_name.x"],
            &["*", "active"],
        ] {
            let mut stored = view("{}");
            let err =
                apply(&mut stored, &update, Some(&paths(bad)), "update_mask").expect_err("refused");
            assert_eq!(err.code(), tonic::Code::InvalidArgument, "{bad:?}");
        }
        let many: Vec<String> = (0..=MAX_MASK_PATHS).map(|_| "active".to_owned()).collect();
        let mut stored = view("{}");
        assert!(apply(&mut stored, &update, Some(&many), "update_mask").is_err());
    }
}
