//! Which polling policy? 1,000 operations that finish at uniformly spread times between 10 s and
//! 30 min, waited on with each policy against the mock, in paused tokio time (no real waiting).
//!
//! ```sh
//! cargo run --release --example poll_study
//! ```
//!
//! For each policy: GetOperation calls in total (counted by the server) and the detection lag
//! (from the moment an operation finishes to the moment its `wait_with` returns), p50/p95/max.
//! The anchors are the other Google client libraries' polling defaults expressed as a
//! [`Backoff`] (jitter = the largest fraction of a delay removed; "full" jitter = 1.0). Then a
//! small grid of candidates, and the pick for `PollPolicy::default()`: a candidate that no
//! anchor beats on all of calls, p50 lag and p95 lag; that beats as many anchors as any
//! candidate does on all three; and, among those, makes the fewest calls.
//!
//! Then the [`Watcher`](ccai_lro::watch::Watcher) on the same 1,000 operations, in two
//! scenarios: (a) the location holds only them; (b) it also holds 2,000 finished operations
//! from earlier days and the server ignores filters. For each: calls (GetOperation and
//! ListOperations pages), bytes received, lag, and the floor: the calls needed to look at the
//! location often enough for the best anchor's p95 lag (one look per `p95 / 0.95` until the
//! last operation finishes, each look one sweep of the location's pages).
//! `cargo run --release --example poll_study -- --watch` runs the anchors and the watcher only.

use std::time::Duration;

use ccai_lro::backoff::Backoff;
use ccai_lro::insights::CreateIssueModelOperation;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    CreateIssueModelMetadata, IssueModel,
};
use ccai_lro::proto::google::longrunning::Operation as RawOperation;
use ccai_lro::watch::Watcher;
use ccai_lro::{Client, PollPolicy};
use ccai_lro_mock::{method, MockServer, Script};
use tokio::time::Instant;

const OPERATIONS: usize = 1_000;
const SEED: u64 = 20_251_122;
const SHORTEST: Duration = Duration::from_secs(10);
const LONGEST: Duration = Duration::from_secs(30 * 60);

const fn backoff(initial_ms: u64, multiplier: f64, max_s: u64, jitter: f64) -> Backoff {
    Backoff::new(
        Duration::from_millis(initial_ms),
        multiplier,
        Duration::from_secs(max_s),
    )
    .with_jitter(jitter)
}

/// The other client libraries' polling defaults (no deadlines here).
const ANCHORS: [(&str, Backoff); 4] = [
    // google-cloud-lro (Rust): 1 s, x2, 60 s, no jitter.
    ("Rust google-cloud-lro", backoff(1_000, 2.0, 60, 0.0)),
    // api-core (Python): 1 s, x1.5, 20 s, full jitter.
    ("Python api-core", backoff(1_000, 1.5, 20, 1.0)),
    // longrunning (Go): gax.Backoff 1 s, x2, 60 s; its pause is uniform in (0, delay]: full.
    ("Go longrunning", backoff(1_000, 2.0, 60, 1.0)),
    // gax (Java), Insights: 5 s, x1.5, 45 s; its jittered delay is uniform in [0, delay): full.
    ("Java gax Insights", backoff(5_000, 1.5, 45, 1.0)),
];

/// What one policy did with the 1,000 operations.
#[derive(Clone, Copy)]
struct Outcome {
    calls: usize,
    p50: f64,
    p95: f64,
    max: f64,
}

impl Outcome {
    /// At least as good on calls, p50 and p95 lag, and better on one.
    fn dominates(&self, other: &Outcome) -> bool {
        let le = self.calls <= other.calls && self.p50 <= other.p50 && self.p95 <= other.p95;
        let lt = self.calls < other.calls || self.p50 < other.p50 || self.p95 < other.p95;
        le && lt
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Finish times, seeded: the same for every policy.
fn finish_times() -> Vec<Duration> {
    let mut rng = fastrand::Rng::with_seed(SEED);
    let (lo, hi) = (SHORTEST.as_millis() as u64, LONGEST.as_millis() as u64);
    (0..OPERATIONS)
        .map(|_| Duration::from_millis(rng.u64(lo..=hi)))
        .collect()
}

/// Operation `i`: one metadata step lasting `at`, so done exactly `at` after creation, with
/// model `i`.
fn finishing(i: usize, at: Duration) -> Script {
    let model = IssueModel {
        display_name: format!("model {i}"),
        ..Default::default()
    };
    Script::new()
        .metadata(&CreateIssueModelMetadata::default())
        .respond(&model)
        .every(at)
}

/// A runtime on tokio's paused clock: 30 minutes of polling take no real time.
fn paused() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime")
}

/// Waits on every operation with `backoff` (no deadline) in paused time.
fn study(backoff: Backoff, finish: &[Duration]) -> Outcome {
    paused().block_on(async {
        // Jitter draws from fastrand's thread-local generator: seed it for a repeatable run.
        fastrand::seed(SEED);
        let server = MockServer::builder().record_limit(usize::MAX).start().await;
        let client = Client::from_channel(server.channel());
        let created = Instant::now();
        let mut waits = tokio::task::JoinSet::new();
        for (i, &at) in finish.iter().enumerate() {
            let name = format!("projects/study/locations/us-central1/operations/{i}");
            server.insert(&name, finishing(i, at));
            let raw = RawOperation {
                name,
                ..Default::default()
            };
            let op = CreateIssueModelOperation::new(client.clone(), raw);
            let policy = PollPolicy::new(backoff);
            waits.spawn(async move {
                let got = op.wait_with(policy).await.expect("wait");
                assert_eq!(got.display_name, format!("model {i}"));
                (created + at, Instant::now())
            });
        }
        let mut lags = Vec::with_capacity(OPERATIONS);
        while let Some(done) = waits.join_next().await {
            let (finished, seen) = done.expect("waiter");
            lags.push(seen.duration_since(finished).as_secs_f64());
        }
        lags.sort_by(f64::total_cmp);
        let calls = server
            .requests()
            .iter()
            .filter(|r| r.method == method::GET_OPERATION)
            .count();
        Outcome {
            calls,
            p50: percentile(&lags, 0.50),
            p95: percentile(&lags, 0.95),
            max: percentile(&lags, 1.0),
        }
    })
}

fn describe(b: &Backoff) -> String {
    format!(
        "{:>4} s x{:<3} {:>3} s {:>3.0} %",
        b.initial.as_secs_f64(),
        b.multiplier,
        b.max.as_secs(),
        b.jitter * 100.0
    )
}

fn row(label: &str, b: &Backoff, o: &Outcome, note: &str) {
    println!(
        "| {label:<24} | {} | {:>6} | {:>5.1} | {:>5.1} | {:>5.1} | {note} |",
        describe(b),
        o.calls,
        o.p50,
        o.p95,
        o.max
    );
}

/// The watcher on the same operations, with `history` finished operations listed before them.
/// Returns the outcome and the bytes the watcher received.
fn watch_study(finish: &[Duration], history: usize, ignore_filters: bool) -> (Outcome, u64) {
    paused().block_on(async {
        fastrand::seed(SEED);
        let server = MockServer::builder()
            .ignore_filters(ignore_filters)
            .record_limit(usize::MAX)
            .start()
            .await;
        let location = "projects/study/locations/us-central1";
        server.add_history(location, history);
        server.clear_requests();
        let mut watcher: Watcher<IssueModel, CreateIssueModelMetadata> =
            Watcher::new(Client::from_channel(server.channel()));
        let created = Instant::now();
        for (i, &at) in finish.iter().enumerate() {
            let name = format!("{location}/operations/{i}");
            server.insert(&name, finishing(i, at));
            watcher.add(&name).expect("a valid name");
        }
        let mut lags = Vec::with_capacity(OPERATIONS);
        while let Some(done) = watcher.next().await {
            let i: usize = done
                .name
                .rsplit('/')
                .next()
                .and_then(|id| id.parse().ok())
                .expect("our id");
            let model = done.outcome.expect("a model");
            assert_eq!(model.display_name, format!("model {i}"));
            lags.push(
                Instant::now()
                    .duration_since(created + finish[i])
                    .as_secs_f64(),
            );
        }
        lags.sort_by(f64::total_cmp);
        let calls = server.requests().len();
        let outcome = Outcome {
            calls,
            p50: percentile(&lags, 0.50),
            p95: percentile(&lags, 0.95),
            max: percentile(&lags, 1.0),
        };
        (outcome, watcher.stats().bytes)
    })
}

/// The watcher's two scenarios against the anchor with the lowest p95 lag.
fn watcher_rows(finish: &[Duration], anchors: &[(&str, Backoff, Outcome)]) {
    let Some((best_name, _, best)) = anchors.iter().min_by(|a, b| a.2.p95.total_cmp(&b.2.p95))
    else {
        return;
    };
    let last = finish
        .iter()
        .max()
        .copied()
        .unwrap_or(LONGEST)
        .as_secs_f64();
    for (scenario, history, ignore) in [
        ("a: only them", 0, false),
        ("b: 2,000 earlier, filters ignored", 2_000, true),
    ] {
        let (o, bytes) = watch_study(finish, history, ignore);
        let pages = (OPERATIONS + history).div_ceil(1_000);
        let floor = (last / (best.p95 / 0.95)).ceil() as usize * pages;
        println!(
            "| watcher ({scenario}) | lag 15 s, pages of 1,000 | {:>6} | {:>5.1} | {:>5.1} | {:>5.1} | {} bytes |",
            o.calls, o.p50, o.p95, o.max, bytes
        );
        println!(
            "watcher ({scenario}): calls {}, p50 {:.1} s, p95 {:.1} s",
            o.calls, o.p50, o.p95
        );
        println!(
            "best anchor: {best_name} calls {}, p50 {:.1} s, p95 {:.1} s",
            best.calls, best.p50, best.p95
        );
        let met = o.p95 <= best.p95 && (o.calls as f64) <= 1.5 * floor as f64;
        println!(
            "floor ({scenario}): calls {floor}; watcher/floor {:.2}, anchor/watcher {:.0}x; goal (p95 <= {:.1} s, calls <= 1.5 x floor) {}",
            o.calls as f64 / floor as f64,
            best.calls as f64 / o.calls as f64,
            best.p95,
            if met { "met" } else { "NOT met" }
        );
    }
}

fn main() {
    let finish = finish_times();
    println!(
        "{OPERATIONS} operations finishing uniformly in [{SHORTEST:?}, {LONGEST:?}] (seed {SEED}); lag in seconds"
    );
    println!("| policy                   | initial, mult, max, jitter | calls  |  p50  |  p95  |  max  | |");
    println!("|---|---|---:|---:|---:|---:|---|");
    let anchors: Vec<(&str, Backoff, Outcome)> = ANCHORS
        .iter()
        .map(|&(name, b)| (name, b, study(b, &finish)))
        .collect();
    for (name, b, o) in &anchors {
        row(name, b, o, "anchor");
    }
    watcher_rows(&finish, &anchors);
    if std::env::args().any(|a| a == "--watch") {
        return;
    }
    let current = PollPolicy::default().backoff;
    let ours = study(current, &finish);

    // Candidates: 1 s first look, x1.5 or x2, a cap between 15 s and 60 s, a little jitter.
    // The pick: no anchor beats it; it beats as many anchors as any candidate does; and among
    // those, it makes the fewest calls (the cost callers pay in quota).
    let mut best: Option<(usize, Backoff, Outcome)> = None;
    for multiplier in [1.5, 2.0] {
        for max in [15, 20, 25, 30, 35, 40, 45, 60] {
            for jitter in [0.1, 0.2] {
                let b = backoff(1_000, multiplier, max, jitter);
                let o = study(b, &finish);
                let beaten_by: Vec<&str> = anchors
                    .iter()
                    .filter(|a| a.2.dominates(&o))
                    .map(|a| a.0)
                    .collect();
                let beats: Vec<&str> = anchors
                    .iter()
                    .filter(|a| o.dominates(&a.2))
                    .map(|a| a.0)
                    .collect();
                let note = format!(
                    "beats [{}], beaten by [{}]",
                    beats.join(", "),
                    beaten_by.join(", ")
                );
                row("candidate", &b, &o, &note);
                let better = match &best {
                    None => true,
                    Some((n, _, c)) => beats.len() > *n || (beats.len() == *n && o.calls < c.calls),
                };
                if beaten_by.is_empty() && better {
                    best = Some((beats.len(), b, o));
                }
            }
        }
    }
    row("PollPolicy::default()", &current, &ours, "shipped");
    let (_, chosen, _) = best.expect("a candidate no anchor beats");
    println!(
        "chosen default: initial {:?} multiplier {} max {:?} jitter {}",
        chosen.initial, chosen.multiplier, chosen.max, chosen.jitter
    );
}
