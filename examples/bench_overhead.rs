//! What our client costs per GetOperation compared with the bare generated client, over a real
//! loopback socket to the mock server; and what `InsightsClient` costs per GetConversation (a
//! unary RPC with no operation) compared with the bare generated Insights client.
//!
//! ```sh
//! cargo run --release --example bench_overhead
//! ```
//!
//! Both clients fetch the same finished CreateIssueModel operation and decode its IssueModel.
//! The two are measured interleaved in one run (alternating batches, the order flipped each
//! round) so that machine noise hits both alike; each figure is a median over the rounds.
//! Ours adds: the name check, `x-goog-request-params`, `x-goog-api-client`, a bearer token
//! from the auth layer, the per-call deadline, the retry loop and a tracing span.

#[path = "../benches/common/mod.rs"]
mod common;

use std::future::Future;
use std::time::{Duration, Instant};

/// Sequential: rounds of (one batch per client).
const ROUNDS: usize = 50;
const BATCH: usize = 200;
/// Throughput: calls in flight, and calls per measured batch.
const LEVELS: [usize; 4] = [1, 16, 64, 256];
const THROUGHPUT_ROUNDS: usize = 11;
const THROUGHPUT_CALLS: usize = 4_096;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Seconds per call of `batch` sequential calls.
async fn per_call<T>(mut call: impl AsyncFnMut() -> T) -> f64 {
    let start = Instant::now();
    for _ in 0..BATCH {
        std::hint::black_box(call().await);
    }
    start.elapsed().as_secs_f64() / BATCH as f64
}

/// Calls per second with `level` calls in flight (one task each), sharing one channel.
async fn throughput<C, F>(level: usize, client: &C, call: fn(C) -> F) -> f64
where
    C: Clone + Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let calls = THROUGHPUT_CALLS as u64;
    calls as f64
        / common::in_flight(level, calls, client, call)
            .await
            .as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `_server` lives to the end of main: dropping it would stop the server.
    let (_server, wrapper, mut bare) = common::fixture().await;
    let headers = common::google_headers(&wrapper);
    // Same answer through both, and warm connections, allocator and caches.
    assert_eq!(common::wrapper_call(&wrapper).await, common::issue_model());
    assert_eq!(common::bare_call(&mut bare).await, common::issue_model());
    for _ in 0..2_000 {
        common::wrapper_call(&wrapper).await;
        common::resume_call(&wrapper).await;
        common::bare_call(&mut bare).await;
        common::bare_call_with(&mut bare, headers.clone()).await;
    }

    // Per round: seconds per call of wrapper, resume, bare, bare sending our headers.
    let mut rounds: Vec<[f64; 4]> = Vec::new();
    for round in 0..ROUNDS {
        let mut t = [0.0; 4];
        // Flip the order every round so neither side always runs first.
        let order: [usize; 4] = if round % 2 == 0 {
            [0, 1, 2, 3]
        } else {
            [3, 2, 1, 0]
        };
        for arm in order {
            t[arm] = match arm {
                0 => per_call(async || common::wrapper_call(&wrapper).await).await,
                1 => per_call(async || common::resume_call(&wrapper).await).await,
                2 => per_call(async || common::bare_call(&mut bare).await).await,
                _ => {
                    let h = &headers;
                    per_call(async || common::bare_call_with(&mut bare, h.clone()).await).await
                }
            };
        }
        rounds.push(t);
    }
    let col = |i: usize| median(rounds.iter().map(|t| t[i] * 1e6).collect());
    let ratio = |i: usize, j: usize| median(rounds.iter().map(|t| t[i] / t[j]).collect());
    println!(
        "sequential GetOperation, us per call (median of {ROUNDS} rounds x {BATCH}): wrapper {:.1}, resume {:.1}, bare {:.1}, bare with our headers {:.1}",
        col(0),
        col(1),
        col(2),
        col(3),
    );
    println!(
        "ratios: resume/bare {:.3}, bare-with-our-headers/bare {:.3} (the headers' cost), wrapper/bare-with-our-headers {:.3} (our code's cost)",
        ratio(1, 2),
        ratio(3, 2),
        ratio(0, 3),
    );

    for level in LEVELS {
        // Per round, calls/s of: wrapper, bare, bare sending our headers.
        let mut runs: Vec<[f64; 3]> = Vec::new();
        let with_headers = (bare.clone(), headers.clone());
        for round in 0..THROUGHPUT_ROUNDS {
            let mut t = [0.0; 3];
            let order: [usize; 3] = if round % 2 == 0 { [0, 1, 2] } else { [2, 1, 0] };
            for arm in order {
                t[arm] = match arm {
                    0 => {
                        throughput(level, &wrapper, |c| async move {
                            common::wrapper_call(&c).await;
                        })
                        .await
                    }
                    1 => {
                        throughput(level, &bare, |mut c| async move {
                            common::bare_call(&mut c).await;
                        })
                        .await
                    }
                    _ => {
                        throughput(level, &with_headers, |(mut c, h)| async move {
                            common::bare_call_with(&mut c, h).await;
                        })
                        .await
                    }
                };
            }
            runs.push(t);
        }
        let col = |i: usize| median(runs.iter().map(|t| t[i]).collect());
        let ratio = |i: usize, j: usize| median(runs.iter().map(|t| t[i] / t[j]).collect());
        println!(
            "throughput {level:>3} in flight: wrapper {:.0} calls/s, bare {:.0}, bare with our headers {:.0}; ratio wrapper/bare {:.3} (goal >= 0.97), wrapper/bare-with-our-headers {:.3}, bare-with-our-headers/bare {:.3}",
            col(0),
            col(1),
            col(2),
            ratio(0, 1),
            ratio(0, 2),
            ratio(2, 1),
        );
    }
    get_conversation().await;
    // Let the connection tasks wind down before the runtime does.
    tokio::time::sleep(Duration::from_millis(10)).await;
    println!("overhead ratio wrapper/bare: {:.3}", ratio(0, 2));
}

/// GetConversation, a unary RPC that starts no operation: `InsightsClient` against the bare
/// generated client sending the same headers, interleaved like GetOperation above.
async fn get_conversation() {
    let (_server, insights, mut bare) = common::conversation_fixture().await;
    let headers = common::conversation_headers(&insights);
    assert_eq!(
        common::insights_call(&insights).await,
        common::conversation()
    );
    for _ in 0..2_000 {
        common::insights_call(&insights).await;
        common::bare_conversation(&mut bare, headers.clone()).await;
        common::bare_conversation(&mut bare, Default::default()).await;
    }
    let mut rounds: Vec<[f64; 3]> = Vec::new();
    for round in 0..ROUNDS {
        let mut t = [0.0; 3];
        let order: [usize; 3] = if round % 2 == 0 { [0, 1, 2] } else { [2, 1, 0] };
        for arm in order {
            let h = &headers;
            t[arm] = match arm {
                0 => per_call(async || common::insights_call(&insights).await).await,
                1 => per_call(async || common::bare_conversation(&mut bare, h.clone()).await).await,
                _ => {
                    per_call(async || {
                        common::bare_conversation(&mut bare, Default::default()).await
                    })
                    .await
                }
            };
        }
        rounds.push(t);
    }
    let col = |i: usize| median(rounds.iter().map(|t| t[i] * 1e6).collect());
    let ratio = |i: usize, j: usize| median(rounds.iter().map(|t| t[i] / t[j]).collect());
    println!(
        "sequential GetConversation, us per call (median of {ROUNDS} rounds x {BATCH}): insights {:.1}, bare with our headers {:.1}, bare {:.1}",
        col(0),
        col(1),
        col(2),
    );
    println!(
        "ratios: insights/bare-with-our-headers {:.3} (goal <= 1.03), insights/bare {:.3}, bare-with-our-headers/bare {:.3}",
        ratio(0, 1),
        ratio(0, 2),
        ratio(1, 2),
    );
}
