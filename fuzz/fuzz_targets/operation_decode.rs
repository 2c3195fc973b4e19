//! Random bytes as a `google.longrunning.Operation`, then everything a caller does with it
//! without a call: typed and untyped payloads, the result, errors' Display, REST JSON.
//! Mirrors `operation::*` in tests/proptests/.
#![no_main]

#[path = "../../tests/common/offline.rs"]
mod offline;

use ccai_lro::{
    insights::{CreateIssueModelOperation, DeleteIssueModelOperation},
    json,
    proto::google::longrunning::Operation as RawOperation,
    Error, UntypedOperation,
};
use libfuzzer_sys::fuzz_target;
use prost::Message;

use offline::client;

fn show<T: std::fmt::Debug>(r: Result<T, Error>) {
    match r {
        Ok(v) => {
            let _ = format!("{v:?}");
        }
        Err(e) => {
            let _ = (
                e.to_string(),
                e.code(),
                e.status(),
                e.is_retryable(),
                e.retry_delay(),
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = RawOperation::decode(data) else {
        return;
    };
    let client = client();

    let typed = CreateIssueModelOperation::new(client.clone(), raw.clone());
    let metadata = typed.metadata();
    if let (Some(any), Err(e)) = (&raw.metadata, &metadata) {
        // The class follows the bytes: a foreign type URL is a mismatch, else corrupt bytes.
        let mismatch = any.type_url
            != "type.googleapis.com/google.cloud.contactcenterinsights.v1.CreateIssueModelMetadata";
        assert_eq!(matches!(e, Error::TypeMismatch { .. }), mismatch, "{e:?}");
        assert_eq!(matches!(e, Error::Corrupt { .. }), !mismatch, "{e:?}");
    }
    show(metadata);
    show(typed.result());

    let delete = DeleteIssueModelOperation::new(client.clone(), raw.clone());
    show(delete.metadata());
    show(delete.result());

    let untyped = UntypedOperation::new(client, raw.clone());
    assert_eq!(
        untyped.metadata().ok().map(|m| m.map(ccai_lro::Untyped::into_any)),
        Some(raw.metadata.clone())
    );
    show(untyped.result());

    let json = json::operation_to_json(&raw);
    assert!(json.is_object());
    let _ = json.to_string();
});
