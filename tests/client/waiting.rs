//! Waiting: a deadline stops the wait (not the operation), polls follow the backoff, a failed
//! poll does not end a wait, and polls in flight are bounded per client.

use std::time::Duration;

use ccai_lro::{
    backoff::Backoff, insights::CreateIssueModelOperation,
    proto::google::cloud::contactcenterinsights::v1::IssueModel, Client, Error, PollPolicy,
};
use ccai_lro_mock::{Fault, MockServer, Script};
use futures_util::StreamExt;

use crate::{fast, meta, op_name, setup};

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
    let backoff =
        Backoff::new(Duration::from_secs(2), 2.0, Duration::from_secs(16)).with_jitter(0.5);
    let policy = PollPolicy::default()
        .with_backoff(backoff)
        .with_deadline(Duration::from_secs(200));
    let _ = op.progress_with(policy).collect::<Vec<_>>().await;
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
async fn polls_in_flight_are_bounded_per_client() {
    let server = MockServer::start().await;
    let client = Client::builder()
        .max_concurrent_polls(4)
        .build_with_channel(server.channel())
        .unwrap();
    server.latency(
        "GetOperation",
        ccai_lro_mock::Latency::Fixed(Duration::from_secs(1)),
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
