//! GetOperation throughput of emulator processes, side by side: each binary given is started as
//! `ccai-lro emulator`, and one client process (this one) calls them in alternating rounds at
//! 1, 16 and 64 calls in flight over loopback TCP, so that machine noise hits them alike.
//!
//! ```sh
//! cargo build --release -p ccai-lro-cli && cargo build --release --example bench_emulator
//! # An older build to compare with, from a worktree of another commit:
//! #   git worktree add /tmp/old <commit> && CARGO_TARGET_DIR=/tmp/old-target \
//! #     cargo build --release -p ccai-lro-cli --manifest-path /tmp/old/Cargo.toml
//! target/release/examples/bench_emulator /tmp/old-target/release/ccai-lro target/release/ccai-lro
//! ```
//!
//! The client is the bare generated `OperationsClient` (no headers of ours), so that the figure
//! is the emulator's. Each emulator starts one CreateIssueModel operation, whose name every call
//! asks for. Printed per level: calls per second of each binary (median of the rounds) and each
//! one's ratio to the first binary's (median of the per-round ratios).

use std::process::Stdio;
use std::time::{Duration, Instant};

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    contact_center_insights_client::ContactCenterInsightsClient, CreateIssueModelRequest,
    IssueModel,
};
use ccai_lro::proto::google::longrunning::{
    operations_client::OperationsClient, GetOperationRequest,
};
use std::io::BufRead;
use tonic::transport::Channel;

const LEVELS: [usize; 3] = [1, 16, 64];
const ROUNDS: usize = 9;
const CALLS: usize = 8_000;

/// A running emulator: the child process (killed on drop), a client and its operation's name.
struct Emulator {
    child: std::process::Child,
    ops: OperationsClient<Channel>,
    operation: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(binary: &str) -> Emulator {
    let mut child = std::process::Command::new(binary)
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{binary}: {e}"));
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the emulator's first line");
    let addr = line
        .split_whitespace()
        .find(|w| w.contains(':') && w.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("{binary}: no host:port in {line:?}"))
        .trim_end_matches(['.', ',']);
    let channel = Channel::from_shared(format!("http://{addr}"))
        .expect("a URL")
        .connect()
        .await
        .expect("connect");
    let operation = ContactCenterInsightsClient::new(channel.clone())
        .create_issue_model(CreateIssueModelRequest {
            parent: "projects/bench/locations/us-central1".into(),
            issue_model: Some(IssueModel::default()),
        })
        .await
        .expect("CreateIssueModel")
        .into_inner()
        .name;
    Emulator {
        child,
        ops: OperationsClient::new(channel),
        operation,
    }
}

/// Calls per second of `CALLS` GetOperations, `level` in flight.
async fn throughput(emulator: &Emulator, level: usize) -> f64 {
    let per_task = CALLS.div_ceil(level);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..level {
        let mut ops = emulator.ops.clone();
        let name = emulator.operation.clone();
        tasks.spawn(async move {
            for _ in 0..per_task {
                let request = GetOperationRequest { name: name.clone() };
                ops.get_operation(request).await.expect("GetOperation");
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task");
    }
    (per_task * level) as f64 / started.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let binaries: Vec<String> = std::env::args().skip(1).collect();
    if binaries.is_empty() {
        eprintln!("usage: bench_emulator BINARY [BINARY ...] (each a ccai-lro CLI)");
        std::process::exit(2);
    }
    let mut emulators = Vec::new();
    for b in &binaries {
        emulators.push(start(b).await);
    }
    // Warm connections, allocators and caches alike.
    for e in &emulators {
        throughput(e, 16).await;
    }
    for level in LEVELS {
        let mut rounds: Vec<Vec<f64>> = Vec::new();
        for round in 0..ROUNDS {
            let mut t = vec![0.0; emulators.len()];
            let mut order: Vec<usize> = (0..emulators.len()).collect();
            if round % 2 == 1 {
                order.reverse();
            }
            for i in order {
                t[i] = throughput(&emulators[i], level).await;
            }
            rounds.push(t);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let line: Vec<String> = binaries
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let rate = median(rounds.iter().map(|t| t[i]).collect());
                let ratio = median(rounds.iter().map(|t| t[i] / t[0]).collect());
                format!("{b} {rate:.0} calls/s ({ratio:.3} x the first)")
            })
            .collect();
        println!("GetOperation {level:>2} in flight: {}", line.join("; "));
    }
}
