//! `order_by` (AIP-132): the keys ListConversations documents (`create_time`, `update_time`,
//! `start_time`, `duration`, `turn_count`, `latest_analysis`, `customer_satisfaction_rating`),
//! ascending unless followed by `desc`. An order other than a kind's default sorts the
//! filtered collection by (key, creation sequence) and pages by keyset: a token holds the last
//! item's key and sequence, so items created between pages never make an item appear twice
//! (an item whose key changes between pages, say its `update_time`, moves in the order, as in
//! any keyset listing). Any other key is INVALID_ARGUMENT naming the ones served.

use std::cmp::Ordering;

use prost_reflect::{DynamicMessage, FieldDescriptor, MessageDescriptor, Value};
use tonic::Status;

use super::errors::bad_field;
use super::schema::Kind;
use crate::names::{quote, snake_case};

/// The documented keys, and the field each sorts by.
const KEYS: &[(&str, &str)] = &[
    ("create_time", "create_time"),
    ("update_time", "update_time"),
    ("start_time", "start_time"),
    ("duration", "duration"),
    ("turn_count", "turn_count"),
    ("latest_analysis", "latest_analysis.create_time"),
    (
        "customer_satisfaction_rating",
        "quality_metadata.customer_satisfaction_rating",
    ),
];

/// A sort other than the kind's default.
pub(crate) struct Order {
    path: Vec<FieldDescriptor>,
    descending: bool,
}

fn resolve(message: &MessageDescriptor, path: &str) -> Option<Vec<FieldDescriptor>> {
    let mut desc = message.clone();
    let mut chain = Vec::new();
    for segment in path.split('.') {
        let field = desc.get_field_by_name(segment)?;
        if let Some(inner) = field.kind().as_message() {
            desc = inner.clone();
        }
        chain.push(field);
    }
    Some(chain)
}

impl Order {
    /// The order `order_by` asks of `kind`: `None` for its default (creation order, newest
    /// first for conversations, in any spelling).
    pub(crate) fn parse(kind: &Kind, order_by: &str) -> Result<Option<Order>, Status> {
        // Three words at most make an order; the fourth is enough to refuse it.
        let words: Vec<&str> = order_by.split_whitespace().take(3).collect();
        let (key, descending) = match words.as_slice() {
            [] => return Ok(None),
            [key] | [key, "asc"] => (snake_case(key), false),
            [key, "desc"] => (snake_case(key), true),
            _ => return Err(refused(kind, order_by)),
        };
        if key == "create_time" && descending == kind.newest_first() {
            return Ok(None);
        }
        let path = KEYS
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, path)| resolve(&kind.message, path))
            .ok_or_else(|| refused(kind, order_by))?;
        Ok(Some(Order { path, descending }))
    }

    /// The sort key of `message`: times and durations in nanoseconds, numbers as they are; an
    /// unset field sorts as its default.
    pub(crate) fn key(&self, message: &DynamicMessage) -> i64 {
        let Some((last, via)) = self.path.split_last() else {
            return 0;
        };
        // Borrowed all the way down: an unset message field sorts as its default.
        let mut current = message;
        for field in via {
            // A set field is borrowed; an unset one is its default, which sorts as 0.
            match current.get_field(field) {
                std::borrow::Cow::Borrowed(Value::Message(inner)) => current = inner,
                _ => return 0,
            }
        }
        match current.get_field(last).as_ref() {
            Value::Message(m) => nanos(m),
            Value::I32(n) | Value::EnumNumber(n) => i64::from(*n),
            Value::I64(n) => *n,
            Value::U32(n) => i64::from(*n),
            Value::U64(n) => i64::try_from(*n).unwrap_or(i64::MAX),
            Value::F32(f) => *f as i64,
            Value::F64(f) => *f as i64,
            _ => 0,
        }
    }

    /// How two (key, sequence) pairs compare in this order.
    pub(crate) fn compare(&self, a: (i64, u64), b: (i64, u64)) -> Ordering {
        let ascending = a.cmp(&b);
        if self.descending {
            ascending.reverse()
        } else {
            ascending
        }
    }
}

/// A Timestamp's or Duration's nanoseconds (both are seconds and nanos), saturating.
fn nanos(m: &DynamicMessage) -> i64 {
    let get = |f: &str| match m.get_field_by_name(f).as_deref() {
        Some(Value::I64(n)) => *n,
        Some(Value::I32(n)) => i64::from(*n),
        _ => 0,
    };
    get("seconds")
        .saturating_mul(1_000_000_000)
        .saturating_add(get("nanos"))
}

fn refused(kind: &Kind, order_by: &str) -> Status {
    let keys: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
    let served = if kind.newest_first() {
        format!("one of {} with asc or desc", keys.join(", "))
    } else {
        "create_time (the default)".to_owned()
    };
    bad_field(
        "order_by",
        format!(
            "{} is not an order of {}s: use {served}",
            quote(order_by),
            kind.label
        ),
    )
}

/// An i64 key as a u64 that sorts the same way, for a page token.
pub(crate) fn key_to_token(key: i64) -> u64 {
    (key as u64) ^ (1 << 63)
}

/// The inverse of [`key_to_token`].
pub(crate) fn key_from_token(token: u64) -> i64 {
    (token ^ (1 << 63)) as i64
}
