//! `Status` and its details: every standard detail type decodes, unknown ones are kept, and the
//! status interoperates with tonic-types' rich error model both ways.

use std::time::Duration;

use ccai_lro::proto::google::rpc as pb;
use ccai_lro::{Code, Detail, Status};
use prost::Name;
use prost_types::Any;
use tonic_types::{ErrorDetails, StatusExt};

#[test]
fn all_seventeen_codes_have_names() {
    for n in 0..=16 {
        let code = Code::try_from(n).expect("a google.rpc.Code");
        let status = Status::new(code, "m");
        assert_eq!(status.code() as i32, n);
        assert!(status.to_string().starts_with(code.as_str_name()));
    }
    let odd = Status::from(pb::Status {
        code: 99,
        message: "?".into(),
        details: vec![],
    });
    assert_eq!(odd.code(), Code::Unknown);
    assert_eq!(odd.raw_code(), 99);
    assert!(odd.to_string().starts_with("CODE_99"));
}

#[test]
fn the_ten_standard_details_decode_and_unknown_ones_are_kept() {
    fn any<T: prost::Message + Name>(m: T) -> Any {
        Any::from_msg(&m).expect("encode")
    }
    let unknown = Any {
        type_url: "type.googleapis.com/acme.Thing".into(),
        value: vec![9],
    };
    let corrupt = Any {
        type_url: pb::ErrorInfo::type_url(),
        value: vec![0xff],
    };
    let proto = pb::Status {
        code: Code::InvalidArgument as i32,
        message: "bad".into(),
        details: vec![
            any(pb::ErrorInfo {
                reason: "R".into(),
                ..Default::default()
            }),
            any(pb::RetryInfo {
                retry_delay: Some(prost_types::Duration {
                    seconds: 2,
                    nanos: 0,
                }),
            }),
            any(pb::DebugInfo::default()),
            any(pb::QuotaFailure::default()),
            any(pb::PreconditionFailure::default()),
            any(pb::BadRequest {
                field_violations: vec![pb::bad_request::FieldViolation {
                    field: "issue_model.display_name".into(),
                    description: "required".into(),
                    ..Default::default()
                }],
            }),
            any(pb::RequestInfo::default()),
            any(pb::ResourceInfo::default()),
            any(pb::Help::default()),
            any(pb::LocalizedMessage::default()),
            unknown.clone(),
            corrupt.clone(),
        ],
    };
    let status = Status::from(proto.clone());
    let d = status.details();
    assert!(matches!(d[0], Detail::ErrorInfo(_)));
    assert!(matches!(d[1], Detail::RetryInfo(_)));
    assert!(matches!(d[2], Detail::DebugInfo(_)));
    assert!(matches!(d[3], Detail::QuotaFailure(_)));
    assert!(matches!(d[4], Detail::PreconditionFailure(_)));
    assert!(matches!(d[5], Detail::BadRequest(_)));
    assert!(matches!(d[6], Detail::RequestInfo(_)));
    assert!(matches!(d[7], Detail::ResourceInfo(_)));
    assert!(matches!(d[8], Detail::Help(_)));
    assert!(matches!(d[9], Detail::LocalizedMessage(_)));
    assert_eq!(d[10], Detail::Other(unknown));
    assert!(matches!(&d[11], Detail::Undecodable { any, .. } if *any == corrupt));
    assert_eq!(status.retry_delay(), Some(Duration::from_secs(2)));
    // Nothing lost: back to the proto, byte for byte.
    assert_eq!(status.to_proto(), proto);
    let line = status.to_string();
    assert!(
        line.contains("issue_model.display_name: required"),
        "{line}"
    );
}

#[test]
fn a_detail_is_known_by_its_full_name_whatever_its_domain() {
    use prost::Message;
    let info = pb::ErrorInfo {
        reason: "R".into(),
        ..Default::default()
    };
    for domain in ["", "example.com/types", "type.googleapis.com"] {
        let any = Any {
            type_url: format!("{domain}/google.rpc.ErrorInfo"),
            value: info.encode_to_vec(),
        };
        assert_eq!(
            Detail::from_any(any),
            Detail::ErrorInfo(info.clone()),
            "{domain:?}"
        );
    }
    // A name that only ends like a standard one is not it.
    let other = Any {
        type_url: "type.googleapis.com/acme.google.rpc.ErrorInfo".into(),
        value: info.encode_to_vec(),
    };
    assert_eq!(Detail::from_any(other.clone()), Detail::Other(other));
}

#[test]
fn interoperates_with_tonic_types() {
    // Ours → tonic::Status → tonic-types.
    let ours = Status::new(Code::FailedPrecondition, "not yet").with_detail(Detail::ErrorInfo(
        pb::ErrorInfo {
            reason: "NOT_READY".into(),
            domain: "example.com".into(),
            ..Default::default()
        },
    ));
    let tonic_status = tonic::Status::from(&ours);
    let details = tonic_status.get_error_details();
    assert_eq!(
        details.error_info().map(|e| e.reason.as_str()),
        Some("NOT_READY")
    );

    // tonic-types → tonic::Status → ours.
    let mut rich = ErrorDetails::new();
    rich.set_retry_info(Some(Duration::from_secs(5)));
    rich.add_bad_request_violation("filter", "unparseable");
    let sent = tonic::Status::with_error_details(tonic::Code::InvalidArgument, "bad filter", rich);
    let back = Status::from_tonic(&sent);
    assert_eq!(back.code(), Code::InvalidArgument);
    assert_eq!(back.retry_delay(), Some(Duration::from_secs(5)));
    assert!(back
        .details()
        .iter()
        .any(|d| matches!(d, Detail::BadRequest(b) if b.field_violations[0].field == "filter")));
}

#[test]
fn server_text_cannot_break_a_line_or_drive_a_terminal() {
    let hostile = ccai_lro::Status::new(
        ccai_lro::Code::Internal,
        "first line\nerror: FORGED second line\r\u{1b}[31mred\u{7}",
    );
    let line = hostile.to_string();
    assert!(!line.chars().any(char::is_control), "{line:?}");
    assert!(line.contains("\\n") && line.contains("\\u{1b}"), "{line}");
    let err = ccai_lro::Error::OperationFailed {
        name: "projects/p/locations/l/operations/1".into(),
        status: hostile,
    };
    assert_eq!(err.to_string().lines().count(), 1);
}

#[test]
fn a_resource_info_without_a_description_prints_no_dangling_colon() {
    let info = |description: &str| {
        let detail = pb::ResourceInfo {
            resource_type: "contactcenterinsights.googleapis.com/Conversation".into(),
            resource_name: "projects/p/locations/l/conversations/nope".into(),
            description: description.into(),
            ..Default::default()
        };
        Detail::ResourceInfo(detail).to_string()
    };
    assert_eq!(
        info(""),
        "ResourceInfo contactcenterinsights.googleapis.com/Conversation \
         projects/p/locations/l/conversations/nope"
    );
    assert!(info("was deleted").ends_with("conversations/nope: was deleted"));
}
