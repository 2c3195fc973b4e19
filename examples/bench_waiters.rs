//! 10,000 operations waited on at once through one client, and the memory that takes.
//!
//! ```sh
//! cargo run --release --example bench_waiters
//! ```
//!
//! Every operation is scripted on the in-process mock to finish at its own moment between 1 s
//! and 4 s of real time; 10,000 tasks each `wait_with` a polling policy suited to jobs of a few
//! seconds, on one client (one in-memory HTTP/2 connection) and a 2-worker runtime. Each result
//! is checked against the model its operation was given. Peak RSS is the process's `VmHWM`:
//! client, mock server and runtime together.

use std::time::{Duration, Instant};

#[path = "support/rss.rs"]
mod rss;
use rss::{peak_rss_mib, rss_mib};

use ccai_lro::backoff::Backoff;
use ccai_lro::insights::CreateIssueModelOperation;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    CreateIssueModelMetadata, IssueModel,
};
use ccai_lro::{Client, PollPolicy};
use ccai_lro_mock::{MockServer, Script};
use tokio::task::JoinSet;

const WAITERS: usize = 10_000;
/// Operations finish between FIRST and FIRST + SPREAD after they are created.
const FIRST: Duration = Duration::from_secs(1);
const SPREAD: Duration = Duration::from_secs(3);

/// Jobs of a few seconds: first look after 250 ms, then ×1.5 up to 1 s between polls (lag
/// under a second), and 50 % jitter so 10,000 waits started together spread their polls
/// instead of arriving in lockstep; a deadline well past the last finish.
fn policy() -> PollPolicy {
    PollPolicy::new(
        Backoff::new(Duration::from_millis(250), 1.5, Duration::from_secs(1)).with_jitter(0.5),
    )
    .with_deadline(Duration::from_secs(60))
}

fn name(i: usize) -> String {
    format!("projects/bench/locations/us-central1/operations/{i}")
}

fn model(i: usize) -> IssueModel {
    IssueModel {
        name: format!("projects/bench/locations/us-central1/issueModels/{i}"),
        display_name: format!("model {i}"),
        issue_count: i as i64,
        ..Default::default()
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // Nothing recorded: the server's request log is a test aid, not part of what we measure.
    let server = MockServer::builder().record_limit(0).start().await;
    let client = Client::from_channel(server.channel());
    for i in 0..WAITERS {
        let finish = FIRST + SPREAD.mul_f64(i as f64 / WAITERS as f64);
        let script = Script::new()
            .metadata(&CreateIssueModelMetadata::default())
            .respond(&model(i))
            .every(finish);
        server.insert(&name(i), script);
    }

    // What the waiters add is measured from here: runtime, client and the mock's operations
    // are already resident.
    let before = rss_mib();
    let started = Instant::now();
    let mut waiters = JoinSet::new();
    for i in 0..WAITERS {
        let client = client.clone();
        waiters.spawn(async move {
            let op = CreateIssueModelOperation::resume(&client, &name(i)).await?;
            op.wait_with(policy()).await.map(|m| (i, m))
        });
    }
    let mut ok = 0;
    while let Some(joined) = waiters.join_next().await {
        match joined.expect("waiter panicked") {
            Ok((i, m)) if m == model(i) => ok += 1,
            Ok((i, m)) => eprintln!("operation {i}: wrong model {m:?}"),
            Err(e) => eprintln!("wait failed: {e}"),
        }
    }
    let elapsed = started.elapsed();
    println!(
        "{WAITERS} waits (finishing {:?}..{:?}) done in {elapsed:.2?}",
        FIRST,
        FIRST + SPREAD
    );
    let peak = peak_rss_mib();
    println!(
        "waiters: {ok} ok, peak rss {peak:.1} MiB ({before:.1} MiB before the waits began: \
         {:.0} bytes per waiter at the peak)",
        (peak - before) * 1_048_576.0 / WAITERS as f64
    );
}
