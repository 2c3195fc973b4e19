//! The default script of each Insights RPC: a few metadata steps over 2 s of tokio time, then
//! the RPC's declared response.
//!
//! Response and metadata types come from each method's `google.longrunning.operation_info`
//! option in the embedded descriptor set, so the mock cannot drift from the schema. Metadata is
//! filled generically through prost-reflect (`create_time`, `request` echoed, `end_time` once
//! done, wherever the type has those fields); a few responses that carry a resource are built
//! typed so they look like the real thing.

use std::time::Duration;

use prost::{Message, Name};
use prost_reflect::{DynamicMessage, MessageDescriptor, ReflectMessage, Value};
use prost_types::{Any, Timestamp};

use super::script::{pack, Script};
use super::start::Start;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    conversation, issue_model, Analysis, BulkAnalyzeConversationsResponse, Conversation,
    CreateAnalysisRequest, CreateIssueModelRequest, IssueModel, QueryMetricsResponse,
    UploadConversationRequest,
};

/// Time between two steps of a default script.
pub const STEP: Duration = Duration::from_millis(500);
/// Metadata snapshots in a default script; done after `STEPS * STEP` = 2 s.
pub const STEPS: u32 = 4;

pub use ccai_lro::registry::operation_info;
use ccai_lro::registry::{EMPTY_TYPE_URL, TYPE_URL_PREFIX};

fn set_message(message: &mut DynamicMessage, field: &str, type_name: &str, bytes: &[u8]) {
    let Some(f) = message.descriptor().get_field_by_name(field) else {
        return;
    };
    let Some(desc) = f.kind().as_message().cloned() else {
        return;
    };
    if desc.full_name() != type_name {
        return;
    }
    if let Ok(value) = DynamicMessage::decode(desc, bytes) {
        // A type mismatch was ruled out above; ignoring the result keeps this best-effort.
        let _ = message.try_set_field(&f, Value::Message(value));
    }
}

/// Metadata of type `desc` with whichever of `create_time`, `end_time` and `request` it has.
fn metadata(desc: &MessageDescriptor, start: &Start, end: Option<&Timestamp>) -> Any {
    let mut m = DynamicMessage::new(desc.clone());
    let ts = Timestamp::full_name();
    set_message(&mut m, "create_time", &ts, &start.created.encode_to_vec());
    if let Some(end) = end {
        set_message(&mut m, "end_time", &ts, &end.encode_to_vec());
    }
    let request_type = start
        .request
        .type_url
        .strip_prefix(TYPE_URL_PREFIX)
        .unwrap_or_default();
    set_message(&mut m, "request", request_type, &start.request.value);
    // CreateAnalysisOperationMetadata names the conversation instead of echoing the request.
    if let Some(f) = desc.get_field_by_name("conversation") {
        let _ = m.try_set_field(&f, Value::String(start.resource.clone()));
    }
    Any {
        type_url: format!("{TYPE_URL_PREFIX}{}", desc.full_name()),
        value: m.encode_to_vec(),
    }
}

/// `metadata` with its `end_time` (where its type has one) set to `end`; unchanged if its type
/// is unknown or its bytes do not decode.
pub(crate) fn ended_at(metadata: &Any, end: &Timestamp) -> Any {
    let Some(desc) = ccai_lro::registry::lookup(&metadata.type_url) else {
        return metadata.clone();
    };
    let Ok(mut m) = DynamicMessage::decode(desc, metadata.value.as_slice()) else {
        return metadata.clone();
    };
    set_message(
        &mut m,
        "end_time",
        &Timestamp::full_name(),
        &end.encode_to_vec(),
    );
    Any {
        type_url: metadata.type_url.clone(),
        value: m.encode_to_vec(),
    }
}

fn add(t: &Timestamp, d: Duration) -> Timestamp {
    let mut t = *t;
    t.seconds += i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2);
    t.nanos += i32::try_from(d.subsec_nanos()).unwrap_or(0);
    t.normalize();
    t
}

/// The conversation a default UploadConversation produces: the request's, named by its
/// `conversation_id` or the operation's id, CHAT unless it says otherwise.
pub(crate) fn uploaded(start: &Start, end: &Timestamp) -> Conversation {
    let req: UploadConversationRequest = start.request_as().unwrap_or_default();
    let id = if req.conversation_id.is_empty() {
        start.id.clone()
    } else {
        req.conversation_id
    };
    let conversation = req.conversation.unwrap_or_default();
    Conversation {
        name: format!("{}/conversations/{id}", start.resource),
        create_time: Some(*end),
        update_time: Some(*end),
        medium: if conversation.medium == 0 {
            conversation::Medium::Chat as i32
        } else {
            conversation.medium
        },
        ..conversation
    }
}

/// The analysis a default CreateAnalysis produces.
pub(crate) fn analysis(start: &Start, end: &Timestamp) -> Analysis {
    let req: CreateAnalysisRequest = start.request_as().unwrap_or_default();
    Analysis {
        name: format!("{}/analyses/{}", start.resource, start.id),
        request_time: Some(start.created),
        create_time: Some(*end),
        annotator_selector: req.analysis.and_then(|a| a.annotator_selector),
        ..Default::default()
    }
}

/// The response of the methods whose result is a resource; `None` for the others.
fn typed_response(start: &Start, end: &Timestamp) -> Option<Any> {
    Some(match start.method {
        "CreateIssueModel" => pack(&issue_model(start, end)),
        "UploadConversation" => pack(&uploaded(start, end)),
        "CreateAnalysis" => pack(&analysis(start, end)),
        "BulkAnalyzeConversations" => pack(&BulkAnalyzeConversationsResponse {
            successful_analysis_count: 10,
            failed_analysis_count: 0,
        }),
        "QueryMetrics" => pack(&QueryMetricsResponse {
            location: start.resource.clone(),
            update_time: Some(*end),
            ..Default::default()
        }),
        _ => return None,
    })
}

/// The IssueModel a default CreateIssueModel produces: the request's model, named under the
/// parent, UNDEPLOYED. Its training statistics are counted from the store when the emulator
/// keeps resources (`engine::training`); a scripted mock has none to count and reports none.
pub(crate) fn issue_model(start: &Start, end: &Timestamp) -> IssueModel {
    let req: CreateIssueModelRequest = start.request_as().unwrap_or_default();
    let requested = req.issue_model.unwrap_or_default();
    let mut input = requested.input_data_config.unwrap_or_default();
    // Output only: what training counted, set by training.
    input.training_conversations_count = 0;
    IssueModel {
        name: format!("{}/issueModels/{}", start.resource, start.id),
        create_time: Some(start.created),
        update_time: Some(*end),
        issue_count: 0,
        state: issue_model::State::Undeployed as i32,
        training_stats: None,
        input_data_config: Some(input),
        model_type: if requested.model_type == 0 {
            issue_model::ModelType::TypeV2 as i32
        } else {
            requested.model_type
        },
        language_code: if requested.language_code.is_empty() {
            "en-US".to_owned()
        } else {
            requested.language_code
        },
        display_name: requested.display_name,
    }
}

/// The counts a bulk analysis's metadata reports, from its response: (completed, failed).
fn counts(response: &Any) -> Option<(i32, i32)> {
    let r = response.to_msg::<BulkAnalyzeConversationsResponse>().ok()?;
    Some((r.successful_analysis_count, r.failed_analysis_count))
}

/// `metadata` with the bulk analysis counts where its type has them: the total requested from
/// the start, the completed and failed ones once done.
fn with_counts(metadata: Any, counts: &Option<(i32, i32)>, done: bool) -> Any {
    let Some((completed, failed)) = *counts else {
        return metadata;
    };
    let Some(desc) = ccai_lro::registry::lookup(&metadata.type_url) else {
        return metadata;
    };
    let Ok(mut m) = DynamicMessage::decode(desc, metadata.value.as_slice()) else {
        return metadata;
    };
    let mut set = |field: &str, n: i32| {
        if let Some(f) = m.descriptor().get_field_by_name(field) {
            let _ = m.try_set_field(&f, Value::I32(n));
        }
    };
    set("total_requested_analyses_count", completed + failed);
    if done {
        set("completed_analyses_count", completed);
        set("failed_analyses_count", failed);
    }
    Any {
        type_url: metadata.type_url,
        value: m.encode_to_vec(),
    }
}

/// The default script of `start.method`: [`STEPS`] metadata snapshots [`STEP`] apart, then the
/// declared response (with `end_time` in the final metadata).
pub fn script(start: &Start) -> Script {
    script_over(start, STEP.saturating_mul(STEPS))
}

/// [`script`] lasting `total` instead of 2 s: [`STEPS`] snapshots `total / STEPS` apart.
pub fn script_over(start: &Start, total: Duration) -> Script {
    script_answering(start, total, None, &[])
}

/// When an operation started at `start` and lasting `total` ends.
pub(crate) fn end_of(start: &Start, total: Duration) -> Timestamp {
    add(&start.created, total)
}

/// [`script_over`] answering `response` when given (what the resources decided), else the
/// declared response.
/// `patch` is merged into the final metadata (an encoding of its type; protobuf merges
/// concatenated encodings): what the resources decided, such as an ingest's counts.
pub(crate) fn script_answering(
    start: &Start,
    total: Duration,
    response: Option<Any>,
    patch: &[u8],
) -> Script {
    let step = total / STEPS;
    let end = end_of(start, total);
    let info = operation_info(start.method);
    let meta_desc = info
        .as_ref()
        .and_then(|(_, m)| ccai_lro::registry::pool().get_message_by_name(m));
    let response = response
        .or_else(|| typed_response(start, &end))
        .unwrap_or_else(|| Any {
            // Every declared response type accepts the empty encoding (its default value).
            type_url: info.as_ref().map_or_else(
                || EMPTY_TYPE_URL.to_owned(),
                |(r, _)| format!("{TYPE_URL_PREFIX}{r}"),
            ),
            value: Vec::new(),
        });
    let counts = counts(&response);
    let mut script = Script::new().every(step).respond_any(response);
    if let Some(desc) = meta_desc {
        let running = with_counts(metadata(&desc, start, None), &counts, false);
        script = script.metadata_any(running).repeat_last(STEPS as usize - 1);
        let mut done = with_counts(metadata(&desc, start, Some(&end)), &counts, true);
        done.value.extend_from_slice(patch);
        script = script.final_metadata_any(done);
    }
    script
}
