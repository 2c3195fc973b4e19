//! What TLS costs per GetOperation on loopback: the same mock server and client, plaintext
//! against TLS (a certificate made for the run, trusted through `ca_certificate`),
//! sequentially and with 64 calls in flight, interleaved rounds, medians.
//!
//! ```sh
//! cargo run --release --example bench_tls
//! ```
//!
//! One connection each, made before measuring: the handshake is paid once per connection (and
//! resumed with a session ticket on reconnects: rustls's client keeps an in-memory cache).

#[allow(dead_code)]
#[path = "../benches/common/mod.rs"]
mod common;

use std::time::{Duration, Instant, SystemTime};

use ccai_lro::{auth::Credentials, Client};
use ccai_lro_mock::{MockServer, Script, TlsConfig};
use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair};

const ROUNDS: usize = 30;
const BATCH: usize = 200;
const IN_FLIGHT: usize = 64;
const CALLS: u64 = 4_096;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn server(tls: Option<TlsConfig>) -> MockServer {
    let mut builder = MockServer::builder()
        .record_limit(0)
        .epoch(SystemTime::UNIX_EPOCH + Duration::from_secs(1_760_000_000));
    if let Some(tls) = tls {
        builder = builder.tls(tls);
    }
    let server = builder.start_tcp("127.0.0.1:0").await.expect("bind");
    server.insert(
        common::NAME,
        Script::new()
            .metadata(&common::metadata())
            .respond(&common::issue_model()),
    );
    server
}

async fn per_call(client: &Client) -> f64 {
    let start = Instant::now();
    for _ in 0..BATCH {
        std::hint::black_box(common::wrapper_call(client).await);
    }
    start.elapsed().as_secs_f64() / BATCH as f64
}

async fn flight(client: &Client) -> Duration {
    common::in_flight(IN_FLIGHT, CALLS, client, |c: Client| async move {
        common::wrapper_call(&c).await;
    })
    .await
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let ca_key = KeyPair::generate().expect("key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca.self_signed(&ca_key).expect("CA");
    let key = KeyPair::generate().expect("key");
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = leaf.signed_by(&key, &ca, &ca_key).expect("leaf");
    let tls = TlsConfig::from_pem(leaf.pem().as_bytes(), key.serialize_pem().as_bytes(), None)
        .expect("TLS");

    let plain_server = server(None).await;
    let tls_server = server(Some(tls)).await;
    let token = Credentials::access_token("static-token").expect("token");
    let plain = Client::builder()
        .endpoint(format!(
            "http://{}",
            plain_server.local_addr().expect("addr")
        ))
        .credentials(token.clone())
        .build()
        .expect("client");
    let secure = Client::builder()
        .endpoint(format!(
            "https://{}",
            tls_server.local_addr().expect("addr")
        ))
        .credentials(token)
        .ca_certificate(ca.pem())
        .build()
        .expect("client");
    for _ in 0..1_000 {
        common::wrapper_call(&plain).await;
        common::wrapper_call(&secure).await;
    }

    let mut rounds = Vec::new();
    for round in 0..ROUNDS {
        let (p, t) = if round % 2 == 0 {
            let p = per_call(&plain).await;
            (p, per_call(&secure).await)
        } else {
            let t = per_call(&secure).await;
            (per_call(&plain).await, t)
        };
        rounds.push((p, t));
    }
    let p = median(rounds.iter().map(|r| r.0 * 1e6).collect());
    let t = median(rounds.iter().map(|r| r.1 * 1e6).collect());
    let ratio = median(rounds.iter().map(|r| r.1 / r.0).collect());
    println!("sequential GetOperation, us per call (median of {ROUNDS} rounds x {BATCH}): plaintext {p:.1}, TLS {t:.1}; TLS/plaintext {ratio:.3}");

    let mut runs = Vec::new();
    for round in 0..11 {
        let (p, t) = if round % 2 == 0 {
            let p = flight(&plain).await;
            (p, flight(&secure).await)
        } else {
            let t = flight(&secure).await;
            (flight(&plain).await, t)
        };
        runs.push((
            CALLS as f64 / p.as_secs_f64(),
            CALLS as f64 / t.as_secs_f64(),
        ));
    }
    let p = median(runs.iter().map(|r| r.0).collect());
    let t = median(runs.iter().map(|r| r.1).collect());
    let ratio = median(runs.iter().map(|r| r.1 / r.0).collect());
    println!(
        "{IN_FLIGHT} in flight: plaintext {p:.0} calls/s, TLS {t:.0}; TLS/plaintext {ratio:.3}"
    );
}
