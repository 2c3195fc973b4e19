//! Calls beyond a server's stream cap: 1,000 GetOperation calls in flight against a mock that
//! allows 100 streams per connection (as Google's front ends) and holds each call 50 ms,
//! through clients with at most 1, 4 and 10 connections. Throughput, the server's peak of
//! requests under way and the connections opened show whether calls queue behind one
//! connection or spread over the pool; sequential calls show that a quiet client opens one.
//!
//! ```sh
//! cargo run --release --example bench_pool
//! ```

#[allow(dead_code)]
#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Duration;

use ccai_lro::Client;
use ccai_lro_mock::{method::GET_OPERATION, Latency, MockServer, Script};

const IN_FLIGHT: usize = 1_000;
const CALLS: u64 = 10_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    for connections in [1, 4, 10] {
        // A fresh server each time, so its peak is this client's.
        let server = MockServer::builder()
            .record_limit(0)
            .max_concurrent_streams(100)
            .start_tcp("127.0.0.1:0")
            .await
            .expect("bind");
        server.insert(
            common::NAME,
            Script::new()
                .metadata(&common::metadata())
                .respond(&common::issue_model()),
        );
        server.latency(GET_OPERATION, Latency::Fixed(Duration::from_millis(50)));
        let client = Client::builder()
            .endpoint(format!("http://{}", server.local_addr().expect("addr")))
            .connections(connections)
            .max_concurrent_polls(IN_FLIGHT)
            .build()
            .expect("client");
        let took = common::in_flight(IN_FLIGHT, CALLS, &client, |c: Client| async move {
            common::wrapper_call(&c).await;
        })
        .await;
        println!(
            "{connections:>2} connection(s) at most, {IN_FLIGHT} in flight, 100 streams each, 50 ms a call: {:.0} calls/s, server peak {} requests under way, {} connection(s) opened",
            CALLS as f64 / took.as_secs_f64(),
            server.peak_requests(),
            client.connections_used()
        );
        // The same client, quiet: 50 calls one after another need one connection; a fresh
        // client shows it (the loaded one has opened its connections already).
        let quiet = Client::builder()
            .endpoint(format!("http://{}", server.local_addr().expect("addr")))
            .connections(connections)
            .build()
            .expect("client");
        for _ in 0..50 {
            common::wrapper_call(&quiet).await;
        }
        println!(
            "{connections:>2} connection(s) at most, sequential calls: {} connection(s) opened",
            quiet.connections_used()
        );
    }
}
