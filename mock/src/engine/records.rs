//! Reading the store: a record decoded, a resource loaded (a singleton that was never written
//! is its default), a parent checked, the kinds by name, a location's conversations under a
//! filter. Every method reads through here; it calls none of them.

use prost::Message;
use prost_reflect::DynamicMessage;
use tonic::Status;

use super::fields::{get_str, set_str};
use super::filter::Filter;
use super::names;
use super::schema::{kinds, Kind};
use super::store::{Record, Store};

const TYPE_PREFIX: &str = "contactcenterinsights.googleapis.com/";

/// The kind named `label` ("Conversation").
pub(crate) fn kind(label: &str) -> Option<&'static Kind> {
    kinds().get(&format!("{TYPE_PREFIX}{label}"))
}

pub(crate) fn missing_kind(label: &str) -> Status {
    Status::internal(format!("the schema has no {label} resource"))
}

/// Decodes a stored record as its kind's message.
pub(crate) fn decode(record: &Record) -> Option<DynamicMessage> {
    DynamicMessage::decode(record.kind.message.clone(), record.bytes.as_slice()).ok()
}

/// NOT_FOUND for `name` of `kind`, with its `ResourceInfo`.
pub(crate) fn not_found(kind: &Kind, name: &str) -> Status {
    crate::names::not_found(&kind.label, &kind.type_name, name)
}

/// The stored resource `name` of `kind`, decoded; a singleton that was never written is its
/// default, named.
pub(crate) fn load(store: &Store, kind: &Kind, name: &str) -> Result<DynamicMessage, Status> {
    match store.get(name) {
        Some(record) => DynamicMessage::decode(kind.message.clone(), record.bytes.as_slice())
            .map_err(|e| {
                Status::internal(format!("stored {} {name} does not decode: {e}", kind.label))
            }),
        None if kind.singleton.is_some() => {
            let mut message = DynamicMessage::new(kind.message.clone());
            set_str(&mut message, "name", name);
            Ok(message)
        }
        None => Err(not_found(kind, name)),
    }
}

/// The kind whose canonical pattern is `pattern`, if any (the parent of a nested resource).
fn kind_with_pattern(pattern: &str) -> Option<&'static Kind> {
    kinds()
        .values()
        .find(|k| k.patterns.first() == Some(&pattern))
}

/// Checks a parent name for `kind` and that it exists (a location always does).
pub(crate) fn parent<'a>(
    store: &Store,
    kind: &Kind,
    field: &str,
    parent: &'a str,
) -> Result<std::borrow::Cow<'a, str>, Status> {
    let parent = names::checked(field, parent, &names::parent_patterns(kind))?;
    if let Some(parent_kind) = kind_with_pattern(kind.parent_pattern()) {
        if store.get(&parent).is_none() && parent_kind.singleton.is_none() {
            return Err(not_found(parent_kind, &parent));
        }
    }
    Ok(parent)
}

pub(crate) fn typed<T: Message + Default>(message: &DynamicMessage) -> Result<T, Status> {
    T::decode(message.encode_to_vec().as_slice())
        .map_err(|e| Status::internal(format!("stored resource does not decode: {e}")))
}

/// Hands each conversation of `location` that passes `filter` to `each`, decoded.
///
/// One at a time: what the caller keeps of each is its own choice (a name, a running total),
/// so a location of 200,000 conversations never sits decoded in memory at once.
pub(crate) fn for_each_conversation(
    store: &Store,
    location: &str,
    filter: &Filter,
    mut each: impl FnMut(&str, &DynamicMessage),
) -> Result<(), Status> {
    let kind = kind("Conversation").ok_or_else(|| missing_kind("Conversation"))?;
    let prefix = format!("{location}/conversations/");
    for (name, record) in store.under(&prefix) {
        if !std::ptr::eq(record.kind, kind) {
            continue;
        }
        if let Some(message) = decode(record) {
            if filter.is_empty() || filter.matches(&message) {
                each(name, &message);
            }
        }
    }
    Ok(())
}

/// The names of the conversations of `location` that pass `filter`.
pub(crate) fn conversation_names(
    store: &Store,
    location: &str,
    filter: &Filter,
) -> Result<Vec<String>, Status> {
    let mut names = Vec::new();
    for_each_conversation(store, location, filter, |name, _| {
        names.push(name.to_owned())
    })?;
    Ok(names)
}

pub(crate) fn location(request: &DynamicMessage, field: &str) -> Result<String, Status> {
    Ok(names::checked(
        field,
        &get_str(request, field),
        &[ccai_lro::name::LOCATION_PATTERN],
    )?
    .into_owned())
}

/// The stored settings of the location `location` (`projects/{p}/locations/{l}`), if written.
pub(crate) fn settings(
    store: &Store,
    location: &str,
) -> Option<ccai_lro::proto::google::cloud::contactcenterinsights::v1::Settings> {
    let record = store.get(&format!("{location}/settings"))?;
    prost::Message::decode(record.bytes.as_slice()).ok()
}

/// The location (`projects/{p}/locations/{l}`) a stored resource's name is under (the name
/// itself when it is not under one, which a stored name always is).
pub(crate) fn location_of_name(name: &str) -> &str {
    crate::names::location_of("name", name).unwrap_or(name)
}
