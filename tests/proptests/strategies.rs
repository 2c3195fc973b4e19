//! Strategies shared by the topics: type URLs, payloads, details, statuses and raw operations.

use ccai_lro::{
    proto::google::cloud::contactcenterinsights::v1::{
        CreateIssueModelMetadata, CreateIssueModelRequest, DeleteIssueModelMetadata,
        DeployIssueModelMetadata, IssueModel,
    },
    proto::google::longrunning::{operation::Result as OpResult, Operation as RawOperation},
    proto::google::rpc::{
        self as pb, BadRequest, DebugInfo, ErrorInfo, Help, LocalizedMessage, PreconditionFailure,
        QuotaFailure, RequestInfo, ResourceInfo, RetryInfo,
    },
};
use proptest::collection::vec;
use proptest::prelude::*;
use prost::{Message, Name};
use prost_types::Any;

pub(crate) fn url<T: Name>() -> String {
    T::type_url()
}

/// Type URLs worth trying: the two the typed handle wants, other known types (Insights, the
/// well-known types, `google.rpc`), a known name under a foreign prefix, and noise.
fn type_url() -> impl Strategy<Value = String> {
    let known = vec![
        url::<IssueModel>(),
        url::<CreateIssueModelMetadata>(),
        url::<DeployIssueModelMetadata>(),
        url::<DeleteIssueModelMetadata>(),
        url::<pb::Status>(),
        url::<RetryInfo>(),
        url::<Any>(),
        "type.googleapis.com/google.protobuf.Empty".to_owned(),
        "type.googleapis.com/google.protobuf.Duration".to_owned(),
        "type.googleapis.com/google.protobuf.Timestamp".to_owned(),
        "type.googleapis.com/google.protobuf.Struct".to_owned(),
        "type.googleapis.com/google.protobuf.Value".to_owned(),
        "type.googleapis.com/google.protobuf.FieldMask".to_owned(),
        "type.example.com/google.cloud.contactcenterinsights.v1.IssueModel".to_owned(),
        "google.cloud.contactcenterinsights.v1.IssueModel".to_owned(),
        String::new(),
    ];
    prop_oneof![
        4 => prop::sample::select(known),
        1 => "[a-zA-Z./]{0,40}",
        1 => any::<String>(),
    ]
}

fn timestamp() -> impl Strategy<Value = prost_types::Timestamp> {
    prop_oneof![
        (0i64..4_000_000_000, 0i32..1_000_000_000),
        (any::<i64>(), any::<i32>()),
    ]
    .prop_map(|(seconds, nanos)| prost_types::Timestamp { seconds, nanos })
}

fn issue_model() -> impl Strategy<Value = IssueModel> {
    (
        "\\PC{0,16}",
        "\\PC{0,16}",
        any::<i32>(),
        prop::option::of(timestamp()),
    )
        .prop_map(|(name, display_name, state, create_time)| IssueModel {
            name,
            display_name,
            state,
            create_time,
            ..Default::default()
        })
}

fn create_metadata() -> impl Strategy<Value = CreateIssueModelMetadata> {
    (
        prop::option::of(timestamp()),
        prop::option::of(timestamp()),
        prop::option::of(("\\PC{0,16}", prop::option::of(issue_model()))),
    )
        .prop_map(
            |(create_time, end_time, request)| CreateIssueModelMetadata {
                create_time,
                end_time,
                request: request.map(|(parent, issue_model)| CreateIssueModelRequest {
                    parent,
                    issue_model,
                }),
            },
        )
}

/// Payload bytes: noise, valid encodings of the types in play, and valid encodings with a
/// garbage tail.
fn payload_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..64),
        issue_model().prop_map(|m| m.encode_to_vec()),
        create_metadata().prop_map(|m| m.encode_to_vec()),
        (issue_model(), vec(any::<u8>(), 1..8)).prop_map(|(m, tail)| {
            let mut bytes = m.encode_to_vec();
            bytes.extend(tail);
            bytes
        }),
        (type_url(), vec(any::<u8>(), 0..32))
            .prop_map(|(type_url, value)| Any { type_url, value }.encode_to_vec()),
    ]
}

pub(crate) fn any_payload() -> impl Strategy<Value = Any> {
    (type_url(), payload_bytes()).prop_map(|(type_url, value)| Any { type_url, value })
}

/// The ten standard detail types: type URL and "do these bytes decode as it".
pub(crate) type Decodes = fn(&[u8]) -> bool;
pub(crate) fn standard_details() -> Vec<(String, Decodes)> {
    fn ok<T: Message + Default>(bytes: &[u8]) -> bool {
        T::decode(bytes).is_ok()
    }
    vec![
        (url::<ErrorInfo>(), ok::<ErrorInfo>),
        (url::<RetryInfo>(), ok::<RetryInfo>),
        (url::<DebugInfo>(), ok::<DebugInfo>),
        (url::<QuotaFailure>(), ok::<QuotaFailure>),
        (url::<PreconditionFailure>(), ok::<PreconditionFailure>),
        (url::<BadRequest>(), ok::<BadRequest>),
        (url::<RequestInfo>(), ok::<RequestInfo>),
        (url::<ResourceInfo>(), ok::<ResourceInfo>),
        (url::<Help>(), ok::<Help>),
        (url::<LocalizedMessage>(), ok::<LocalizedMessage>),
    ]
}

fn detail_any() -> impl Strategy<Value = Any> {
    let urls: Vec<String> = standard_details().into_iter().map(|(u, _)| u).collect();
    let url = prop_oneof![3 => prop::sample::select(urls), 1 => type_url()];
    let value = prop_oneof![
        vec(any::<u8>(), 0..48),
        (any::<i64>(), any::<i32>()).prop_map(|(seconds, nanos)| RetryInfo {
            retry_delay: Some(prost_types::Duration { seconds, nanos }),
        }
        .encode_to_vec()),
        (
            "\\PC{0,12}",
            "\\PC{0,12}",
            vec(("\\PC{0,6}", "\\PC{0,6}"), 0..3)
        )
            .prop_map(|(reason, domain, meta)| ErrorInfo {
                reason,
                domain,
                metadata: meta.into_iter().collect(),
            }
            .encode_to_vec()),
    ];
    (url, value).prop_map(|(type_url, value)| Any { type_url, value })
}

pub(crate) fn rpc_status() -> impl Strategy<Value = pb::Status> {
    (
        prop_oneof![3 => -2i32..20, 1 => any::<i32>()],
        "\\PC{0,24}",
        vec(detail_any(), 0..4),
    )
        .prop_map(|(code, message, details)| pb::Status {
            code,
            message,
            details,
        })
}

fn operation_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z0-9-]{1,8}".prop_map(|id| format!("projects/p/locations/l/operations/{id}")),
        1 => any::<String>(),
    ]
}

pub(crate) fn raw_operation() -> impl Strategy<Value = RawOperation> {
    (
        operation_name(),
        prop::option::of(any_payload()),
        any::<bool>(),
        prop_oneof![
            Just(None),
            any_payload().prop_map(|a| Some(OpResult::Response(a))),
            rpc_status().prop_map(|s| Some(OpResult::Error(s))),
        ],
    )
        .prop_map(|(name, metadata, done, result)| RawOperation {
            name,
            metadata,
            done,
            result,
        })
}
