//! Random bytes as `grpc-status-details-bin` (and as each standard detail type), read into a
//! `ccai_lro::Status`: never panics, keeps every detail, always displays.
//! Mirrors `status::*` in tests/proptests/.
#![no_main]

use ccai_lro::{
    proto::google::rpc::{
        self as pb, BadRequest, DebugInfo, ErrorInfo, Help, LocalizedMessage, PreconditionFailure,
        QuotaFailure, RequestInfo, ResourceInfo, RetryInfo,
    },
    Detail, Status,
};
use libfuzzer_sys::fuzz_target;
use prost::{Message, Name};
use prost_types::Any;

fn known() -> [String; 10] {
    [
        ErrorInfo::type_url(),
        RetryInfo::type_url(),
        DebugInfo::type_url(),
        QuotaFailure::type_url(),
        PreconditionFailure::type_url(),
        BadRequest::type_url(),
        RequestInfo::type_url(),
        ResourceInfo::type_url(),
        Help::type_url(),
        LocalizedMessage::type_url(),
    ]
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let code = tonic::Code::from_i32(i32::from(first % 20));

    // The whole trailer.
    let tonic = tonic::Status::with_details(code, "fuzz", rest.to_vec().into());
    let status = Status::from_tonic(&tonic);
    assert!(status.to_string().starts_with(status.code().as_str_name()));
    let _ = (status.retry_delay(), status.error_info(), status.to_proto());
    match pb::Status::decode(rest) {
        _ if rest.is_empty() => assert!(status.details().is_empty()),
        Ok(proto) => assert_eq!(status.details().len(), proto.details.len()),
        Err(_) => assert!(matches!(status.details(), [Detail::Undecodable { .. }])),
    }
    let _ = tonic::Status::from(&status);

    // One standard detail with these bytes.
    let type_url = known()[usize::from(first) % 10].clone();
    let any = Any {
        type_url,
        value: rest.to_vec(),
    };
    let detail = Detail::from_any(any.clone());
    let _ = detail.to_string();
    assert!(!matches!(detail, Detail::Other(_)));
    if let Detail::Undecodable { any: kept, .. } = &detail {
        assert_eq!(kept, &any);
    }
});
