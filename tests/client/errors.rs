//! Error classes: failed operations with decoded details, protocol breaches, type mismatches and
//! corrupt payloads, NOT_FOUND and invalid names, dropped connections.

use ccai_lro::{
    insights::{CreateIssueModelOperation, DeployIssueModelOperation, InsightsClient},
    proto::google::cloud::contactcenterinsights::v1::{
        CreateIssueModelMetadata, CreateIssueModelRequest, DeployIssueModelMetadata, IssueModel,
    },
    proto::google::rpc::{self as pb, BadRequest, ErrorInfo},
    Client, Code, Detail, Error, ListOptions, RetryPolicy, UntypedOperation, Violation,
};
use ccai_lro_mock::{Fault, MockServer, Script};
use futures_util::TryStreamExt;
use prost::Name;
use prost_types::Any;

use crate::{meta, op_name, setup};

#[tokio::test(start_paused = true)]
async fn operation_failure_carries_decoded_details() {
    let (server, client) = setup().await;
    let name = op_name("fails");
    let info = ErrorInfo {
        reason: "TOO_FEW_CONVERSATIONS".into(),
        domain: "contactcenterinsights.googleapis.com".into(),
        ..Default::default()
    };
    let unknown = Any {
        type_url: "type.googleapis.com/example.Unknown".into(),
        value: vec![1, 2, 3],
    };
    let status = pb::Status {
        code: Code::FailedPrecondition as i32,
        message: "need 1000 conversations".into(),
        details: vec![
            Any::from_msg(&info).unwrap(),
            Any::from_msg(&BadRequest::default()).unwrap(),
            unknown.clone(),
        ],
    };
    server.insert(&name, Script::new().fail_status(status));
    let op = CreateIssueModelOperation::resume(&client, &name).await;
    // resume checks the result too: a failed operation is reported as such.
    let err = op.unwrap_err();
    let Error::OperationFailed { status, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(
        status.error_info().map(|e| e.reason.as_str()),
        Some("TOO_FEW_CONVERSATIONS")
    );
    assert!(matches!(status.details()[1], Detail::BadRequest(_)));
    assert_eq!(status.details()[2], Detail::Other(unknown));
    let line = err.to_string();
    assert!(
        line.contains("FAILED_PRECONDITION") && line.contains("TOO_FEW_CONVERSATIONS"),
        "{line}"
    );
}

#[tokio::test(start_paused = true)]
async fn error_with_ok_code_and_done_without_result() {
    let (server, client) = setup().await;
    let name = op_name("ok-error");
    server.insert(&name, Script::new().fail(pb::Code::Ok, "odd"));
    let err = UntypedOperation::resume(&client, &name).await.unwrap_err();
    assert!(
        matches!(err, Error::Protocol(Violation::ErrorWithOkCode { .. })),
        "{err:?}"
    );

    let raw = ccai_lro::proto::google::longrunning::Operation {
        name: op_name("empty"),
        done: true,
        ..Default::default()
    };
    let op = UntypedOperation::new(client, raw);
    assert!(matches!(
        op.result(),
        Err(Error::Protocol(Violation::DoneWithoutResult { .. }))
    ));
}

#[tokio::test(start_paused = true)]
async fn type_mismatch_names_both_urls_and_corrupt_bytes_are_reported() {
    let (server, client) = setup().await;
    let name = op_name("mismatch");
    server.insert(
        &name,
        Script::new()
            .metadata(&meta("a"))
            .respond(&IssueModel::default()),
    );
    let err = DeployIssueModelOperation::resume(&client, &name)
        .await
        .unwrap_err();
    let (field, expected, actual) = crate::type_mismatch(&err);
    assert_eq!(field, "metadata");
    assert_eq!(expected, DeployIssueModelMetadata::type_url());
    assert_eq!(actual, CreateIssueModelMetadata::type_url());

    let corrupt = op_name("corrupt");
    let garbage = Any {
        type_url: CreateIssueModelMetadata::type_url(),
        value: vec![0xff, 0xff, 0xff],
    };
    server.insert(&corrupt, Script::new().metadata_any(garbage).never_done());
    let err = CreateIssueModelOperation::resume(&client, &corrupt)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Corrupt {
                field: "metadata",
                ..
            }
        ),
        "{err:?}"
    );
    // The untyped view still reaches the raw bytes.
    let raw = UntypedOperation::resume(&client, &corrupt).await.unwrap();
    assert_eq!(
        raw.metadata().unwrap().unwrap().value,
        vec![0xff, 0xff, 0xff]
    );
}

#[tokio::test(start_paused = true)]
async fn not_found_unsupported_and_invalid_names() {
    let (server, client) = setup().await;
    let err = client.get_operation(&op_name("nope")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Rpc { status, .. } if status.code() == Code::NotFound),
        "{err:?}"
    );

    let err = client.delete_operation(&op_name("nope")).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported {
                method: "DeleteOperation",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("does not support DeleteOperation"));
    let err = client
        .wait_operation(&op_name("nope"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported {
                method: "WaitOperation",
                ..
            }
        ),
        "{err:?}"
    );

    server.clear_requests();
    let err = client
        .get_operation("projects/p/operations/1")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidName { .. }));
    let err = client.cancel_operation("operations/1").await.unwrap_err();
    assert!(matches!(err, Error::InvalidName { .. }));
    let listed: Result<Vec<_>, _> = client
        .list_operations("projects/p", ListOptions::default())
        .try_collect()
        .await;
    assert!(matches!(listed, Err(Error::InvalidName { .. })));
    let insights = InsightsClient::new(client);
    let err = insights
        .create_issue_model(CreateIssueModelRequest {
            parent: "p".into(),
            issue_model: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidName { .. }));
    assert!(server.requests().is_empty(), "no RPC for a malformed name");
}

#[tokio::test(start_paused = true)]
async fn a_dropped_connection_is_a_transport_error() {
    let server = MockServer::start().await;
    let client = Client::builder()
        .retry(RetryPolicy::never())
        .build_with_channel(server.channel())
        .unwrap();
    let name = op_name("drop");
    server.insert(&name, Script::new().respond(&IssueModel::default()));
    server.fail_sequence("GetOperation", [Fault::DropConnection]);
    let err = client.get_operation(&name).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert!(
        matches!(err, Error::Transport { .. } | Error::Rpc { .. }),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn causes_are_kept_as_sources() {
    use std::error::Error as _;
    let (server, client) = setup().await;
    let name = op_name("dropped");
    server.insert(&name, Script::new().respond(&IssueModel::default()));
    server.fail_rate("GetOperation", 1.0, [Fault::DropConnection]);
    let err = client.get_operation(&name).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.source().is_some(), "{err:?}");

    // `?` turns a credentials error into an `Error`, cause kept.
    fn bad_key() -> Result<(), Error> {
        ccai_lro::auth::Credentials::api_key("not\na header value")?;
        Ok(())
    }
    let err = bad_key().unwrap_err();
    assert!(matches!(err, Error::Auth { status: None, .. }), "{err:?}");
    assert!(
        err.source()
            .is_some_and(|s| s.to_string().contains("API key")),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_handle_with_a_malformed_name_is_refused_at_its_first_poll_with_no_rpc() {
    let (server, client) = setup().await;
    // As a server might return it: not an Insights operation name.
    let raw = ccai_lro::proto::google::longrunning::Operation {
        name: "projects/p/operations/no-location".into(),
        ..Default::default()
    };
    let mut op = CreateIssueModelOperation::new(client.clone(), raw.clone());
    let polled = op.poll().await.unwrap_err();
    let waited = CreateIssueModelOperation::new(client, raw)
        .wait()
        .await
        .unwrap_err();
    for err in [polled, waited] {
        assert_eq!(err.code(), ccai_lro::Code::InvalidArgument, "{err}");
        assert!(err.to_string().contains("no-location"), "{err}");
    }
    assert!(server.requests().is_empty(), "no RPC for a malformed name");
}
