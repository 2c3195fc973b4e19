//! Update masks (AIP-134, AIP-161, AIP-203): which fields of the stored resource an Update
//! changes.
//!
//! - paths given: exactly those, each set from the request or cleared where the request leaves
//!   it unset; a path is a dotted chain of field names (proto or JSON spelling);
//! - no mask (or one without paths): the fields the request sets;
//! - `*`: every field a client may write, replaced; a top-level IMMUTABLE field the request
//!   leaves unset keeps its stored value (the emulator's rule: a full replacement that omits
//!   what may not change does not clear it).
//!
//! Whatever names them, OUTPUT_ONLY fields are ignored: a path through one is skipped and the
//! value sent is not applied (AIP-203). IMMUTABLE and IDENTIFIER fields (`name`) may be named
//! and sent, as client libraries' `field_mask(None, resource)` does: an update that leaves their
//! value as stored goes through, one that would change it is INVALID_ARGUMENT naming the field
//! (AIP-203), at any depth (`conversation.data_source.gcs_source.transcript_uri`). A path that
//! names no field, or walks into a scalar, a list or a map, is INVALID_ARGUMENT with a
//! `BadRequest` naming it. The resource's own `name` chose the record and is never copied.

use prost_reflect::{DynamicMessage, FieldDescriptor, MessageDescriptor, ReflectMessage, Value};
use tonic::Status;

use super::errors::{bad_field, bad_request, violation};
use super::schema::{behavior, Behavior};
use crate::names::quote;

/// The most paths one mask may hold.
pub const MAX_MASK_PATHS: usize = 256;
/// The longest path, in bytes.
const MAX_PATH_LEN: usize = 512;
/// The deepest nesting the immutability check walks (server data is bounded the same way).
const MAX_DEPTH: usize = 12;

/// A field whose value an update must leave as stored.
const FIXED: u16 = Behavior::IMMUTABLE | Behavior::IDENTIFIER;

fn output_only(field: &FieldDescriptor) -> bool {
    behavior(field).has(Behavior::OUTPUT_ONLY)
}

/// Whether an update copies this top-level field at all: not OUTPUT_ONLY, and not `name`,
/// which chose the stored resource (an authorized view's spelling of a conversation's name
/// reaches the same record, and must not rename it).
fn writable(field: &FieldDescriptor) -> bool {
    !output_only(field) && field.name() != "name"
}

fn field(desc: &MessageDescriptor, name: &str) -> Option<FieldDescriptor> {
    desc.get_field_by_name(name)
        .or_else(|| desc.get_field_by_json_name(name))
}

/// The fields a path walks through, checked: each exists and only the last may be a scalar,
/// a list or a map. `None`: the path goes through an OUTPUT_ONLY field and is ignored.
fn resolve(
    root: &MessageDescriptor,
    path: &str,
    mask_field: &str,
) -> Result<Option<Vec<FieldDescriptor>>, Status> {
    let bad = |why: String| bad_field(mask_field, format!("path {}: {why}", quote(path)));
    if path.len() > MAX_PATH_LEN {
        return Err(bad(format!("longer than {MAX_PATH_LEN} bytes")));
    }
    let mut desc = root.clone();
    let mut chain = Vec::new();
    let mut ignored = false;
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        let f = field(&desc, segment)
            .ok_or_else(|| bad(format!("{} has no field {}", desc.name(), quote(segment))))?;
        // The whole path is still checked: a typo after an output-only field is a typo.
        ignored |= output_only(&f);
        if segments.peek().is_some() {
            match f.kind().as_message() {
                Some(m) if !f.is_list() && !f.is_map() => desc = m.clone(),
                _ => return Err(bad(format!("{} has no subfields to update", f.name()))),
            }
        }
        chain.push(f);
    }
    Ok((!ignored).then_some(chain))
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
/// `resource_field` names the request's resource field (`conversation`) in errors.
pub(crate) fn apply(
    stored: &mut DynamicMessage,
    update: &DynamicMessage,
    paths: Option<&[String]>,
    mask_field: &str,
    resource_field: &str,
) -> Result<(), Status> {
    let before = stored.clone();
    let desc = stored.descriptor();
    match paths {
        Some(paths) if paths.len() > MAX_MASK_PATHS => {
            return Err(bad_field(
                mask_field,
                format!("{} paths, over the {MAX_MASK_PATHS} accepted", paths.len()),
            ))
        }
        Some(paths) if paths.iter().any(|p| p == "*") => {
            if paths.len() > 1 {
                return Err(bad_field(mask_field, "\"*\" must be the only path"));
            }
            for f in desc.fields().filter(writable) {
                if behavior(&f).has(FIXED) && !update.has_field(&f) {
                    continue;
                }
                copy(stored, Some(update), std::slice::from_ref(&f));
            }
        }
        Some(paths) if !paths.is_empty() => {
            let mut chains = Vec::with_capacity(paths.len());
            for path in paths {
                chains.extend(resolve(&desc, path, mask_field)?);
            }
            for chain in chains.iter().filter(|c| c.first().is_some_and(writable)) {
                copy(stored, Some(update), chain);
            }
        }
        _ => {
            for f in desc.fields().filter(|f| update.has_field(f) && writable(f)) {
                copy(stored, Some(update), std::slice::from_ref(&f));
            }
        }
    }
    let mut changed = Vec::new();
    unchanged_fixed(&before, stored, resource_field, 0, &mut changed);
    if changed.is_empty() {
        return Ok(());
    }
    *stored = before;
    Err(bad_request(
        changed
            .into_iter()
            .map(|path| {
                violation(
                    path,
                    "immutable: the update would change it; send the stored value or leave it \
                     out of the update_mask",
                )
            })
            .collect(),
    ))
}

/// Collects the paths of the IMMUTABLE and IDENTIFIER fields the update changed, anywhere in
/// the singular messages below `after`; OUTPUT_ONLY fields are put back later and are not
/// compared.
fn unchanged_fixed(
    before: &DynamicMessage,
    after: &DynamicMessage,
    path: &str,
    depth: usize,
    changed: &mut Vec<String>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for f in after.descriptor().fields() {
        let b = behavior(&f);
        if b.has(Behavior::OUTPUT_ONLY) || !(before.has_field(&f) || after.has_field(&f)) {
            continue;
        }
        let here = format!("{path}.{}", f.name());
        if b.has(FIXED) {
            if before.get_field(&f) != after.get_field(&f) {
                changed.push(here);
            }
            continue;
        }
        if f.is_list() || f.is_map() {
            continue;
        }
        if let (Some(b), Some(a)) = (
            before.get_field(&f).as_message(),
            after.get_field(&f).as_message(),
        ) {
            unchanged_fixed(b, a, &here, depth + 1, changed);
        }
    }
}

#[cfg(test)]
#[path = "mask_tests.rs"]
mod tests;
