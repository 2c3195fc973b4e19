//! Criterion: GetOperation through our client vs the bare generated client, over a loopback
//! socket to the mock server, sequential and with 1/16/64/256 calls in flight on one channel;
//! and GetConversation (a unary RPC with no operation) through `InsightsClient` vs the bare
//! generated Insights client.
//!
//! ```sh
//! cargo bench --bench overhead
//! ```
//!
//! Criterion measures each function on its own; `examples/bench_overhead.rs` interleaves the
//! two clients in one run for the ratio that BENCHMARKS.md reports.

mod common;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use tokio::runtime::Runtime;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn sequential(c: &mut Criterion) {
    let rt = runtime();
    let (server, wrapper, bare) = rt.block_on(common::fixture());
    let headers = common::google_headers(&wrapper);
    let mut group = c.benchmark_group("get_operation");
    group.throughput(Throughput::Elements(1));
    group.bench_function("wrapper", |b| {
        b.to_async(&rt).iter(|| common::wrapper_call(&wrapper))
    });
    group.bench_function("wrapper_resume", |b| {
        b.to_async(&rt).iter(|| common::resume_call(&wrapper))
    });
    group.bench_function("bare", |b| {
        b.to_async(&rt).iter(|| {
            let mut bare = bare.clone();
            async move { common::bare_call(&mut bare).await }
        })
    });
    // The bare client sending the headers ours sends: the wire cost of Google's headers.
    group.bench_function("bare_with_our_headers", |b| {
        b.to_async(&rt).iter(|| {
            let (mut bare, headers) = (bare.clone(), headers.clone());
            async move { common::bare_call_with(&mut bare, headers).await }
        })
    });
    group.finish();
    drop(server);
}

/// GetConversation, a unary RPC that starts no operation: `InsightsClient` against the bare
/// generated Insights client, with and without our headers.
fn unary(c: &mut Criterion) {
    let rt = runtime();
    let (server, insights, bare) = rt.block_on(common::conversation_fixture());
    let headers = common::conversation_headers(&insights);
    let mut group = c.benchmark_group("get_conversation");
    group.throughput(Throughput::Elements(1));
    group.bench_function("insights", |b| {
        b.to_async(&rt).iter(|| common::insights_call(&insights))
    });
    group.bench_function("bare_with_our_headers", |b| {
        b.to_async(&rt).iter(|| {
            let (mut bare, headers) = (bare.clone(), headers.clone());
            async move { common::bare_conversation(&mut bare, headers).await }
        })
    });
    group.bench_function("bare", |b| {
        b.to_async(&rt).iter(|| {
            let mut bare = bare.clone();
            async move { common::bare_conversation(&mut bare, Default::default()).await }
        })
    });
    group.finish();
    server.abort();
}

fn throughput(c: &mut Criterion) {
    let rt = runtime();
    let (server, wrapper, bare) = rt.block_on(common::fixture());
    let mut group = c.benchmark_group("throughput");
    group.throughput(Throughput::Elements(1));
    for level in [1usize, 16, 64, 256] {
        group.bench_with_input(BenchmarkId::new("wrapper", level), &level, |b, &level| {
            b.to_async(&rt).iter_custom(|iters| {
                common::in_flight(level, iters, &wrapper, |c| async move {
                    common::wrapper_call(&c).await;
                })
            })
        });
        group.bench_with_input(BenchmarkId::new("bare", level), &level, |b, &level| {
            b.to_async(&rt).iter_custom(|iters| {
                common::in_flight(level, iters, &bare, |mut c| async move {
                    common::bare_call(&mut c).await;
                })
            })
        });
    }
    group.finish();
    drop(server);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = sequential, unary, throughput
}
criterion_main!(benches);
