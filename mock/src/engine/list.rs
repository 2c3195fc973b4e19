//! List (AIP-132, AIP-158): pages of one collection, in a stable order, with opaque tokens.
//!
//! - `page_size` 0 is [`DEFAULT_PAGE_SIZE`]; above [`MAX_PAGE_SIZE`] it is that; negative is
//!   INVALID_ARGUMENT. A page also stops at `MAX_PAGE_BYTES`, and a filtered page after
//!   scanning [`SCAN_BUDGET`] records (a shorter page with a token: AIP-158 allows them).
//! - Order is creation order, conversations newest first (as Insights documents); a position
//!   in it is a creation sequence, so items created between pages are never listed twice.
//! - A token is bound to the collection, filter and order: made up, edited, or reused with
//!   other arguments, it is INVALID_ARGUMENT. `next_page_token` is empty exactly at the end.
//! - `filter` is AIP-160 over the listed kind's fields (`filter.rs`); `order_by` accepts the
//!   default order only, and says so otherwise.

use prost_reflect::{DynamicMessage, ReflectMessage, Value};
use tonic::Status;

use super::errors::bad_field;
use super::fields::{get_i32, get_str, require};
use super::filter::Filter;
use super::plan::Plan;
use super::schema::Kind;
use super::store::{Record, Store};
use crate::names::quote;
use crate::operations::store::MAX_PAGE_BYTES;
use crate::page_token;

/// The page size when a request asks for none.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// The largest page, whatever a request asks for.
pub const MAX_PAGE_SIZE: usize = 1000;
/// The most records one filtered page may scan.
pub const SCAN_BUDGET: usize = 20_000;

/// The page size a request asks for, as the service coerces it.
pub(crate) fn page_size(requested: i32) -> Result<usize, Status> {
    match usize::try_from(requested) {
        Err(_) => Err(bad_field(
            "page_size",
            format!("must not be negative, got {requested}"),
        )),
        Ok(0) => Ok(DEFAULT_PAGE_SIZE),
        Ok(n) => Ok(n.min(MAX_PAGE_SIZE)),
    }
}

/// The orders a kind lists in: its default, in the spellings a client may send.
fn check_order(kind: &Kind, order_by: &str) -> Result<(), Status> {
    let compact = order_by.split_whitespace().collect::<Vec<_>>().join(" ");
    let accepted: &[&str] = if kind.newest_first() {
        &["", "create_time desc", "createTime desc"]
    } else {
        &[
            "",
            "create_time",
            "create_time asc",
            "createTime",
            "createTime asc",
        ]
    };
    if accepted.contains(&compact.as_str()) {
        return Ok(());
    }
    Err(bad_field(
        "order_by",
        format!(
            "{} is not an order the emulator serves; it lists {} (\"{}\")",
            quote(order_by),
            if kind.newest_first() {
                "newest first"
            } else {
                "oldest first"
            },
            accepted.get(1).copied().unwrap_or_default()
        ),
    ))
}

/// Decodes a stored record as its kind's message.
pub(crate) fn decode(record: &Record) -> Option<DynamicMessage> {
    DynamicMessage::decode(record.kind.message.clone(), record.bytes.as_slice()).ok()
}

/// One page of the members of `collection` passing `filter`, from the token on.
pub(crate) struct Page {
    pub(crate) items: Vec<DynamicMessage>,
    pub(crate) next_page_token: String,
}

pub(crate) fn page(
    store: &Store,
    kind: &Kind,
    collection: &str,
    request: &DynamicMessage,
) -> Result<Page, Status> {
    // A List without page fields (ListIssueModels, ListIssues) answers at most the largest page.
    let size = if request
        .descriptor()
        .get_field_by_name("page_size")
        .is_some()
    {
        page_size(get_i32(request, "page_size"))?
    } else {
        MAX_PAGE_SIZE
    };
    let filter_text = get_str(request, "filter");
    let order_by = get_str(request, "order_by");
    check_order(kind, &order_by)?;
    let filter = Filter::parse(&filter_text, &kind.message)?;
    let binding = format!("{filter_text}\n{order_by}");
    let token = get_str(request, "page_token");
    let position = if token.is_empty() {
        None
    } else {
        Some(
            page_token::decode(collection, &binding, &token).map_err(|_| {
                bad_field(
                    "page_token",
                    format!("invalid page token {}", quote(&token)),
                )
            })?,
        )
    };
    let (mut items, mut bytes, mut scanned) = (Vec::new(), 0usize, 0usize);
    let next = store.walk(collection, position, kind.newest_first(), |_, record| {
        if items.len() >= size || scanned >= SCAN_BUDGET {
            return false;
        }
        scanned += 1;
        let Some(message) = decode(record) else {
            return true;
        };
        if !filter.is_empty() && !filter.matches(&message) {
            return true;
        }
        let len = record.bytes.len();
        if !items.is_empty() && bytes + len > MAX_PAGE_BYTES {
            return false;
        }
        bytes += len;
        items.push(message);
        true
    });
    Ok(Page {
        items,
        next_page_token: next
            .map_or_else(String::new, |p| page_token::encode(collection, &binding, p)),
    })
}

pub(crate) fn list(
    store: &Store,
    plan: &Plan,
    request: &DynamicMessage,
) -> Result<DynamicMessage, Status> {
    require(request, "")?;
    let parent = super::standard::parent(store, plan.kind, "parent", &get_str(request, "parent"))?
        .into_owned();
    let collection = format!(
        "{parent}/{}",
        plan.kind.collection.as_deref().unwrap_or_default()
    );
    let page = page(store, plan.kind, &collection, request)?;
    let mut response = DynamicMessage::new(plan.output.clone());
    if let Some(items) = &plan.field {
        response.set_field(
            items,
            Value::List(page.items.into_iter().map(Value::Message).collect()),
        );
    }
    if let Some(f) = response.descriptor().get_field_by_name("next_page_token") {
        response.set_field(&f, Value::String(page.next_page_token));
    } else if !page.next_page_token.is_empty() {
        // A List without tokens (ListIssueModels, ListIssues) answers everything at once: the
        // kinds it lists are few per parent.
        return Err(Status::resource_exhausted(format!(
            "{} has more {}s than one answer of the emulator holds ({MAX_PAGE_SIZE})",
            quote(&parent),
            plan.kind.label
        )));
    }
    Ok(response)
}
