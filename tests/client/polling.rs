//! The polling policy: progress items, failed polls judged by the poll-error policy, and a
//! deadline that bounds everything a wait does, its first request included.

use std::time::Duration;

use ccai_lro::{
    backoff::Backoff,
    insights::CreateIssueModelOperation,
    poll::{Aip194Strict, PollErrorPolicyExt},
    proto::google::cloud::contactcenterinsights::v1::{CreateIssueModelMetadata, IssueModel},
    Code, Error, PollPolicy, Progress,
};
use ccai_lro_mock::{method, Fault, Latency, MockServer, Script};
use futures_util::StreamExt;
use tokio::time::Instant;

const NAME: &str = "projects/p/locations/l/operations/1";

fn steady() -> PollPolicy {
    PollPolicy::new(Backoff::new(
        Duration::from_secs(1),
        1.0,
        Duration::from_secs(1),
    ))
}

/// Waits on `NAME` with `policy` and checks that the wait ends with a timeout exactly at
/// `deadline` (tokio's paused clock).
async fn times_out_at(server: &MockServer, policy: PollPolicy, deadline: Duration) {
    let op = CreateIssueModelOperation::from_name(server.client(), NAME).unwrap();
    let started = Instant::now();
    let err = op
        .wait_with(policy.with_deadline(deadline))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(started.elapsed(), deadline);
}

/// The next GetOperation answers RESOURCE_EXHAUSTED, asking for `secs` seconds.
fn quota_once(server: &MockServer, secs: u64) {
    server.fail_sequence(
        method::GET_OPERATION,
        [Fault::ResourceExhausted {
            retry_delay: Duration::from_secs(secs),
        }],
    );
}

fn two_steps() -> Script {
    let m = CreateIssueModelMetadata::default();
    Script::new()
        .metadata(&m)
        .metadata(&m)
        .respond(&IssueModel {
            display_name: "ok".into(),
            ..Default::default()
        })
}

#[tokio::test(start_paused = true)]
async fn failed_polls_are_items_and_polling_goes_on() {
    let server = MockServer::start().await;
    server.insert(NAME, two_steps());
    server.fail_sequence(
        method::GET_OPERATION,
        [
            Fault::Unavailable,
            Fault::Ok,
            Fault::ResourceExhausted {
                retry_delay: Duration::from_secs(3),
            },
        ],
    );
    let mut op = CreateIssueModelOperation::from_name(server.client(), NAME).unwrap();
    let items: Vec<_> = op.progress_with(steady()).collect().await;
    let kinds: Vec<&str> = items
        .iter()
        .map(|i| match i {
            Ok(Progress::Running(_)) => "running",
            Ok(Progress::Retrying(_)) => "retrying",
            Ok(Progress::Done(_)) => "done",
            Ok(_) => "other",
            Err(_) => "err",
        })
        .collect();
    // A failed call does not advance the script; each answered poll does, so the second
    // answered poll finds it done.
    assert_eq!(kinds, ["retrying", "running", "retrying", "done"]);
}

#[tokio::test(start_paused = true)]
async fn a_strict_policy_ends_on_quota_errors() {
    let server = MockServer::start().await;
    server.insert(NAME, two_steps());
    quota_once(&server, 1);
    let op = CreateIssueModelOperation::from_name(server.client(), NAME).unwrap();
    let err = op
        .wait_with(steady().with_errors(Aip194Strict))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn an_attempt_limit_bounds_the_failures_in_a_row() {
    let server = MockServer::start().await;
    server.insert(NAME, two_steps());
    server.fail_rate(method::GET_OPERATION, 1.0, [Fault::Unavailable]);
    let op = CreateIssueModelOperation::from_name(server.client(), NAME).unwrap();
    let policy = steady().with_errors(ccai_lro::poll::Lenient.with_attempt_limit(4));
    let err = op.wait_with(policy).await.unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    assert_eq!(
        server.requests().len(),
        4,
        "one attempt per poll, four polls"
    );
}

#[tokio::test(start_paused = true)]
async fn the_deadline_bounds_a_first_request_that_never_answers() {
    let server = MockServer::start().await;
    server.insert(NAME, two_steps());
    server.latency(
        method::GET_OPERATION,
        Latency::Fixed(Duration::from_secs(3600)),
    );
    times_out_at(&server, steady(), Duration::from_secs(1)).await;
}

#[tokio::test(start_paused = true)]
async fn a_first_poll_that_fails_is_retried_within_the_deadline() {
    let server = MockServer::start().await;
    server.insert(NAME, two_steps());
    server.fail_sequence(
        method::GET_OPERATION,
        [Fault::Unavailable, Fault::Unavailable],
    );
    let op = CreateIssueModelOperation::from_name(server.client(), NAME).unwrap();
    let model = op
        .wait_with(steady().with_deadline(Duration::from_secs(30)))
        .await
        .unwrap();
    assert_eq!(model.display_name, "ok");
    // Always failing: the deadline, not the failures, ends it.
    server.fail_rate(method::GET_OPERATION, 1.0, [Fault::Unavailable]);
    times_out_at(&server, steady(), Duration::from_secs(5)).await;
}

#[tokio::test(start_paused = true)]
async fn a_retry_info_past_the_deadline_does_not_outlast_it() {
    let server = MockServer::start().await;
    server.insert(NAME, two_steps());
    quota_once(&server, 36_000);
    // Delays of 1 s that may grow to an hour: the server's ten hours are capped at one, and the
    // deadline cuts that.
    let patient = PollPolicy::new(Backoff::new(
        Duration::from_secs(1),
        1.0,
        Duration::from_secs(3600),
    ));
    times_out_at(&server, patient, Duration::from_secs(10)).await;
}

#[tokio::test(start_paused = true)]
async fn a_one_shot_call_stays_within_its_budget() {
    use ccai_lro::proto::google::rpc::{RetryInfo, Status};
    let server = MockServer::start().await;
    server.insert(NAME, two_steps());
    // UNAVAILABLE is retried, but the server asks for ten hours: past the call's budget
    // (30 s), so the call gives up at once instead of sleeping.
    let retry = RetryInfo {
        retry_delay: Some(prost_types::Duration {
            seconds: 36_000,
            nanos: 0,
        }),
    };
    let unavailable = Status {
        code: Code::Unavailable as i32,
        message: "come back tomorrow".into(),
        details: vec![prost_types::Any::from_msg(&retry).unwrap()],
    };
    server.fail_sequence(method::GET_OPERATION, [Fault::Status(unavailable)]);
    let started = Instant::now();
    let err = server.client().get_operation(NAME).await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    assert_eq!(err.retry_delay(), Some(Duration::from_secs(36_000)));
    assert_eq!(server.requests().len(), 1);

    // Plain UNAVAILABLE: retried with backoff, all within the budget.
    server.clear_requests();
    server.fail_sequence(method::GET_OPERATION, [const { Fault::Unavailable }; 10]);
    let started = Instant::now();
    let err = server.client().get_operation(NAME).await.unwrap_err();
    assert!(started.elapsed() <= ccai_lro::retry::DEFAULT_BUDGET);
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    assert_eq!(server.requests().len(), 5, "the policy's five attempts");
}

#[tokio::test(start_paused = true)]
async fn a_handle_from_a_name_polls_at_once_then_backs_off_from_the_first_step() {
    let server = MockServer::start().await;
    server.insert(
        NAME,
        Script::new()
            .metadata(&CreateIssueModelMetadata::default())
            .never_done(),
    );
    let mut op = CreateIssueModelOperation::from_name(server.client(), NAME).unwrap();
    let doubling = PollPolicy::new(Backoff::new(
        Duration::from_secs(1),
        2.0,
        Duration::from_secs(60),
    ))
    .with_deadline(Duration::from_secs(20));
    let started = Instant::now();
    let _ = op.progress_with(doubling).collect::<Vec<_>>().await;
    let at: Vec<u64> = server
        .requests()
        .iter()
        .map(|r| (r.at - started).as_secs())
        .collect();
    // At once, then 1, 2, 4, 8 s apart: the immediate poll is not a backoff step.
    assert_eq!(at, [0, 1, 3, 7, 15]);
}

#[tokio::test(start_paused = true)]
async fn a_server_asked_delay_is_capped_by_the_policys_longest() {
    let server = MockServer::start().await;
    server.insert(NAME, two_steps());
    quota_once(&server, 36_000);
    let op = CreateIssueModelOperation::from_name(server.client(), NAME).unwrap();
    let capped = PollPolicy::new(Backoff::new(
        Duration::from_secs(1),
        2.0,
        Duration::from_secs(8),
    ));
    let started = Instant::now();
    // No deadline: only the cap keeps the wait from sleeping ten hours.
    op.wait_with(capped).await.unwrap();
    assert!(
        started.elapsed() <= Duration::from_secs(8 + 2 + 4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn unreadable_metadata_is_an_item_and_polling_goes_on() {
    let server = MockServer::start().await;
    let corrupt = prost_types::Any {
        type_url:
            "type.googleapis.com/google.cloud.contactcenterinsights.v1.CreateIssueModelMetadata"
                .into(),
        value: vec![0xff, 0xff, 0xff],
    };
    let script = Script::new()
        .metadata_any(corrupt.clone())
        .metadata_any(corrupt)
        .metadata(&CreateIssueModelMetadata::default())
        .respond(&IssueModel::default());
    server.insert(NAME, script);
    let mut op = CreateIssueModelOperation::from_name(server.client(), NAME).unwrap();
    let items: Vec<_> = op.progress_with(steady()).collect().await;
    assert!(
        matches!(
            &items[0],
            Ok(Progress::MetadataUnreadable(Error::Corrupt { .. }))
        ),
        "{items:?}"
    );
    assert!(
        matches!(items.last(), Some(Ok(Progress::Done(_)))),
        "{items:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_call_budget_cuts_a_slow_attempt() {
    let server = MockServer::start().await;
    server.insert(NAME, two_steps());
    server.latency(
        method::GET_OPERATION,
        Latency::Fixed(Duration::from_secs(5)),
    );
    let client = ccai_lro::Client::builder()
        .retry(ccai_lro::RetryPolicy::default().with_budget(Duration::from_secs(3)))
        .build_with_channel(server.channel())
        .unwrap();
    let started = Instant::now();
    let err = client.get_operation(NAME).await.unwrap_err();
    // The attempt's deadline was shortened to the budget: no 10 s attempt, no retry after it.
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn a_long_wait_operation_is_not_cut_by_the_call_budget() {
    let server = MockServer::builder().delete_and_wait(true).start().await;
    server.insert(
        NAME,
        Script::new()
            .metadata(&CreateIssueModelMetadata::default())
            .never_done(),
    );
    let started = Instant::now();
    // The server holds the call for 60 s, past the default 30 s budget of one-shot calls.
    let op = server
        .client()
        .wait_operation(NAME, Some(Duration::from_secs(60)))
        .await
        .unwrap();
    assert!(!op.done);
    assert_eq!(started.elapsed(), Duration::from_secs(60));
}
