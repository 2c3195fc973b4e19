//! Operations as a server sends them: typed decode, untyped access, REST JSON.

use ccai_lro::{
    insights::{CreateIssueModelOperation, DeleteIssueModelOperation},
    json,
    proto::google::cloud::contactcenterinsights::v1::{CreateIssueModelMetadata, IssueModel},
    proto::google::longrunning::{operation::Result as OpResult, Operation as RawOperation},
    Code, Error, Untyped, UntypedOperation, Violation,
};
use proptest::collection::vec;
use proptest::prelude::*;
use prost::{Message, Name};
use prost_types::Any;
use serde_json::Value;

use crate::strategies::{any_payload, raw_operation, url};
use crate::{fixed, offline::client};

/// Checks one unpacked payload against what its bytes are: a wrong type URL is TypeMismatch
/// naming both URLs, bytes that do not decode are Corrupt, anything else the decoded value.
fn check_unpacked<T: Message + Name + Default + PartialEq + std::fmt::Debug>(
    any: &Any,
    field: &'static str,
    got: Result<T, Error>,
) -> Result<(), TestCaseError> {
    // A payload is `T` when it names `T`'s full name, whatever its domain.
    let want = ccai_lro::registry::type_url_of::<T>();
    if !ccai_lro::registry::same_type(&any.type_url, &want) {
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
            matches!(
                result,
                Err(Error::Protocol(Violation::DoneWithoutResult { .. }))
            ),
            "{result:?}"
        ),
        (Some(OpResult::Response(any)), true) => {
            check_unpacked(any, "response", result.map(Option::unwrap))?
        }
        (Some(OpResult::Error(e)), true) if e.code == 0 => prop_assert!(
            matches!(
                result,
                Err(Error::Protocol(Violation::ErrorWithOkCode { .. }))
            ),
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

    // `Empty` for google.protobuf.Empty: DeleteIssueModel.
    let delete = DeleteIssueModelOperation::new(client.clone(), raw.clone());
    let _ = (delete.metadata(), delete.result());

    // Untyped: the payloads come back as sent.
    let untyped = UntypedOperation::new(client, raw.clone());
    prop_assert_eq!(
        untyped.metadata().ok().map(|m| m.map(Untyped::into_any)),
        Some(raw.metadata.clone())
    );
    if let (true, Some(OpResult::Response(any))) = (raw.done, &raw.result) {
        prop_assert_eq!(
            untyped.result().ok().map(|r| r.map(Untyped::into_any)),
            Some(Some(any.clone()))
        );
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
