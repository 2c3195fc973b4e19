//! Scripts advancing per poll and per period of tokio time, and their outcomes.

use std::time::Duration;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1 as insights;
use ccai_lro::proto::google::rpc;
use ccai_lro_mock::{MockServer, Script};

use crate::{error_of, get, name, ops, response_of, two_step};

#[tokio::test]
async fn scripts_advance_by_polls() {
    let server = MockServer::start().await;
    let n = name("polls");
    server.insert(&n, two_step().every_polls(2));
    let mut c = ops(&server);
    let mut done = Vec::new();
    for _ in 0..5 {
        done.push(get(&mut c, &n).await.unwrap().done);
    }
    assert_eq!(done, [false, false, false, true, true]);
    let op = get(&mut c, &n).await.unwrap();
    assert_eq!(
        response_of(&op).unwrap().type_url,
        "type.googleapis.com/google.cloud.contactcenterinsights.v1.DeployIssueModelResponse"
    );
    assert!(op.metadata.is_some());
    // Peeking from the test does not count as a poll.
    server.insert(&name("peek"), two_step());
    for _ in 0..5 {
        assert!(!server.operation(&name("peek")).unwrap().done);
    }
}

#[tokio::test(start_paused = true)]
async fn scripts_advance_by_paused_time() {
    let server = MockServer::start().await;
    let n = name("timed");
    server.insert(&n, two_step().every(Duration::from_secs(10)));
    let mut c = ops(&server);
    assert!(!get(&mut c, &n).await.unwrap().done);
    tokio::time::sleep(Duration::from_secs(19)).await;
    assert!(!get(&mut c, &n).await.unwrap().done);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(get(&mut c, &n).await.unwrap().done);
}

#[tokio::test]
async fn failing_and_never_ending_scripts() {
    let server = MockServer::start().await;
    let mut c = ops(&server);
    let failed = rpc::Status {
        code: rpc::Code::FailedPrecondition as i32,
        message: "not enough conversations".into(),
        details: vec![prost_types::Any::from_msg(&rpc::ErrorInfo {
            reason: "TOO_FEW".into(),
            ..Default::default()
        })
        .unwrap()],
    };
    server.insert(&name("fails"), Script::new().fail_status(failed.clone()));
    let op = get(&mut c, &name("fails")).await.unwrap();
    assert!(op.done);
    assert_eq!(error_of(&op), Some(&failed));

    server.insert(
        &name("never"),
        Script::running(&insights::IngestConversationsMetadata::default()),
    );
    for _ in 0..10 {
        assert!(!get(&mut c, &name("never")).await.unwrap().done);
    }
}
