//! 10,000 operations watched at once by one watcher, and the memory and calls that takes.
//!
//! ```sh
//! cargo run --release --example bench_watch
//! ```
//!
//! The same operations as `bench_waiters` (in-process mock, finishing between 1 s and 4 s of
//! real time, each result checked), spread over 10 locations, watched by one
//! [`Watcher`](ccai_lro::watch::Watcher) instead of 10,000 waits. Peak RSS is the process's
//! `VmHWM`: client, mock server (10,000 operations) and runtime together.

use std::time::{Duration, Instant};

#[path = "support/rss.rs"]
mod rss;
use rss::peak_rss_mib;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    CreateIssueModelMetadata, IssueModel,
};
use ccai_lro::watch::Watcher;
use ccai_lro::Client;
use ccai_lro_mock::{MockServer, Script};

const OPERATIONS: usize = 10_000;
const LOCATIONS: usize = 10;
const FIRST: Duration = Duration::from_secs(1);
const SPREAD: Duration = Duration::from_secs(3);

fn name(i: usize) -> String {
    format!("projects/bench/locations/l{}/operations/{i}", i % LOCATIONS)
}

fn model(i: usize) -> IssueModel {
    IssueModel {
        name: format!(
            "projects/bench/locations/l{}/issueModels/{i}",
            i % LOCATIONS
        ),
        display_name: format!("model {i}"),
        issue_count: i as i64,
        ..Default::default()
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let server = MockServer::builder().record_limit(0).start().await;
    let mut watcher: Watcher<IssueModel, CreateIssueModelMetadata> =
        Watcher::new(Client::from_channel(server.channel()));
    for i in 0..OPERATIONS {
        let finish = FIRST + SPREAD.mul_f64(i as f64 / OPERATIONS as f64);
        let script = Script::new()
            .metadata(&CreateIssueModelMetadata::default())
            .respond(&model(i))
            .every(finish);
        server.insert(&name(i), script);
        watcher.add(&name(i)).expect("a valid name");
    }
    let started = Instant::now();
    let mut ok = 0;
    while let Some(f) = watcher.next().await {
        let i: usize = f
            .name
            .rsplit('/')
            .next()
            .and_then(|id| id.parse().ok())
            .expect("our id");
        match f.outcome {
            Ok(m) if m == model(i) => ok += 1,
            Ok(m) => eprintln!("operation {i}: wrong model {m:?}"),
            Err(e) => eprintln!("operation {i}: {e}"),
        }
    }
    let stats = watcher.stats();
    println!(
        "{OPERATIONS} operations in {LOCATIONS} locations watched (finishing {FIRST:?}..{:?}) done in {:.2?}: {} pages, {} polls, {:.1} MB received",
        FIRST + SPREAD,
        started.elapsed(),
        stats.pages,
        stats.polls,
        stats.bytes as f64 / 1e6
    );
    println!("watched: {ok} ok, peak rss {:.1} MiB", peak_rss_mib());
}
