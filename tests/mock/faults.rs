//! Injected faults and latency: sequences, seeded rates, dropped connections.

use std::time::Duration;

use ccai_lro::proto::google::rpc::{self, RetryInfo};
use ccai_lro_mock::{method, Fault, Latency, MockServer, Script};
use tonic::Code;

use crate::{get, name, ops, rpc_status};

#[tokio::test]
async fn fault_sequences_then_ok_with_details_on_the_wire() {
    let server = MockServer::builder()
        .fail_sequence(
            method::GET_OPERATION,
            [
                Fault::Unavailable,
                Fault::ResourceExhausted {
                    retry_delay: Duration::from_millis(1500),
                },
                Fault::Ok,
                Fault::Internal,
            ],
        )
        .start()
        .await;
    server.insert(&name("x"), Script::new());
    let mut c = ops(&server);
    let codes: Vec<Code> = {
        let mut v = Vec::new();
        for _ in 0..5 {
            v.push(
                get(&mut c, &name("x"))
                    .await
                    .err()
                    .map_or(Code::Ok, |e| e.code()),
            );
        }
        v
    };
    assert_eq!(
        codes,
        [
            Code::Unavailable,
            Code::ResourceExhausted,
            Code::Ok,
            Code::Internal,
            Code::Ok
        ]
    );

    server.fail_sequence(
        method::ALL,
        [Fault::ResourceExhausted {
            retry_delay: Duration::from_millis(1500),
        }],
    );
    let err = get(&mut c, &name("x")).await.unwrap_err();
    let status = rpc_status(&err);
    assert_eq!(status.code, rpc::Code::ResourceExhausted as i32);
    let retry: RetryInfo = status
        .details
        .iter()
        .find_map(|d| d.to_msg().ok())
        .expect("a RetryInfo detail");
    assert_eq!(
        retry.retry_delay,
        Some(prost_types::Duration {
            seconds: 1,
            nanos: 500_000_000
        })
    );
}

async fn sampled_codes(seed: u64) -> Vec<Code> {
    let server = MockServer::builder()
        .seed(seed)
        .fail_rate(
            method::GET_OPERATION,
            0.4,
            [Fault::Unavailable, Fault::DeadlineExceeded, Fault::Internal],
        )
        .start()
        .await;
    server.insert(&name("x"), Script::new());
    let mut c = ops(&server);
    let mut codes = Vec::new();
    for _ in 0..40 {
        codes.push(
            get(&mut c, &name("x"))
                .await
                .err()
                .map_or(Code::Ok, |e| e.code()),
        );
    }
    codes
}

#[tokio::test]
async fn seeded_fault_rates_are_reproducible() {
    let a = sampled_codes(42).await;
    let b = sampled_codes(42).await;
    let other = sampled_codes(43).await;
    assert_eq!(a, b);
    assert_ne!(a, other);
    let failures = a.iter().filter(|c| **c != Code::Ok).count();
    assert!((6..=26).contains(&failures), "{failures} of 40 at rate 0.4");
}

#[tokio::test(start_paused = true)]
async fn latency_is_added_in_tokio_time() {
    let server = MockServer::builder()
        .latency(
            method::GET_OPERATION,
            Latency::Fixed(Duration::from_secs(2)),
        )
        .start()
        .await;
    server.insert(&name("x"), Script::new());
    let mut c = ops(&server);
    let t = tokio::time::Instant::now();
    get(&mut c, &name("x")).await.unwrap();
    assert_eq!(t.elapsed().as_secs(), 2);

    server.latency(
        method::GET_OPERATION,
        Latency::Range(Duration::from_secs(1), Duration::from_secs(3)),
    );
    let t = tokio::time::Instant::now();
    get(&mut c, &name("x")).await.unwrap();
    let took = t.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took <= Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn dropped_connections_are_transport_errors_and_the_channel_recovers() {
    let server = MockServer::start().await;
    server.insert(&name("x"), Script::new());
    let mut c = ops(&server);
    get(&mut c, &name("x")).await.unwrap();
    server.fail_sequence(method::GET_OPERATION, [Fault::DropConnection]);
    let err = get(&mut c, &name("x")).await.unwrap_err();
    // No status came from the server: there are no details, and tonic says why it failed.
    assert!(err.details().is_empty());
    assert!(
        matches!(
            err.code(),
            Code::Unavailable | Code::Unknown | Code::Internal | Code::Cancelled
        ),
        "{err:?}"
    );
    eprintln!("dropped connection seen by the client as: {err:?}");
    // The channel reconnects on the next call.
    get(&mut c, &name("x")).await.unwrap();
}
