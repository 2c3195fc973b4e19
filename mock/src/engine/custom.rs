//! Custom methods that answer at once, small functions over the store, and the per-kind rules
//! the standard methods consult: what a new resource starts as, and what may not be deleted.

use prost::Message;
use prost_reflect::{DynamicMessage, MessageDescriptor, ReflectMessage, Value};
use tonic::Status;

use super::errors::precondition;
use super::fields::{get_str, require};
use super::filter::Filter;
use super::list::{decode, page_size};
use super::schema::{kinds, Kind};
use super::standard::{load, not_found};
use super::store::Store;
use super::{names, Ctx, Engine};
use crate::names::quote;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    issue_model, qa_scorecard_revision, IssueModel, QaScorecardRevision,
};

const TYPE_PREFIX: &str = "contactcenterinsights.googleapis.com/";

/// The kind named `label` ("Conversation").
pub(crate) fn kind(label: &str) -> Option<&'static Kind> {
    kinds().get(&format!("{TYPE_PREFIX}{label}"))
}

pub(crate) fn missing_kind(label: &str) -> Status {
    Status::internal(format!("the schema has no {label} resource"))
}

/// What a new resource of `kind` starts as, beyond what the client sent.
pub(crate) fn on_create(kind: &Kind, resource: &mut DynamicMessage) {
    if kind.label == "QaScorecardRevision" {
        if let Some(f) = resource.descriptor().get_field_by_name("state") {
            resource.set_field(
                &f,
                Value::EnumNumber(qa_scorecard_revision::State::Editable as i32),
            );
        }
    }
}

/// Checks what the service checks of a resource beyond its field behaviours: an analysis
/// rule's `conversation_filter` must be a conversation filter. `body` is the request's field
/// holding it, for the error's path.
pub(crate) fn validate(kind: &Kind, resource: &DynamicMessage, body: &str) -> Result<(), Status> {
    if kind.label == "AnalysisRule" {
        let conversation =
            super::custom::kind("Conversation").ok_or_else(|| missing_kind("Conversation"))?;
        let filter = get_str(resource, "conversation_filter");
        Filter::parse(&filter, &conversation.message).map_err(|e| {
            super::errors::bad_field(&format!("{body}.conversation_filter"), e.message())
        })?;
    }
    Ok(())
}

/// The top-level field a read leaves out of `resource_type`'s messages: a conversation's
/// transcript with `view = BASIC` (the List default); FULL (the Get default) keeps it.
pub(crate) fn hidden_field(
    resource_type: &MessageDescriptor,
    request: &DynamicMessage,
    list: bool,
) -> Option<u32> {
    const BASIC: i32 = 1;
    const UNSPECIFIED: i32 = 0;
    let view = request.get_field_by_name("view")?.as_enum_number()?;
    if view == BASIC || (list && view == UNSPECIFIED) {
        return resource_type
            .get_field_by_name("transcript")
            .map(|f| f.number());
    }
    None
}

/// A stored resource's bytes as a read answers them, `hidden` field left out.
pub(crate) fn presented(bytes: &[u8], hidden: Option<u32>) -> Result<Vec<u8>, Status> {
    match hidden {
        None => Ok(bytes.to_vec()),
        Some(number) => super::wire::without_field(bytes, number)
            .ok_or_else(|| Status::internal("a stored resource does not parse")),
    }
}

/// Refuses deleting what the service keeps: a deployed (or moving) issue model.
pub(crate) fn before_delete(store: &Store, kind: &Kind, name: &str) -> Result<(), Status> {
    if kind.label == "IssueModel" {
        let model: IssueModel = typed(&load(store, kind, name)?)?;
        let state = model.state();
        if state != issue_model::State::Undeployed && state != issue_model::State::Unspecified {
            return Err(precondition(
                "issue model",
                name,
                &format!("is {}: undeploy it first", state.as_str_name()),
            ));
        }
    }
    Ok(())
}

pub(crate) fn typed<T: Message + Default>(message: &DynamicMessage) -> Result<T, Status> {
    T::decode(message.encode_to_vec().as_slice())
        .map_err(|e| Status::internal(format!("stored resource does not decode: {e}")))
}

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

/// The conversations of `location` that pass `filter`, decoded both ways.
pub(crate) fn conversations(
    store: &Store,
    location: &str,
    filter: &Filter,
) -> Result<Vec<(String, DynamicMessage)>, Status> {
    let kind = kind("Conversation").ok_or_else(|| missing_kind("Conversation"))?;
    let prefix = format!("{location}/conversations/");
    Ok(store
        .under(&prefix)
        .filter(|(_, r)| std::ptr::eq(r.kind, kind))
        .filter_map(|(name, r)| decode(r).map(|m| (name.clone(), m)))
        .filter(|(_, m)| filter.matches(m))
        .collect())
}

pub(crate) fn location(request: &DynamicMessage, field: &str) -> Result<String, Status> {
    Ok(names::checked(
        field,
        &get_str(request, field),
        &[ccai_lro::name::LOCATION_PATTERN],
    )?
    .into_owned())
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
    let skip = if token.is_empty() {
        0
    } else {
        crate::page_token::decode(&location, &filter_text, &token).map_err(|_| {
            super::errors::bad_field(
                "page_token",
                format!("invalid page token {}", quote(&token)),
            )
        })?
    };
    let prefix = format!("{location}/conversations/");
    let mut matching = store
        .under(&prefix)
        .filter(|(_, r)| std::ptr::eq(r.kind, kind))
        .filter_map(|(_, r)| decode(r))
        .filter(|m| filter.matches(m))
        .skip(usize::try_from(skip).unwrap_or(usize::MAX));
    let items: Vec<Value> = matching.by_ref().take(size).map(Value::Message).collect();
    let more = matching.next().is_some();
    let mut response = DynamicMessage::new(output.clone());
    if let Some(f) = output.get_field_by_name("feedback_labels") {
        response.set_field(&f, Value::List(items.clone()));
    }
    if more {
        let next = skip + items.len() as u64;
        if let Some(f) = output.get_field_by_name("next_page_token") {
            response.set_field(
                &f,
                Value::String(crate::page_token::encode(&location, &filter_text, next)),
            );
        }
    }
    let _ = not_found;
    Ok(response)
}
