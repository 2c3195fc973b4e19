//! The client against the in-process mock: error classes, typed metadata, resume, deadlines,
//! retries, RetryInfo, credentials, headers and paging. Time is tokio's paused clock.

use std::time::Duration;

use ccai_lro::{
    auth::{AuthError, BoxFuture, Credentials, CredentialsProvider},
    backoff::Backoff,
    insights::{CreateIssueModelOperation, DeployIssueModelOperation, InsightsClient},
    mock::{Fault, MockServer, Script},
    proto::google::cloud::contactcenterinsights::v1::{
        CreateIssueModelMetadata, CreateIssueModelRequest, DeployIssueModelMetadata, IssueModel,
    },
    proto::google::rpc::{self as pb, BadRequest, ErrorInfo},
    Client, Code, Detail, Error, ListOptions, PollPolicy, RetryPolicy, UntypedOperation,
};
use futures_util::{StreamExt, TryStreamExt};
use prost::Name;
use prost_types::Any;

const PARENT: &str = "projects/p/locations/us-central1";

fn op_name(id: &str) -> String {
    format!("{PARENT}/operations/{id}")
}

fn meta(display: &str) -> CreateIssueModelMetadata {
    CreateIssueModelMetadata {
        request: Some(CreateIssueModelRequest {
            parent: PARENT.into(),
            issue_model: Some(IssueModel {
                display_name: display.into(),
                ..Default::default()
            }),
        }),
        ..Default::default()
    }
}

fn fast() -> PollPolicy {
    PollPolicy::default().with_backoff(Backoff {
        initial: Duration::from_secs(1),
        multiplier: 2.0,
        max: Duration::from_secs(8),
        jitter: 0.0,
    })
}

async fn setup() -> (MockServer, Client) {
    let server = MockServer::start().await;
    let client = Client::from_channel(server.channel());
    (server, client)
}

#[tokio::test(start_paused = true)]
async fn metadata_is_typed_at_each_poll_and_the_result_unpacks() {
    let (server, client) = setup().await;
    let name = op_name("typed");
    let done = IssueModel {
        display_name: "done".into(),
        ..Default::default()
    };
    let script = Script::new()
        .metadata(&meta("one"))
        .metadata(&meta("two"))
        .metadata(&meta("three"))
        .final_metadata(&meta("four"))
        .respond(&done)
        .every_polls(1);
    server.insert(&name, script);
    let mut op = CreateIssueModelOperation::resume(&client, &name)
        .await
        .unwrap();
    let display =
        |m: CreateIssueModelMetadata| m.request.unwrap().issue_model.unwrap().display_name;
    let mut seen = vec![display(op.metadata().unwrap().unwrap())];
    let rest: Vec<String> = op
        .progress(fast())
        .map(|m| display(m.unwrap().unwrap()))
        .collect()
        .await;
    seen.extend(rest);
    // One typed snapshot per poll, in script order, ending with the final metadata.
    // The mock advances a step on every poll, so the first poll already sees "two".
    assert_eq!(seen, ["two", "three", "four"]);
    assert_eq!(op.result().unwrap().unwrap().display_name, "done");
}

#[tokio::test(start_paused = true)]
async fn starter_and_wait_give_the_default_issue_model() {
    let (server, client) = setup().await;
    let insights = InsightsClient::new(client);
    let op = insights
        .create_issue_model(CreateIssueModelRequest {
            parent: PARENT.into(),
            issue_model: Some(IssueModel {
                display_name: "chat topics".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    let name = op.name().to_owned();
    assert!(name.starts_with(&format!("{PARENT}/operations/")), "{name}");
    let model = op.wait_with(fast()).await.unwrap();
    assert_eq!(model.display_name, "chat topics");
    assert!(model
        .training_stats
        .is_some_and(|s| !s.issue_stats.is_empty()));
    let start = &server.requests()[0];
    assert_eq!(start.method, "CreateIssueModel");
    assert_eq!(
        start.header("x-goog-request-params"),
        Some("parent=projects%2Fp%2Flocations%2Fus-central1")
    );
}

#[tokio::test(start_paused = true)]
async fn resume_by_name_from_a_new_client() {
    let (server, client) = setup().await;
    let name = op_name("resume");
    server.insert(
        &name,
        Script::new()
            .metadata(&meta("a"))
            .respond(&IssueModel::default()),
    );
    drop(client);
    let other = Client::from_channel(server.channel());
    let op = CreateIssueModelOperation::resume(&other, &name)
        .await
        .unwrap();
    assert_eq!(op.name(), name);
    assert_eq!(op.metadata().unwrap().unwrap(), meta("a"));
    op.wait_with(fast()).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn deadline_stops_waiting_and_does_not_cancel() {
    let (server, client) = setup().await;
    let name = op_name("slow");
    server.insert(&name, Script::new().metadata(&meta("x")).never_done());
    let op = CreateIssueModelOperation::resume(&client, &name)
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let err = op
        .wait_with(fast().with_deadline(Duration::from_secs(30)))
        .await
        .unwrap_err();
    let waited = started.elapsed();
    match &err {
        Error::Timeout { name: n, waited } => {
            assert_eq!(n, &name);
            assert!(*waited >= Duration::from_secs(30));
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert!(err.to_string().contains("continues server-side"), "{err}");
    assert!(waited <= Duration::from_secs(33), "waited {waited:?}");
    assert!(server
        .requests()
        .iter()
        .all(|r| r.method != "CancelOperation"));
    assert!(!server.operation(&name).unwrap().done);
}

#[tokio::test(start_paused = true)]
async fn polls_follow_the_jittered_backoff() {
    let (server, client) = setup().await;
    let name = op_name("jitter");
    server.insert(&name, Script::new().metadata(&meta("x")).never_done());
    let mut op = CreateIssueModelOperation::resume(&client, &name)
        .await
        .unwrap();
    server.clear_requests();
    let backoff = Backoff {
        initial: Duration::from_secs(2),
        multiplier: 2.0,
        max: Duration::from_secs(16),
        jitter: 0.5,
    };
    let policy = PollPolicy::default()
        .with_backoff(backoff)
        .with_deadline(Duration::from_secs(200));
    let _ = op.progress(policy).collect::<Vec<_>>().await;
    let at: Vec<_> = server.requests().iter().map(|r| r.at).collect();
    assert!(at.len() >= 8, "{} polls", at.len());
    let mut prev = at[0];
    for (step, t) in at.iter().enumerate().skip(1).take(6) {
        let gap = *t - prev;
        let nominal = backoff.nominal(step as u32);
        assert!(
            gap <= nominal && gap >= nominal / 2,
            "step {step}: gap {gap:?}, nominal {nominal:?}"
        );
        prev = *t;
    }
}

#[tokio::test(start_paused = true)]
async fn unavailable_is_retried_invalid_argument_is_not() {
    let (server, client) = setup().await;
    let name = op_name("r");
    server.insert(&name, Script::new().respond(&IssueModel::default()));
    server.fail_sequence("GetOperation", [Fault::Unavailable, Fault::Unavailable]);
    client.get_operation(&name).await.unwrap();
    assert_eq!(server.requests().len(), 3);

    server.clear_requests();
    let bad = pb::Status {
        code: Code::InvalidArgument as i32,
        message: "no".into(),
        details: vec![],
    };
    server.fail_sequence("GetOperation", [Fault::Status(bad)]);
    let err = client.get_operation(&name).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(matches!(
        err,
        Error::Rpc {
            method: "GetOperation",
            ..
        }
    ));
    assert!(!err.is_retryable());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn retry_info_is_honoured() {
    let server = MockServer::start().await;
    let client = Client::builder()
        .retry(RetryPolicy::default().retry_resource_exhausted(true))
        .build_with_channel(server.channel())
        .unwrap();
    let name = op_name("quota");
    server.insert(&name, Script::new().respond(&IssueModel::default()));
    server.fail_sequence(
        "GetOperation",
        [Fault::ResourceExhausted {
            retry_delay: Duration::from_secs(7),
        }],
    );
    client.get_operation(&name).await.unwrap();
    let at: Vec<_> = server.requests().iter().map(|r| r.at).collect();
    assert_eq!(at.len(), 2);
    assert!(
        at[1] - at[0] >= Duration::from_secs(7),
        "retried after {:?}",
        at[1] - at[0]
    );

    // Without the opt-in, RESOURCE_EXHAUSTED surfaces with its RetryInfo.
    let plain = Client::from_channel(server.channel());
    server.fail_sequence(
        "GetOperation",
        [Fault::ResourceExhausted {
            retry_delay: Duration::from_secs(3),
        }],
    );
    let err = plain.get_operation(&name).await.unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
    assert_eq!(err.retry_delay(), Some(Duration::from_secs(3)));
}

#[tokio::test(start_paused = true)]
async fn a_failed_poll_does_not_end_a_wait() {
    let (server, client) = setup().await;
    let name = op_name("flaky");
    server.insert(
        &name,
        Script::new()
            .metadata(&meta("a"))
            .metadata(&meta("b"))
            .respond(&IssueModel::default()),
    );
    let op = CreateIssueModelOperation::resume(&client, &name)
        .await
        .unwrap();
    server.fail_sequence(
        "GetOperation",
        [
            Fault::ResourceExhausted {
                retry_delay: Duration::from_secs(2),
            },
            Fault::DeadlineExceeded,
            Fault::DropConnection,
        ],
    );
    op.wait_with(fast()).await.unwrap();
}

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
    assert!(matches!(err, Error::ErrorWithOkCode { .. }), "{err:?}");

    let raw = ccai_lro::proto::google::longrunning::Operation {
        name: op_name("empty"),
        done: true,
        ..Default::default()
    };
    let op = UntypedOperation::new(client, raw);
    assert!(matches!(op.result(), Err(Error::DoneWithoutResult { .. })));
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
    let Error::TypeMismatch {
        field,
        expected,
        actual,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*field, "metadata");
    assert_eq!(expected, &DeployIssueModelMetadata::type_url());
    assert_eq!(actual, &CreateIssueModelMetadata::type_url());

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

struct FakeProvider(&'static str);
impl CredentialsProvider for FakeProvider {
    fn headers(&self) -> BoxFuture<'_, Result<http::HeaderMap, AuthError>> {
        Box::pin(async move {
            let mut h = http::HeaderMap::new();
            h.insert(
                http::header::AUTHORIZATION,
                format!("Bearer {}", self.0).parse().unwrap(),
            );
            Ok(h)
        })
    }
}

struct BrokenProvider;
impl CredentialsProvider for BrokenProvider {
    fn headers(&self) -> BoxFuture<'_, Result<http::HeaderMap, AuthError>> {
        Box::pin(async { Err(AuthError("metadata server unreachable".into())) })
    }
}

#[tokio::test(start_paused = true)]
async fn credentials_reach_the_server_and_failures_are_auth_errors() {
    let server = MockServer::builder()
        .require_bearer("s3cret-token")
        .start()
        .await;
    let name = op_name("auth");
    server.insert(&name, Script::new().respond(&IssueModel::default()));

    let good = Client::builder()
        .credentials(Credentials::from_provider(FakeProvider("s3cret-token")))
        .quota_project("billing-project")
        .build_with_channel(server.channel())
        .unwrap();
    good.get_operation(&name).await.unwrap();
    let req = &server.requests()[0];
    assert_eq!(req.header("authorization"), Some("Bearer s3cret-token"));
    assert_eq!(req.header("x-goog-user-project"), Some("billing-project"));
    let routing = format!("name={}", name.replace('/', "%2F"));
    assert_eq!(req.header("x-goog-request-params"), Some(routing.as_str()));
    let api_client = req.header("x-goog-api-client").unwrap();
    assert!(
        api_client.starts_with("gl-rust/")
            && api_client.contains(&format!("gccl/{}", env!("CARGO_PKG_VERSION"))),
        "{api_client}"
    );

    let anonymous = Client::from_channel(server.channel());
    let err = anonymous.get_operation(&name).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                status: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), Code::Unauthenticated);

    let broken = Client::builder()
        .credentials(Credentials::from_provider(BrokenProvider))
        .build_with_channel(server.channel())
        .unwrap();
    let err = broken.get_operation(&name).await.unwrap_err();
    assert!(
        matches!(&err, Error::Auth { status: None, message } if message.contains("metadata server")),
        "{err:?}"
    );
    assert!(!format!("{good:?}").contains("s3cret-token"));
}

#[tokio::test]
async fn credentials_are_never_sent_in_plaintext_to_other_hosts() {
    for endpoint in ["http://10.1.2.3:8080", "http://example.com"] {
        let err = Client::builder()
            .endpoint(endpoint)
            .credentials(Credentials::access_token("tok").unwrap())
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument(m) if m.contains("plaintext")),
            "{err:?}"
        );
        assert!(!err.to_string().contains("tok\""));
    }
    // Loopback emulators and anonymous plaintext are fine.
    Client::builder()
        .endpoint("http://127.0.0.1:9")
        .credentials(Credentials::access_token("t").unwrap())
        .build()
        .unwrap();
    Client::builder()
        .endpoint("http://example.com")
        .credentials(Credentials::anonymous())
        .build()
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn list_follows_every_page() {
    let (server, client) = setup().await;
    for i in 0..25 {
        server.insert(
            &op_name(&format!("op-{i:02}")),
            Script::new().respond(&IssueModel::default()),
        );
    }
    server.insert(
        "projects/other/locations/us-central1/operations/x",
        Script::new().never_done(),
    );
    let ops: Vec<_> = client
        .list_operations(
            PARENT,
            ListOptions {
                page_size: 10,
                ..Default::default()
            },
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ops.len(), 25);
    assert!(ops.iter().all(|o| o.name.starts_with(PARENT)));
    let lists = server
        .requests()
        .iter()
        .filter(|r| r.method == "ListOperations")
        .count();
    assert_eq!(lists, 3);
    let routing = server.requests()[0]
        .header("x-goog-request-params")
        .map(str::to_owned);
    assert_eq!(
        routing.as_deref(),
        Some("name=projects%2Fp%2Flocations%2Fus-central1")
    );
}

/// grpc-timeout in the wire format: digits and a unit letter.
fn grpc_timeout(value: &str) -> Duration {
    let (digits, unit) = value.split_at(value.len() - 1);
    let n: u64 = digits.parse().unwrap();
    match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        other => panic!("unit {other}"),
    }
}

#[tokio::test(start_paused = true)]
async fn deadlines_follow_the_published_service_configs() {
    let (server, client) = setup().await;
    let insights = InsightsClient::new(client.clone());
    let op = insights
        .create_issue_model(CreateIssueModelRequest {
            parent: PARENT.into(),
            issue_model: None,
        })
        .await
        .unwrap();
    client.get_operation(op.name()).await.unwrap();
    let sent: Vec<(String, Duration)> = server
        .requests()
        .iter()
        .map(|r| {
            (
                r.method.to_owned(),
                grpc_timeout(r.header("grpc-timeout").unwrap()),
            )
        })
        .collect();
    assert_eq!(
        sent[0],
        ("CreateIssueModel".to_owned(), Duration::from_secs(60))
    );
    assert_eq!(
        sent[1],
        ("GetOperation".to_owned(), Duration::from_secs(10))
    );

    // A server slower than the deadline: the client gives up on its own, once (not retryable).
    server.latency(
        "GetOperation",
        ccai_lro::mock::Latency::Fixed(Duration::from_secs(30)),
    );
    let started = tokio::time::Instant::now();
    let err = client.get_operation(op.name()).await.unwrap_err();
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(11),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn polls_in_flight_are_bounded_per_client() {
    let server = MockServer::start().await;
    let client = Client::builder()
        .max_concurrent_polls(4)
        .build_with_channel(server.channel())
        .unwrap();
    server.latency(
        "GetOperation",
        ccai_lro::mock::Latency::Fixed(Duration::from_secs(1)),
    );
    let t0 = tokio::time::Instant::now();
    let mut waits = Vec::new();
    for i in 0..20 {
        let name = op_name(&format!("bounded-{i}"));
        server.insert(&name, Script::new().metadata(&meta("x")).never_done());
        let raw = server.operation(&name).unwrap();
        let op = CreateIssueModelOperation::new(client.clone(), raw);
        let policy = fast().with_deadline(Duration::from_millis(3_500));
        waits.push(tokio::spawn(op.wait_with(policy)));
    }
    for w in waits {
        assert!(matches!(w.await.unwrap(), Err(Error::Timeout { .. })));
    }
    // All 20 want to poll at 1 s; each poll takes 1 s and only 4 may be in flight, so 4 arrive
    // in [1 s, 2 s) and 4 more in [2 s, 3 s).
    let arrived = |from: u64, to: u64| {
        let window = Duration::from_secs(from)..Duration::from_secs(to);
        server
            .requests()
            .iter()
            .filter(|r| window.contains(&(r.at - t0)))
            .count()
    };
    assert_eq!(arrived(0, 1), 0);
    assert_eq!(arrived(1, 2), 4);
    assert_eq!(arrived(2, 3), 4);
}
