//! One arm of the overhead comparison, alone, for an instruction counter: the same calls as
//! `bench_overhead`'s throughput at 16 in flight, through one client only.
//!
//! ```sh
//! cargo build --release --example call_cost
//! for arm in bare deadline headers wrapper resume; do for n in 0 4000; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$arm.$n \
//!     target/release/examples/call_cost $arm $n 2>&1 | grep Collected
//! done; done
//! ```
//!
//! (total at 4000 − total at 0) / 4000 is what one GetOperation costs, client and mock server
//! together. Arms: `bare` (the generated client, no headers), `deadline` (bare sending only our
//! `grpc-timeout`), `headers` (bare sending every header ours sends), `wrapper` (our client)
//! and `resume` (ours, through `Operation::resume`, which also checks the metadata's type).
//! Instruction counts do not depend on machine load and move under 0.5 % run to run (task
//! scheduling), so they show differences of 1 % that wall-clock throughput cannot.

// The GetConversation fixture there is for bench_overhead; this counts GetOperation only.
#[allow(dead_code)]
#[path = "../benches/common/mod.rs"]
mod common;

use tonic::metadata::MetadataMap;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(arm), Some(Ok(calls))) = (args.next(), args.next().map(|n| n.parse::<u64>())) else {
        eprintln!("usage: call_cost bare|deadline|headers|wrapper|resume CALLS");
        std::process::exit(2);
    };
    let (_server, wrapper, bare) = common::fixture().await;
    let headers = common::google_headers(&wrapper);
    let mut deadline = MetadataMap::new();
    if let Some(t) = headers.get("grpc-timeout") {
        deadline.insert("grpc-timeout", t.clone());
    }
    let sent = match arm.as_str() {
        "bare" => MetadataMap::new(),
        "deadline" => deadline,
        "headers" => headers,
        "wrapper" | "resume" => MetadataMap::new(),
        other => {
            eprintln!("unknown arm {other:?}");
            std::process::exit(2);
        }
    };
    // The same warm-up for every arm, so that it cancels out of the difference.
    for _ in 0..200 {
        common::wrapper_call(&wrapper).await;
        common::bare_call(&mut bare.clone()).await;
    }
    if arm == "wrapper" {
        common::in_flight(16, calls, &wrapper, |c| async move {
            common::wrapper_call(&c).await;
        })
        .await;
    } else if arm == "resume" {
        common::in_flight(16, calls, &wrapper, |c| async move {
            common::resume_call(&c).await;
        })
        .await;
    } else {
        common::in_flight(16, calls, &(bare, sent), |(mut c, h)| async move {
            common::bare_call_with(&mut c, h).await;
        })
        .await;
    }
    println!("call_cost: {arm} {calls} calls");
}
