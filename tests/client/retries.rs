//! Retries and per-call deadlines: UNAVAILABLE is retried, RetryInfo is honoured, deadlines
//! follow the published service configs.

use std::time::Duration;

use ccai_lro::{
    insights::InsightsClient,
    proto::google::cloud::contactcenterinsights::v1::{CreateIssueModelRequest, IssueModel},
    proto::google::rpc as pb,
    Client, Code, Error,
};
use ccai_lro_mock::{Fault, MockServer, Script};

use crate::{op_name, setup, PARENT};

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
    let client = Client::from_channel(server.channel());
    let name = op_name("quota");
    server.insert(&name, Script::new().respond(&IssueModel::default()));
    // UNAVAILABLE (retried, AIP-194) asking for 7 s: the retry waits that long.
    let retry = pb::RetryInfo {
        retry_delay: Some(prost_types::Duration {
            seconds: 7,
            nanos: 0,
        }),
    };
    let unavailable = pb::Status {
        code: pb::Code::Unavailable as i32,
        message: "busy".into(),
        details: vec![prost_types::Any::from_msg(&retry).unwrap()],
    };
    server.fail_sequence("GetOperation", [Fault::Status(unavailable)]);
    client.get_operation(&name).await.unwrap();
    let at: Vec<_> = server.requests().iter().map(|r| r.at).collect();
    assert_eq!(at.len(), 2);
    assert!(
        at[1] - at[0] >= Duration::from_secs(7),
        "retried after {:?}",
        at[1] - at[0]
    );

    // A one-shot call does not retry RESOURCE_EXHAUSTED: it surfaces with its RetryInfo (a
    // wait's polls ride it out, see polling.rs).
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
        ccai_lro_mock::Latency::Fixed(Duration::from_secs(30)),
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
