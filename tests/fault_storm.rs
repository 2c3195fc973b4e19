//! Fault storm: 1,000 operations waited on concurrently through one client while the mock fails
//! 30 % of the polls (UNAVAILABLE, or RESOURCE_EXHAUSTED with RetryInfo), drops 2 % of the
//! connections and jitters every answer. Every wait must come back with exactly what its script
//! said — the response, the failure with its status and details, or a timeout at its deadline —
//! and never run past its deadline by more than 10 %. Time is tokio's paused clock, so the storm
//! covers hours of polling in a few seconds of wall time.
//!
//! `cargo test --test fault_storm -- --nocapture` prints the figures. The storm first ran with
//! every waiter on one connection; a wait then overshot its 35 s deadline by 12 % (a poll still
//! retrying when the deadline passed), which `deadline_bounds_a_poll_in_flight` now pins down.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ccai_lro::{
    backoff::Backoff,
    insights::CreateIssueModelOperation,
    proto::google::cloud::contactcenterinsights::v1::{
        CreateIssueModelMetadata, CreateIssueModelRequest, IssueModel,
    },
    proto::google::rpc::{self as pb, bad_request::FieldViolation, BadRequest, ErrorInfo},
    Client, Code, Error, PollPolicy, RetryPolicy, Status,
};
use ccai_lro_mock::{method, Fault, Latency, MockServer, Script};
use prost::{Message, Name};
use prost_types::Any;
use tokio::time::Instant;

const SEED: u64 = 0x5707_2026;
const OPERATIONS: usize = 1_000;
const CONNECTIONS: usize = 50;
const PARENT: &str = "projects/storm/locations/us-central1";

/// What one operation's script ends with, and so what its wait must return.
enum Expected {
    Response(IssueModel),
    Failed(pb::Status),
    Timeout,
}

fn name(i: usize) -> String {
    format!("{PARENT}/operations/storm-{i}")
}

fn pack<M: Message + Name>(m: &M) -> Any {
    Any {
        type_url: M::type_url(),
        value: m.encode_to_vec(),
    }
}

fn metadata(i: usize, step: usize) -> CreateIssueModelMetadata {
    CreateIssueModelMetadata {
        request: Some(CreateIssueModelRequest {
            parent: PARENT.into(),
            issue_model: Some(IssueModel {
                display_name: format!("model-{i} step-{step}"),
                ..Default::default()
            }),
        }),
        ..Default::default()
    }
}

/// A distinct failure: its code cycles through the 16 non-OK codes, its message and details
/// name the operation, and one detail is of a type the client does not know.
fn failure(i: usize) -> pb::Status {
    let code = 1 + (i % 16) as i32;
    pb::Status {
        code,
        message: format!("operation {i} failed on purpose"),
        details: vec![
            pack(&ErrorInfo {
                reason: format!("STORM_{i}"),
                domain: "storm.example.com".into(),
                metadata: HashMap::from([("index".to_owned(), i.to_string())]),
            }),
            pack(&BadRequest {
                field_violations: vec![FieldViolation {
                    field: format!("issue_model[{i}]"),
                    description: "scripted".into(),
                    ..Default::default()
                }],
            }),
            Any {
                type_url: "type.example.com/storm.Unknown".into(),
                value: i.to_le_bytes().to_vec(),
            },
        ],
    }
}

/// Operation `i`'s script, what its wait must return, and its wait deadline.
fn plan(i: usize) -> (Script, Expected, Duration) {
    let steps = 1 + i % 4;
    let mut script = Script::new();
    for step in 0..steps {
        script = script.metadata(&metadata(i, step));
    }
    // Half the operations advance per successful poll, half on tokio time.
    script = if i.is_multiple_of(2) {
        script.every_polls(1)
    } else {
        script.every(Duration::from_secs(1 + (i % 3) as u64))
    };
    match i % 10 {
        // Never done: the wait stops at its deadline, 20–45 s.
        9 => (
            script.never_done(),
            Expected::Timeout,
            Duration::from_secs(20 + (i % 6) as u64 * 5),
        ),
        3 | 6 => {
            let status = failure(i);
            (
                script.fail_status(status.clone()),
                Expected::Failed(status),
                Duration::from_secs(3_600),
            )
        }
        _ => {
            let model = IssueModel {
                name: format!("{PARENT}/issueModels/m{i}"),
                display_name: format!("model-{i}"),
                ..Default::default()
            };
            (
                script.respond(&model),
                Expected::Response(model),
                Duration::from_secs(3_600),
            )
        }
    }
}

/// Counts what the client logged about failed calls: retried attempts inside a call, and polls
/// that failed after the call gave up (or that are not retried by the call at all).
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<HashMap<&'static str, usize>>>);

impl Seen {
    fn bump(&self, key: &'static str) {
        *self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_default() += 1;
    }

    fn get(&self, key: &'static str) -> usize {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .copied()
            .unwrap_or_default()
    }
}

impl io::Write for Seen {
    // tracing-subscriber's fmt layer writes each event as one line in one call.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let line = String::from_utf8_lossy(buf);
        let kind = if line.contains("retrying") {
            "retried"
        } else if line.contains("polling on") {
            "poll_failed"
        } else {
            return Ok(buf.len());
        };
        self.bump(kind);
        // The error field, not the span's `code` (a transport error also reads UNAVAILABLE).
        let error = line.split_once(" error=").map_or("", |(_, e)| e);
        // Each error's line starts with its code's name, then the method.
        if error.starts_with("UNAVAILABLE: GetOperation: no answer from the server") {
            self.bump("transport");
        } else if error.starts_with("UNAVAILABLE: GetOperation: ") {
            self.bump("unavailable");
        } else if error.starts_with("RESOURCE_EXHAUSTED: GetOperation: ") {
            self.bump("resource_exhausted");
        } else {
            self.bump("other");
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn fault_storm() {
    let wall = std::time::Instant::now();
    let seen = Seen::default();
    let writer = seen.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .without_time()
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // 32 % of polls fail: 15 of the 16 faults are statuses (30 %), one drops the connection (2 %).
    let mut faults = Vec::new();
    for k in 0..15 {
        faults.push(if k % 2 == 0 {
            Fault::Unavailable
        } else {
            Fault::ResourceExhausted {
                retry_delay: Duration::from_millis(500 + 250 * k),
            }
        });
    }
    faults.push(Fault::DropConnection);
    let server = MockServer::builder()
        .seed(SEED)
        .record_limit(usize::MAX)
        .fail_rate(method::GET_OPERATION, 0.32, faults)
        .latency(
            method::GET_OPERATION,
            Latency::Range(Duration::from_millis(1), Duration::from_millis(400)),
        )
        .start()
        .await;
    // Waiters share connections, CONNECTIONS of them: a dropped connection fails every call in
    // flight on it, as a reset HTTP/2 connection does.
    let clients: Vec<Client> = (0..CONNECTIONS)
        .map(|_| {
            Client::builder()
                .retry(RetryPolicy::default())
                .timeout(Duration::from_secs(10))
                .build_with_channel(server.channel())
                .unwrap()
        })
        .collect();
    let backoff =
        Backoff::new(Duration::from_millis(500), 1.5, Duration::from_secs(5)).with_jitter(0.2);

    let mut waits = Vec::with_capacity(OPERATIONS);
    let mut expected = Vec::with_capacity(OPERATIONS);
    for i in 0..OPERATIONS {
        let (script, outcome, deadline) = plan(i);
        let name = name(i);
        server.insert(&name, script);
        // The handle starts from the server's current view, which does not count as a poll.
        let raw = server.operation(&name).unwrap();
        let op = CreateIssueModelOperation::new(clients[i % CONNECTIONS].clone(), raw);
        let policy = PollPolicy::default()
            .with_backoff(backoff)
            .with_deadline(deadline);
        expected.push((name, outcome, deadline));
        waits.push(async move {
            let started = Instant::now();
            let result = op.wait_with(policy).await;
            (result, started.elapsed())
        });
    }
    let results = futures_util::future::join_all(waits).await;
    let tokio_span = results.iter().map(|(_, e)| *e).max().unwrap_or_default();

    let (mut responses, mut failures, mut timeouts) = (0, 0, 0);
    for ((result, elapsed), (name, outcome, deadline)) in results.into_iter().zip(&expected) {
        let slack = *deadline + *deadline / 10;
        assert!(
            elapsed <= slack,
            "{name}: waited {elapsed:?}, deadline {deadline:?}"
        );
        match (outcome, result) {
            (Expected::Response(want), Ok(got)) => {
                assert_eq!(&got, want, "{name}");
                responses += 1;
            }
            (Expected::Failed(want), Err(Error::OperationFailed { name: n, status })) => {
                assert_eq!(&n, name);
                assert_eq!(status, Status::from(want.clone()), "{name}");
                assert_eq!(status.raw_code(), want.code);
                assert_eq!(status.details().len(), 3, "{name}");
                assert_eq!(status.to_proto(), *want, "{name}");
                failures += 1;
            }
            (Expected::Timeout, Err(Error::Timeout { name: n, waited })) => {
                assert_eq!(&n, name);
                assert!(
                    elapsed >= *deadline,
                    "{name}: timed out after {elapsed:?}, before its deadline {deadline:?}"
                );
                assert!(waited >= *deadline && waited <= slack, "{name}: {waited:?}");
                assert_eq!(
                    Error::Timeout { name: n, waited }.code(),
                    Code::DeadlineExceeded
                );
                timeouts += 1;
            }
            (_, other) => panic!("{name}: unexpected result {other:?}"),
        }
    }
    assert_eq!((responses, failures, timeouts), (700, 200, 100));

    // The storm happened: the client saw each kind of fault.
    let requests = server.requests();
    let polls = requests
        .iter()
        .filter(|r| r.method == method::GET_OPERATION)
        .count();
    let failed = seen.get("retried") + seen.get("poll_failed");
    let (unavailable, exhausted, transport, other) = (
        seen.get("unavailable"),
        seen.get("resource_exhausted"),
        seen.get("transport"),
        seen.get("other"),
    );
    eprintln!(
        "fault storm: {OPERATIONS} waits, {polls} GetOperation RPCs, {failed} failed calls seen \
         ({unavailable} UNAVAILABLE, {exhausted} RESOURCE_EXHAUSTED, {transport} transport, \
         {other} other; {} retried inside a call, {} ended a poll), {CONNECTIONS} connections, \
         {:?} of tokio time, {:?} wall",
        seen.get("retried"),
        seen.get("poll_failed"),
        tokio_span,
        wall.elapsed(),
    );
    assert_eq!(requests.len(), polls, "only GetOperation was called");
    assert!(
        unavailable > 0 && exhausted > 0 && transport > 0,
        "faults were injected"
    );
    assert_eq!(other, 0, "no failure outside the injected ones");
    // About 30 % of the polls failed with a status (the drops kill every call in flight on the
    // connection, so transport errors are not counted against the 2 %).
    let statuses = unavailable + exhausted;
    assert!(
        statuses * 100 >= polls * 20 && statuses * 100 <= polls * 40,
        "{statuses} status faults in {polls} polls"
    );
}

/// The regression the storm found: a poll in flight when the deadline passes (a slow answer,
/// or a call still retrying) used to run to its end, overshooting the wait's deadline.
#[tokio::test(start_paused = true)]
async fn deadline_bounds_a_poll_in_flight() {
    let server = MockServer::builder()
        .latency(
            method::GET_OPERATION,
            Latency::Fixed(Duration::from_secs(25)),
        )
        .start()
        .await;
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .build_with_channel(server.channel())
        .unwrap();
    let name = name(0);
    server.insert(&name, Script::new().metadata(&metadata(0, 0)).never_done());
    let op = CreateIssueModelOperation::new(client, server.operation(&name).unwrap());
    let deadline = Duration::from_secs(10);
    let started = Instant::now();
    let result = op
        .wait_with(PollPolicy::default().with_deadline(deadline))
        .await;
    let elapsed = started.elapsed();
    assert!(
        matches!(&result, Err(Error::Timeout { name: n, .. }) if *n == name),
        "{result:?}"
    );
    assert!(
        elapsed >= deadline && elapsed <= deadline + deadline / 10,
        "waited {elapsed:?} for a {deadline:?} deadline"
    );
}
