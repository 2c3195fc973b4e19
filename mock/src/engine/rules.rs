//! The per-kind rules the standard methods consult beyond field behaviours: what a new
//! resource starts as, what it must satisfy, what may not be deleted, and what a read leaves
//! out.

use prost_reflect::{DynamicMessage, MessageDescriptor, ReflectMessage, Value};
use tonic::Status;

use super::errors::precondition;
use super::fields::get_str;
use super::filter::Filter;
use super::records::{load, missing_kind, typed};
use super::schema::Kind;
use super::store::Store;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    issue_model, qa_scorecard_revision, IssueModel,
};

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
/// rule's `conversation_filter` must be a conversation filter, and settings' notification
/// triggers and topics must be known and well formed. `body` is the request's field
/// holding it, for the error's path.
pub(crate) fn validate(kind: &Kind, resource: &DynamicMessage, body: &str) -> Result<(), Status> {
    if kind.label == "Settings" {
        let settings: ccai_lro::proto::google::cloud::contactcenterinsights::v1::Settings =
            typed(resource)?;
        crate::notify::check_settings(
            &settings.pubsub_notification_settings,
            &format!("{body}.pubsub_notification_settings"),
        )?;
    }
    if kind.label == "AnalysisRule" {
        let conversation =
            super::records::kind("Conversation").ok_or_else(|| missing_kind("Conversation"))?;
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
