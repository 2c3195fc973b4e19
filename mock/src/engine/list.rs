//! List (AIP-132, AIP-158): pages of one collection, in a stable order, with opaque tokens.
//!
//! - `page_size` 0 is [`DEFAULT_PAGE_SIZE`]; above [`MAX_PAGE_SIZE`] it is that; negative is
//!   INVALID_ARGUMENT. A page also stops at `MAX_PAGE_BYTES`, and a filtered page after
//!   scanning [`SCAN_BUDGET`] records (a shorter page with a token: AIP-158 allows them).
//! - Order is creation order, conversations newest first (as Insights documents); a position
//!   in it is a creation sequence, so items created between pages are never listed twice.
//! - A token is bound to the collection, filter and order: made up, edited, or reused with
//!   other arguments, it is INVALID_ARGUMENT. `next_page_token` is empty only at the end; a
//!   page cut short by a filter's scan may be followed by an empty one (AIP-158 allows it).
//! - `filter` is AIP-160 over the listed kind's fields (`filter.rs`); `order_by` other than the
//!   default sorts by a documented key and pages by keyset (`order.rs`).

use prost_reflect::{DynamicMessage, ReflectMessage};
use tonic::Status;

use super::errors::bad_field;
use super::fields::{get_i32, get_str, require};
use super::filter::Filter;
use super::order::{self, Order};
use super::plan::Plan;
use super::records::decode;
use super::schema::Kind;
use super::store::Store;
use super::wire;
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

/// One page of the members of `collection` passing `filter`, from the token on: each item's
/// bytes as stored (a record is decoded only to be filtered or sorted).
pub(crate) struct Page<'s> {
    pub(crate) items: Vec<&'s [u8]>,
    pub(crate) next_page_token: String,
}

pub(crate) fn page<'s>(
    store: &'s Store,
    kind: &Kind,
    collection: &str,
    request: &DynamicMessage,
) -> Result<Page<'s>, Status> {
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
    let order = Order::parse(kind, &order_by)?;
    let filter = Filter::parse(&filter_text, &kind.message)?;
    let binding = format!("{filter_text}\n{order_by}");
    let token = get_str(request, "page_token");
    if let Some(order) = order {
        return sorted_page(store, collection, &filter, &order, size, &binding, &token);
    }
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
        if !filter.is_empty() && !decode(record).is_some_and(|m| filter.matches(&m)) {
            return true;
        }
        let len = record.bytes.len();
        if !items.is_empty() && bytes + len > MAX_PAGE_BYTES {
            return false;
        }
        bytes += len;
        items.push(record.bytes.as_slice());
        true
    });
    Ok(Page {
        items,
        next_page_token: next
            .map_or_else(String::new, |p| page_token::encode(collection, &binding, p)),
    })
}

fn bad_token(token: &str) -> Status {
    bad_field("page_token", format!("invalid page token {}", quote(token)))
}

/// A page in a sorted order: the whole filtered collection sorted by (key, creation sequence),
/// from after the token's pair on.
fn sorted_page<'s>(
    store: &'s Store,
    collection: &str,
    filter: &Filter,
    order: &Order,
    size: usize,
    binding: &str,
    token: &str,
) -> Result<Page<'s>, Status> {
    let after = if token.is_empty() {
        None
    } else {
        let [key, seq] = page_token::decode_all::<2>(collection, binding, token)
            .map_err(|_| bad_token(token))?;
        Some((order::key_from_token(key), seq))
    };
    let mut sorted = Vec::new();
    store.walk(collection, None, false, |_, record| {
        if let Some(message) = decode(record) {
            if filter.is_empty() || filter.matches(&message) {
                sorted.push((order.key(&message), record.seq, record.bytes.as_slice()));
            }
        }
        true
    });
    sorted.sort_by(|a, b| order.compare((a.0, a.1), (b.0, b.1)));
    let mut rest = sorted
        .into_iter()
        .skip_while(|item| after.is_some_and(|a| order.compare((item.0, item.1), a).is_le()))
        .peekable();
    let (mut items, mut bytes, mut last) = (Vec::new(), 0usize, None);
    while let Some(&(key, seq, item)) = rest.peek() {
        if items.len() >= size || (!items.is_empty() && bytes + item.len() > MAX_PAGE_BYTES) {
            break;
        }
        bytes += item.len();
        last = Some((key, seq));
        items.push(item);
        rest.next();
    }
    let next_page_token = match (rest.peek(), last) {
        (Some(_), Some((key, seq))) => {
            page_token::encode_all(collection, binding, &[order::key_to_token(key), seq])
        }
        _ => String::new(),
    };
    Ok(Page {
        items,
        next_page_token,
    })
}

pub(crate) fn list(
    store: &Store,
    plan: &Plan,
    request: &DynamicMessage,
) -> Result<Vec<u8>, Status> {
    require(request, "")?;
    let parent = super::records::parent(store, plan.kind, "parent", &get_str(request, "parent"))?
        .into_owned();
    let collection = format!(
        "{parent}/{}",
        plan.kind.collection.as_deref().unwrap_or_default()
    );
    let page = page(store, plan.kind, &collection, request)?;
    // The response's encoding, built from the records' own: a repeated message field is its
    // elements' encodings one after another.
    let hidden = super::rules::hidden_field(&plan.kind.message, request, true);
    let mut response = Vec::with_capacity(page.items.iter().map(|i| i.len() + 4).sum());
    if let Some(items) = &plan.field {
        for item in page.items {
            wire::append(
                &mut response,
                items.number(),
                &super::rules::presented(item, hidden)?,
            );
        }
    }
    match plan.output.get_field_by_name("next_page_token") {
        Some(f) if !page.next_page_token.is_empty() => {
            wire::append(&mut response, f.number(), page.next_page_token.as_bytes());
        }
        Some(_) => {}
        None if page.next_page_token.is_empty() => {}
        // A List without tokens (ListIssueModels, ListIssues) answers everything at once: the
        // kinds it lists are few per parent.
        None => {
            return Err(Status::resource_exhausted(format!(
                "{} has more {}s than one answer of the emulator holds ({MAX_PAGE_SIZE})",
                quote(&parent),
                plan.kind.label
            )))
        }
    }
    Ok(response)
}
