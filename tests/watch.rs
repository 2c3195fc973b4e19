//! The watcher against the mock: every operation's exact outcome once under faults, sweeps that
//! cost fewer calls, the poll budget, export and import across clients, adding and removing
//! while it runs. Time is tokio's paused clock.

use std::collections::HashMap;
use std::time::Duration;

use ccai_lro::{
    proto::google::cloud::contactcenterinsights::v1::{CreateIssueModelMetadata, IssueModel},
    proto::google::rpc::Code as PbCode,
    watch::{WatchOptions, Watcher},
    Client, Code, Error,
};
use ccai_lro_mock::{method, Fault, MockServer, Script};
use tokio::time::Instant;

fn name(location: usize, i: usize) -> String {
    format!("projects/p/locations/l{location}/operations/op-{i}")
}

fn model(i: usize) -> IssueModel {
    IssueModel {
        display_name: format!("model {i}"),
        ..Default::default()
    }
}

/// Operation `i` finishes after `secs` seconds: with a model, or (every fifth) failed.
fn script(i: usize, secs: u64) -> Script {
    let s = Script::new()
        .metadata(&CreateIssueModelMetadata::default())
        .every(Duration::from_secs(secs));
    if i.is_multiple_of(5) {
        s.fail(PbCode::FailedPrecondition, format!("op {i} failed"))
    } else {
        s.respond(&model(i))
    }
}

/// Drains the watcher: name → outcome, failing on any name reported twice.
async fn drain(watcher: &mut Watcher<IssueModel>) -> HashMap<String, Result<IssueModel, Error>> {
    let mut seen = HashMap::new();
    while let Some(f) = watcher.next().await {
        assert!(f.operation.as_ref().is_none_or(|op| op.done), "{}", f.name);
        let again = seen.insert(f.name.clone(), f.outcome);
        assert!(again.is_none(), "{} reported twice", f.name);
    }
    seen
}

fn check_outcomes(seen: &HashMap<String, Result<IssueModel, Error>>, expected: &[(String, usize)]) {
    assert_eq!(seen.len(), expected.len(), "every operation reported");
    for (n, i) in expected {
        match (&seen[n], i % 5) {
            (Ok(m), r) if r != 0 => assert_eq!(m, &model(*i), "{n}"),
            (Err(Error::OperationFailed { status, .. }), 0) => {
                assert_eq!(status.code(), Code::FailedPrecondition, "{n}");
                assert_eq!(status.message(), format!("op {i} failed"));
            }
            (other, _) => panic!("{n}: {other:?}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn every_outcome_once_under_faults() {
    let server = MockServer::builder()
        .ignore_filters(true)
        .max_page_size(150)
        .record_limit(usize::MAX)
        .start()
        .await;
    // Location 0 has a long history; location 3 holds a single operation (polled on its own).
    server.add_history("projects/p/locations/l0", 400);
    let mut expected = Vec::new();
    let mut watcher: Watcher<IssueModel> = Watcher::new(server.client());
    for i in 0..301 {
        let location = if i == 300 { 3 } else { i % 3 };
        let n = name(location, i);
        server.insert(&n, script(i, 5 + (i as u64 * 7) % 300));
        watcher.add(&n).unwrap();
        expected.push((n, i));
    }
    let faults = [
        Fault::Unavailable,
        Fault::ResourceExhausted {
            retry_delay: Duration::from_secs(2),
        },
        Fault::DropConnection,
    ];
    server.fail_rate(method::GET_OPERATION, 0.2, faults.clone());
    server.fail_rate(method::LIST_OPERATIONS, 0.2, faults);
    let seen = drain(&mut watcher).await;
    check_outcomes(&seen, &expected);
    let stats = watcher.stats();
    assert!(stats.pages > 0 && stats.bytes > 0, "{stats:?}");
    assert!(watcher.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_sweep_answers_for_a_thousand() {
    let server = MockServer::builder().record_limit(usize::MAX).start().await;
    let mut watcher: Watcher<IssueModel> = Watcher::new(server.client());
    let mut expected = Vec::new();
    for i in 0..1000 {
        let n = name(0, i);
        server.insert(&n, script(i, 10 + (i as u64 * 13) % 290));
        watcher.add(&n).unwrap();
        expected.push((n, i));
    }
    let started = Instant::now();
    let seen = drain(&mut watcher).await;
    check_outcomes(&seen, &expected);
    let calls = server.requests().len() as u64;
    // The last finishes at 299 s: one page every 15 s is about 21 calls, plus a few polls when
    // fewer operations remain than a sweep costs. Polling each would cost thousands.
    assert!(calls <= 30, "{calls} calls, {:?}", watcher.stats());
    assert_eq!(calls, watcher.stats().pages + watcher.stats().polls);
    assert!(started.elapsed() <= Duration::from_secs(299 + 15));
}

#[tokio::test(start_paused = true)]
async fn a_costly_listing_is_learned_and_left_for_polls() {
    let server = MockServer::builder()
        .ignore_filters(true)
        .record_limit(usize::MAX)
        .start()
        .await;
    let location = "projects/p/locations/l0";
    server.add_history(location, 2500);
    let mut watcher: Watcher<IssueModel> = Watcher::new(server.client());
    // Two operations that run for a minute, estimated at first as one page, fewer than two
    // polls: the first sweep takes three pages, more than polling the two, so the watcher
    // polls them from then on.
    for i in 1..3 {
        server.insert(&name(0, i), script(i, 60));
        watcher.add(&name(0, i)).unwrap();
    }
    assert_eq!(drain(&mut watcher).await.len(), 2);
    let count = |m: &str| server.requests().iter().filter(|r| r.method == m).count();
    assert_eq!(
        count(method::LIST_OPERATIONS),
        3,
        "one sweep of three pages"
    );
    assert!(count(method::GET_OPERATION) >= 2, "then polls");

    // Five: three pages are still fewer calls than five polls, so it keeps sweeping.
    server.clear_requests();
    let mut watcher: Watcher<IssueModel> = Watcher::new(server.client());
    for i in 10..15 {
        server.insert(&name(0, i), script(i, 60));
        watcher.add(&name(0, i)).unwrap();
    }
    assert_eq!(drain(&mut watcher).await.len(), 5);
    assert_eq!(count(method::GET_OPERATION), 0);
    assert_eq!(
        count(method::LIST_OPERATIONS) % 3,
        0,
        "whole sweeps of three pages"
    );
}

/// Requests in any window of one second, at most.
fn densest_second(at: &[Instant]) -> usize {
    (0..at.len())
        .map(|i| {
            at[i..]
                .iter()
                .take_while(|t| **t - at[i] < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(start_paused = true)]
async fn the_budget_holds_across_watcher_and_waits() {
    let server = MockServer::builder().record_limit(usize::MAX).start().await;
    let client = Client::builder()
        .max_polls_per_second(5.0)
        .build_with_channel(server.channel())
        .unwrap();
    let mut watcher: Watcher<IssueModel> = Watcher::new(client.clone());
    // One operation per location: each is polled on its own, the costliest case.
    for i in 0..30 {
        server.insert(&name(i, i), script(i + 1, 20));
        watcher.add(&name(i, i)).unwrap();
    }
    let waits: Vec<_> = (100..110)
        .map(|i| {
            server.insert(&name(i, i), script(1, 20));
            let op = ccai_lro::insights::CreateIssueModelOperation::from_name(
                client.clone(),
                &name(i, i),
            )
            .unwrap();
            tokio::spawn(op.wait())
        })
        .collect();
    assert_eq!(drain(&mut watcher).await.len(), 30);
    for w in waits {
        w.await.unwrap().unwrap();
    }
    let at: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    assert!(at.len() > 40, "{} requests", at.len());
    assert!(
        densest_second(&at) <= 5,
        "{} in one second",
        densest_second(&at)
    );
}

#[tokio::test(start_paused = true)]
async fn quota_errors_slow_the_whole_budget() {
    let server = MockServer::builder().record_limit(usize::MAX).start().await;
    let client = Client::builder()
        .max_polls_per_second(10.0)
        .build_with_channel(server.channel())
        .unwrap();
    let mut watcher: Watcher<IssueModel> = Watcher::new(client);
    for i in 0..20 {
        server.insert(&name(i, i), script(i + 1, 30));
        watcher.add(&name(i, i)).unwrap();
    }
    server.fail_sequence(
        method::GET_OPERATION,
        [Fault::ResourceExhausted {
            retry_delay: Duration::from_secs(5),
        }],
    );
    drain(&mut watcher).await;
    let at: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    // Nobody asked in the 5 s after the quota error, not only the call that got it.
    let gap = at.windows(2).map(|w| w[1] - w[0]).max().unwrap_or_default();
    assert!(gap >= Duration::from_secs(5), "largest gap {gap:?}");
    assert_eq!(
        at[1] - at[0],
        Duration::from_secs(5),
        "the second call waits out RetryInfo"
    );
}

#[tokio::test(start_paused = true)]
async fn export_then_import_in_a_new_client_resumes_all() {
    let server = MockServer::start().await;
    let mut first: Watcher<IssueModel> = Watcher::new(server.client());
    let mut expected = Vec::new();
    for i in 0..60 {
        let n = name(i % 2, i);
        server.insert(&n, script(i, 10 + i as u64 * 5));
        first.add(&n).unwrap();
        expected.push((n, i));
    }
    let mut seen = HashMap::new();
    while seen.len() < 20 {
        let f = first.next().await.unwrap();
        seen.insert(f.name, f.outcome);
    }
    let mut saved = Vec::new();
    first.export(&mut saved).unwrap();
    drop(first);
    assert_eq!(String::from_utf8_lossy(&saved).lines().count(), 40);

    // Another process: a new client, the saved lines.
    let mut second: Watcher<IssueModel> = Watcher::with_options(
        Client::from_channel(server.channel()),
        WatchOptions::default().with_lag(Duration::from_secs(5)),
    );
    assert_eq!(second.import(saved.as_slice()).unwrap(), 40);
    for (n, outcome) in drain(&mut second).await {
        assert!(
            seen.insert(n.clone(), outcome).is_none(),
            "{n} reported twice"
        );
    }
    check_outcomes(&seen, &expected);
}

#[tokio::test(start_paused = true)]
async fn import_refuses_what_it_cannot_trust() {
    let server = MockServer::start().await;
    let mut watcher: Watcher<IssueModel> = Watcher::new(server.client());
    let other = r#"{"name":"projects/p/locations/l/operations/1","response":"type.googleapis.com/acme.Other","metadata":null}"#;
    let err = watcher
        .import(format!("\n{other}\n").as_bytes())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("line 2: response type type.googleapis.com/acme.Other"),
        "{err}"
    );
    let err = watcher.import(&b"{\"name\": 7}"[..]).unwrap_err();
    assert!(err.to_string().contains("line 1: no \"name\""), "{err}");
    let err = watcher
        .import(&b"{\"name\": \"projects/p/operations/1\"}"[..])
        .unwrap_err();
    assert!(err.to_string().contains("invalid resource name"), "{err}");
    assert!(watcher.is_empty());
    // Another domain for the same type is the same type.
    let same = r#"{"name":"projects/p/locations/l/operations/2","response":"/google.cloud.contactcenterinsights.v1.IssueModel","metadata":null}"#;
    assert_eq!(watcher.import(same.as_bytes()).unwrap(), 1);
}

#[tokio::test(start_paused = true)]
async fn adding_and_removing_while_it_runs() {
    let server = MockServer::start().await;
    let mut watcher: Watcher<IssueModel> = Watcher::new(server.client());
    for i in 1..4 {
        server.insert(&name(0, i), script(i, 10 * i as u64));
        watcher.add(&name(0, i)).unwrap();
    }
    let handle = watcher.handle();
    let late = name(0, 7);
    server.insert(&late, script(7, 40));
    let adder = tokio::spawn({
        let (handle, late) = (handle.clone(), late.clone());
        async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            handle.add(&late).unwrap();
            assert!(handle.remove(&name(0, 3)), "op 3 was watched");
        }
    });
    let seen = drain(&mut watcher).await;
    adder.await.unwrap();
    let mut names: Vec<&String> = seen.keys().collect();
    names.sort();
    assert_eq!(names, [&name(0, 1), &name(0, 2), &late]);
}
