//! Custom methods that answer at once, small functions over the store: deploying QA
//! revisions, listing every feedback label of a location, and the statistics (`metrics.rs`).

use prost::Message;
use prost_reflect::{DynamicMessage, MessageDescriptor, Value};
use tonic::Status;

use super::fields::{get_str, require};
use super::filter::Filter;
use super::list::page_size;
use super::records::{decode, kind, load, location, missing_kind, typed};
use super::store::Store;
use super::{names, Ctx, Engine};
use crate::names::quote;
use crate::operations::store::MAX_PAGE_BYTES;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::QaScorecardRevision;

fn dynamic(desc: &MessageDescriptor, message: &impl Message) -> Result<DynamicMessage, Status> {
    DynamicMessage::decode(desc.clone(), message.encode_to_vec().as_slice())
        .map_err(|e| Status::internal(format!("answer does not encode: {e}")))
}

/// Serves a custom method that answers at once; `None` for those the engine does not serve.
pub(crate) fn call(
    engine: &mut Engine,
    rpc: &str,
    output: &MessageDescriptor,
    request: &DynamicMessage,
    ctx: &Ctx,
) -> Option<Result<DynamicMessage, Status>> {
    let store = &mut engine.store;
    let answer = match rpc {
        "CalculateStats" => {
            super::metrics::calculate_stats(store, request).and_then(|r| dynamic(output, &r))
        }
        "CalculateIssueModelStats" => {
            super::metrics::issue_model_stats(store, request).and_then(|r| dynamic(output, &r))
        }
        "DeployQaScorecardRevision" => deploy_revision(store, request, true, ctx),
        "UndeployQaScorecardRevision" => deploy_revision(store, request, false, ctx),
        "ListAllFeedbackLabels" => list_all_feedback_labels(store, output, request),
        _ => return None,
    };
    Some(answer)
}

/// Deploying a revision marks it `deployed` among its scorecard's revisions (the alternate id
/// the service gives the one in use), taking the mark from any other; undeploying removes it.
fn deploy_revision(
    store: &mut Store,
    request: &DynamicMessage,
    deploy: bool,
    ctx: &Ctx,
) -> Result<DynamicMessage, Status> {
    require(request, "")?;
    let kind = kind("QaScorecardRevision").ok_or_else(|| missing_kind("QaScorecardRevision"))?;
    let name = names::resource("name", &get_str(request, "name"), kind)?.into_owned();
    let revision: QaScorecardRevision = typed(&load(store, kind, &name)?)?;
    let _ = ctx;
    const DEPLOYED: &str = "deployed";
    if deploy {
        let scorecard = super::store::collection_of(&name).to_owned();
        let siblings: Vec<String> = store
            .under(&format!("{scorecard}/"))
            .filter(|(n, r)| std::ptr::eq(r.kind, kind) && **n != name)
            .map(|(n, _)| n.clone())
            .collect();
        for sibling in siblings {
            let mut other: QaScorecardRevision = typed(&load(store, kind, &sibling)?)?;
            if other.alternate_ids.iter().any(|a| a == DEPLOYED) {
                other.alternate_ids.retain(|a| a != DEPLOYED);
                store.replace(&sibling, other.encode_to_vec())?;
            }
        }
    }
    let mut revision = revision;
    revision.alternate_ids.retain(|a| a != DEPLOYED);
    if deploy {
        revision.alternate_ids.push(DEPLOYED.to_owned());
    }
    store.replace(&name, revision.encode_to_vec())?;
    dynamic(&kind.message, &revision)
}

/// Every feedback label of every conversation of a location, in name order; a token is the
/// number of labels already listed, bound to the request's arguments.
fn list_all_feedback_labels(
    store: &Store,
    output: &MessageDescriptor,
    request: &DynamicMessage,
) -> Result<DynamicMessage, Status> {
    require(request, "")?;
    let location = location(request, "parent")?;
    let kind = kind("FeedbackLabel").ok_or_else(|| missing_kind("FeedbackLabel"))?;
    let size = page_size(super::fields::get_i32(request, "page_size"))?;
    let filter_text = get_str(request, "filter");
    let filter = Filter::parse(&filter_text, &kind.message)?;
    let token = get_str(request, "page_token");
    let after = if token.is_empty() {
        None
    } else {
        Some(
            crate::page_token::decode_name(&location, &filter_text, &token).map_err(|_| {
                super::errors::bad_field(
                    "page_token",
                    format!("invalid page token {}", quote(&token)),
                )
            })?,
        )
    };
    // In name order from after the last one listed: labels created or deleted between pages
    // shift nothing. Bounded as every List page: size, bytes, records scanned.
    let prefix = format!("{location}/conversations/");
    let (mut items, mut bytes, mut scanned, mut last) = (Vec::new(), 0usize, 0usize, None);
    let mut more = false;
    for (name, record) in store.under_after(&prefix, after.as_deref()) {
        if items.len() >= size || scanned >= super::list::SCAN_BUDGET {
            more = true;
            break;
        }
        if std::ptr::eq(record.kind, kind)
            && !items.is_empty()
            && bytes + record.bytes.len() > MAX_PAGE_BYTES
        {
            more = true;
            break;
        }
        // Scanned, listed or not: the next page starts after it.
        scanned += 1;
        last = Some(name);
        if !std::ptr::eq(record.kind, kind) {
            continue;
        }
        if !filter.is_empty() && !decode(record).is_some_and(|m| filter.matches(&m)) {
            continue;
        }
        bytes += record.bytes.len();
        if let Some(m) = decode(record) {
            items.push(Value::Message(m));
        }
    }
    let mut response = DynamicMessage::new(output.clone());
    if let Some(f) = output.get_field_by_name("feedback_labels") {
        response.set_field(&f, Value::List(items));
    }
    if let (true, Some(last), Some(f)) = (more, last, output.get_field_by_name("next_page_token")) {
        response.set_field(
            &f,
            Value::String(crate::page_token::encode_name(
                &location,
                &filter_text,
                last,
            )),
        );
    }
    Ok(response)
}
