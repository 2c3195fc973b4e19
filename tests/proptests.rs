//! Property tests of everything that reads bytes or text from outside: operations and their
//! `Any` payloads (typed handles and REST JSON), `google.rpc.Status` details from
//! `grpc-status-details-bin`, and resource names. None of it may panic, and every failure must
//! land in the right error class. The fuzz targets in `fuzz/` run the same bodies on raw bytes;
//! an input they find goes below as a regression case (none so far: see fuzz/README.md).

#[path = "common/offline.rs"]
mod offline;

use ccai_lro::{
    insights::{CreateIssueModelOperation, DeleteIssueModelOperation},
    json,
    name::{check, OperationName, LOCATION_PATTERN, OPERATION_PATTERN},
    proto::google::cloud::contactcenterinsights::v1::{
        CreateIssueModelMetadata, CreateIssueModelRequest, DeleteIssueModelMetadata,
        DeployIssueModelMetadata, IssueModel,
    },
    proto::google::longrunning::{operation::Result as OpResult, Operation as RawOperation},
    proto::google::rpc::{
        self as pb, BadRequest, DebugInfo, ErrorInfo, Help, LocalizedMessage, PreconditionFailure,
        QuotaFailure, RequestInfo, ResourceInfo, RetryInfo,
    },
    Code, Detail, Error, Status, UntypedOperation,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// A fixed seed: the suite is deterministic (exploration is the fuzzers' job, `fuzz/`); the
/// regressions file replays any case that ever failed.
fn fixed() -> ProptestConfig {
    ProptestConfig {
        rng_seed: RngSeed::Fixed(0x0000_CCA1_2026),
        ..ProptestConfig::default()
    }
}
use prost::{Message, Name};
use prost_types::Any;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Shared setup and strategies
// ---------------------------------------------------------------------------------------------

use offline::client;

fn url<T: Name>() -> String {
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

fn any_payload() -> impl Strategy<Value = Any> {
    (type_url(), payload_bytes()).prop_map(|(type_url, value)| Any { type_url, value })
}

/// The ten standard detail types: type URL and "do these bytes decode as it".
type Decodes = fn(&[u8]) -> bool;
fn standard_details() -> Vec<(String, Decodes)> {
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

fn rpc_status() -> impl Strategy<Value = pb::Status> {
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

fn raw_operation() -> impl Strategy<Value = RawOperation> {
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

// ---------------------------------------------------------------------------------------------
// (a) Operation -> typed decode, untyped access, REST JSON
// ---------------------------------------------------------------------------------------------

/// Checks one unpacked payload against what its bytes are: a wrong type URL is TypeMismatch
/// naming both URLs, bytes that do not decode are Corrupt, anything else the decoded value.
fn check_unpacked<T: Message + Name + Default + PartialEq + std::fmt::Debug>(
    any: &Any,
    field: &'static str,
    got: Result<T, Error>,
) -> Result<(), TestCaseError> {
    let want = T::type_url();
    if any.type_url != want {
        match got {
            Err(Error::TypeMismatch {
                field: f,
                expected,
                actual,
                ..
            }) => {
                prop_assert_eq!(f, field);
                prop_assert_eq!(expected, want);
                prop_assert_eq!(&actual, &any.type_url);
            }
            other => prop_assert!(false, "{field} of type {:?}: {other:?}", any.type_url),
        }
        return Ok(());
    }
    match T::decode(any.value.as_slice()) {
        Ok(decoded) => prop_assert_eq!(got.ok(), Some(decoded)),
        Err(_) => match got {
            Err(e @ Error::Corrupt { .. }) => {
                prop_assert_eq!(e.code(), Code::DataLoss);
                prop_assert!(
                    matches!(e, Error::Corrupt { field: f, .. } if f == field),
                    "{e:?}"
                );
            }
            other => prop_assert!(false, "corrupt {field}: {other:?}"),
        },
    }
    Ok(())
}

/// Everything a caller can do with an operation the server sent, without a call.
fn check_operation(raw: &RawOperation) -> Result<(), TestCaseError> {
    let client = client();

    // Typed: CreateIssueModel (IssueModel, CreateIssueModelMetadata).
    let op = CreateIssueModelOperation::new(client.clone(), raw.clone());
    prop_assert_eq!(op.name(), raw.name.as_str());
    prop_assert_eq!(op.done(), raw.done);
    let metadata = op.metadata();
    if let Err(e) = &metadata {
        let _ = e.to_string();
    }
    match &raw.metadata {
        None => prop_assert!(matches!(metadata, Ok(None)), "{metadata:?}"),
        Some(any) => check_unpacked(any, "metadata", metadata.map(Option::unwrap))?,
    }
    let result = op.result();
    if let Err(e) = &result {
        let _ = (e.to_string(), e.code(), e.status(), e.is_retryable());
    }
    match (&raw.result, raw.done) {
        (_, false) => prop_assert!(matches!(result, Ok(None)), "{result:?}"),
        (None, true) => prop_assert!(
            matches!(result, Err(Error::DoneWithoutResult { .. })),
            "{result:?}"
        ),
        (Some(OpResult::Response(any)), true) => {
            check_unpacked(any, "response", result.map(Option::unwrap))?
        }
        (Some(OpResult::Error(e)), true) if e.code == 0 => prop_assert!(
            matches!(result, Err(Error::ErrorWithOkCode { .. })),
            "{result:?}"
        ),
        (Some(OpResult::Error(e)), true) => match result {
            Err(Error::OperationFailed { name, status }) => {
                prop_assert_eq!(&name, &raw.name);
                prop_assert_eq!(status.raw_code(), e.code);
                prop_assert_eq!(status.message(), e.message.as_str());
                prop_assert_eq!(status.details().len(), e.details.len());
                let _ = status.to_string();
            }
            other => prop_assert!(false, "failed operation: {other:?}"),
        },
    }

    // `()` for google.protobuf.Empty: DeleteIssueModel.
    let delete = DeleteIssueModelOperation::new(client.clone(), raw.clone());
    let _ = (delete.metadata(), delete.result());

    // Untyped: the payloads come back as sent.
    let untyped = UntypedOperation::new(client, raw.clone());
    prop_assert_eq!(untyped.metadata().ok(), Some(raw.metadata.clone()));
    if let (true, Some(OpResult::Response(any))) = (raw.done, &raw.result) {
        prop_assert_eq!(untyped.result().ok(), Some(Some(any.clone())));
    }

    // REST JSON: always an object, payload type URLs kept.
    let json = json::operation_to_json(raw);
    let Value::Object(fields) = &json else {
        return Err(TestCaseError::fail(format!("not an object: {json}")));
    };
    if let Some(any) = &raw.metadata {
        prop_assert_eq!(
            fields.get("metadata").and_then(|m| m.get("@type")),
            Some(&Value::String(any.type_url.clone()))
        );
    }
    prop_assert_eq!(fields.get("done").is_some(), raw.done);
    let _ = json.to_string();
    Ok(())
}

proptest! {
    #![proptest_config(fixed())]

    #[test]
    fn operation_payloads_decode_or_fail_in_their_class(raw in raw_operation()) {
        check_operation(&raw)?;
    }

    #[test]
    fn operation_from_random_bytes(bytes in vec(any::<u8>(), 0..256)) {
        if let Ok(raw) = RawOperation::decode(bytes.as_slice()) {
            check_operation(&raw)?;
        }
    }

    #[test]
    fn operation_from_mutated_encoding(
        raw in raw_operation(),
        flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = raw.encode_to_vec();
        if !bytes.is_empty() {
            for (at, byte) in flips {
                let i = at.index(bytes.len());
                bytes[i] ^= byte;
            }
        }
        if let Ok(raw) = RawOperation::decode(bytes.as_slice()) {
            check_operation(&raw)?;
        }
    }

    #[test]
    fn any_to_json_never_fails(any in any_payload()) {
        let json = json::any_to_json(&any);
        prop_assert_eq!(json.get("@type"), Some(&Value::String(any.type_url.clone())));
    }
}

#[test]
fn well_formed_operation_decodes_typed() {
    let model = IssueModel {
        display_name: "m".into(),
        ..Default::default()
    };
    let raw = RawOperation {
        name: "projects/p/locations/l/operations/1".into(),
        metadata: Some(Any {
            type_url: url::<CreateIssueModelMetadata>(),
            value: CreateIssueModelMetadata::default().encode_to_vec(),
        }),
        done: true,
        result: Some(OpResult::Response(Any {
            type_url: url::<IssueModel>(),
            value: model.encode_to_vec(),
        })),
    };
    check_operation(&raw).unwrap();
    let op = CreateIssueModelOperation::new(client(), raw);
    assert_eq!(op.result().unwrap(), Some(model));
}

// ---------------------------------------------------------------------------------------------
// (b) google.rpc.Status from grpc-status-details-bin
// ---------------------------------------------------------------------------------------------

fn tonic_code(code: i32) -> tonic::Code {
    tonic::Code::from_i32(code)
}

/// Reads `details` as a server's `grpc-status-details-bin` and checks nothing is lost.
fn check_status(code: i32, message: &str, details: Vec<u8>) -> Result<Status, TestCaseError> {
    let tonic = tonic::Status::with_details(tonic_code(code), message, details.clone().into());
    let status = Status::from_tonic(&tonic);
    prop_assert_eq!(status.raw_code(), tonic.code() as i32);
    prop_assert_eq!(status.code() as i32, tonic.code() as i32);
    prop_assert_eq!(status.message(), tonic.message());
    let shown = status.to_string();
    prop_assert!(shown.starts_with(status.code().as_str_name()), "{shown:?}");
    let _ = (status.retry_delay(), status.error_info(), status.to_proto());
    if details.is_empty() {
        prop_assert!(status.details().is_empty());
        return Ok(status);
    }
    match pb::Status::decode(details.as_slice()) {
        Ok(proto) => {
            prop_assert_eq!(status.details().len(), proto.details.len());
            let known = standard_details();
            for (detail, sent) in status.details().iter().zip(&proto.details) {
                prop_assert_eq!(&detail.to_any().type_url, &sent.type_url);
                match known.iter().find(|(u, _)| *u == sent.type_url) {
                    None => prop_assert_eq!(detail, &Detail::Other(sent.clone())),
                    Some((_, decodes)) if !decodes(&sent.value) => prop_assert!(
                        matches!(detail, Detail::Undecodable { any, .. } if any == sent),
                        "{detail:?}"
                    ),
                    Some(_) => prop_assert!(
                        !matches!(detail, Detail::Other(_) | Detail::Undecodable { .. }),
                        "{detail:?}"
                    ),
                }
            }
        }
        Err(_) => {
            prop_assert_eq!(status.details().len(), 1);
            prop_assert!(
                matches!(
                    &status.details()[0],
                    Detail::Undecodable { any, .. }
                        if any.type_url == url::<pb::Status>() && any.value == details
                ),
                "{:?}",
                status.details()
            );
        }
    }
    Ok(status)
}

proptest! {
    #![proptest_config(fixed())]

    #[test]
    fn status_from_random_detail_bytes(
        code in -2i32..20,
        message in "\\PC{0,24}",
        details in vec(any::<u8>(), 0..256),
    ) {
        check_status(code, &message, details)?;
    }

    #[test]
    fn status_keeps_every_detail(code in 1i32..17, message in "\\PC{0,24}", proto in rpc_status()) {
        let status = check_status(code, &message, proto.encode_to_vec())?;
        prop_assert_eq!(status.details().len(), proto.details.len());
        // Details that were not decoded come back byte for byte.
        for (detail, sent) in status.details().iter().zip(&proto.details) {
            if matches!(detail, Detail::Other(_) | Detail::Undecodable { .. }) {
                prop_assert_eq!(&detail.to_any(), sent);
            }
        }
    }

    #[test]
    fn known_detail_with_random_bytes(
        which in 0usize..10,
        value in vec(any::<u8>(), 0..48),
    ) {
        let (type_url, decodes) = standard_details().swap_remove(which);
        let any = Any { type_url, value };
        let detail = Detail::from_any(any.clone());
        let _ = detail.to_string();
        if decodes(&any.value) {
            prop_assert!(
                !matches!(detail, Detail::Other(_) | Detail::Undecodable { .. }),
                "{detail:?}"
            );
        } else {
            prop_assert!(
                matches!(&detail, Detail::Undecodable { any: kept, .. } if *kept == any),
                "{detail:?}"
            );
        }
    }

    #[test]
    fn operation_error_status_round_trips(proto in rpc_status()) {
        let status = Status::from(proto.clone());
        let _ = status.to_string();
        prop_assert_eq!(status.details().len(), proto.details.len());
        for (detail, sent) in status.details().iter().zip(&proto.details) {
            prop_assert_eq!(&detail.to_any().type_url, &sent.type_url);
        }
    }
}

#[test]
fn known_detail_types_with_garbage_are_undecodable() {
    // 0xff is a field tag with wire type 7, which no protobuf decoder accepts.
    for (type_url, _) in standard_details() {
        let any = Any {
            type_url: type_url.clone(),
            value: vec![0xff, 0xff],
        };
        assert!(
            matches!(Detail::from_any(any.clone()), Detail::Undecodable { any: kept, .. } if kept == any),
            "{type_url}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// (c) Resource names
// ---------------------------------------------------------------------------------------------

/// A valid variable segment: non-empty, no `/`, no control character.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z0-9-]{1,12}",
        1 => "[^/\\p{Cc}]{1,12}",
    ]
}

fn assert_invalid(name: &str) -> Result<(), TestCaseError> {
    match name.parse::<OperationName>() {
        Err(Error::InvalidName { name: n, expected }) => {
            prop_assert_eq!(n, name);
            prop_assert_eq!(expected, OPERATION_PATTERN);
        }
        other => prop_assert!(false, "{name:?} was accepted: {other:?}"),
    }
    prop_assert!(check(name, OPERATION_PATTERN).is_err());
    Ok(())
}

/// Ways to break a valid name: which of its 6 segments, and how.
#[derive(Clone, Debug)]
enum Break {
    Empty(usize),
    Replace(usize, String),
    Extra(String),
    Drop(usize),
    Control(usize, char),
}

fn breakage() -> impl Strategy<Value = Break> {
    prop_oneof![
        (0usize..6).prop_map(Break::Empty),
        (0usize..6, "[a-zA-Z]{0,10}").prop_map(|(i, s)| Break::Replace(i, s)),
        "[^/]{0,8}".prop_map(Break::Extra),
        (0usize..6).prop_map(Break::Drop),
        // C0, DEL and C1: the one-pass check must catch the multi-byte C1 controls too.
        (
            0usize..3,
            prop_oneof![
                prop::char::range('\0', '\u{1f}'),
                Just('\u{7f}'),
                prop::char::range('\u{80}', '\u{9f}'),
            ]
        )
            .prop_map(|(i, c)| Break::Control(i, c)),
    ]
}

proptest! {
    #![proptest_config(fixed())]

    #[test]
    fn names_never_panic(s in any::<String>()) {
        if let Ok(n) = s.parse::<OperationName>() {
            prop_assert_eq!(n.as_str(), s.as_str());
            prop_assert_eq!(
                format!("projects/{}/locations/{}/operations/{}", n.project(), n.location(), n.operation()),
                s.clone()
            );
        }
        let _ = check(&s, OPERATION_PATTERN);
        let _ = check(&s, LOCATION_PATTERN);
    }

    #[test]
    fn slashy_names_never_panic(parts in vec(prop_oneof![
        Just("projects".to_owned()),
        Just("locations".to_owned()),
        Just("operations".to_owned()),
        Just(String::new()),
        "\\PC{0,4}",
    ], 0..9)) {
        let s = parts.join("/");
        match s.parse::<OperationName>() {
            Ok(n) => {
                prop_assert_eq!(parts.len(), 6);
                prop_assert_eq!(n.project(), parts[1].as_str());
                prop_assert_eq!(n.location(), parts[3].as_str());
                prop_assert_eq!(n.operation(), parts[5].as_str());
            }
            Err(e) => prop_assert!(matches!(e, Error::InvalidName { .. }), "{e:?}"),
        }
        let _ = check(&s, LOCATION_PATTERN);
    }

    #[test]
    fn valid_names_round_trip(project in segment(), location in segment(), operation in segment()) {
        let s = format!("projects/{project}/locations/{location}/operations/{operation}");
        let n: OperationName = s.parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(n.project(), project.as_str());
        prop_assert_eq!(n.location(), location.as_str());
        prop_assert_eq!(n.operation(), operation.as_str());
        prop_assert_eq!(n.as_str(), s.as_str());
        prop_assert_eq!(n.to_string(), s.clone());
        prop_assert_eq!(n.parent(), format!("projects/{project}/locations/{location}"));
        prop_assert_eq!(
            check(n.parent(), LOCATION_PATTERN).ok(),
            Some(vec![project.as_str(), location.as_str()])
        );
        prop_assert_eq!(
            check(&s, OPERATION_PATTERN).ok(),
            Some(vec![project.as_str(), location.as_str(), operation.as_str()])
        );
        // An operation name is not a location, and a location is not an operation name.
        prop_assert!(check(&s, LOCATION_PATTERN).is_err());
        assert_invalid(n.parent())?;
    }

    #[test]
    fn broken_names_are_rejected(
        project in segment(),
        location in segment(),
        operation in segment(),
        how in breakage(),
    ) {
        let mut segs = vec![
            "projects".to_owned(), project, "locations".to_owned(), location,
            "operations".to_owned(), operation,
        ];
        match how {
            Break::Empty(i) => segs[i].clear(),
            Break::Replace(i, s) => {
                // Only literals are wrong when replaced; a variable takes any segment.
                prop_assume!(i % 2 == 0 && s != segs[i]);
                segs[i] = s;
            }
            Break::Extra(s) => segs.push(s),
            Break::Drop(i) => { segs.remove(i); }
            Break::Control(i, c) => segs[2 * i + 1].push(c),
        }
        assert_invalid(&segs.join("/"))?;
    }
}

#[test]
fn names_from_the_brief_are_rejected() {
    for bad in [
        "projects/p/locations/l/operations/o/",
        "/projects/p/locations/l/operations/o",
        "projects/p/locations//operations/o",
        "projects/p/Locations/l/operations/o",
        "projects/p/locations/l/operation/o",
        "projects/p/locations/l/operations",
        "projects/p/locations/l/operations/o/x/y",
    ] {
        assert!(bad.parse::<OperationName>().is_err(), "{bad}");
    }
}
