//! Calls beyond a server's stream cap: one connection queues them, a pool spreads them.

use std::time::Duration;

use ccai_lro::Client;
use ccai_lro_mock::{method::GET_OPERATION, Latency, MockServer};

use super::op_name;

/// Four calls at once, each held 300 ms by the server.
async fn four_at_once(client: &Client) {
    let name = op_name("pool");
    let calls = (0..4).map(|_| client.get_operation(&name));
    for result in futures_util::future::join_all(calls).await {
        result.unwrap();
    }
}

/// A server on a socket (the cap is in the SETTINGS it sends on each connection) allowing one
/// stream per connection, holding each GetOperation 300 ms; and its URL.
async fn capped_server() -> (MockServer, String) {
    let server = crate::on_loopback(MockServer::builder().max_concurrent_streams(1), "pool").await;
    server.latency(GET_OPERATION, Latency::Fixed(Duration::from_millis(300)));
    let url = format!("http://{}", server.local_addr().unwrap());
    (server, url)
}

#[tokio::test]
async fn calls_beyond_a_servers_stream_cap_spread_over_the_pools_connections() {
    let (server, url) = capped_server().await;

    let one = Client::builder().endpoint(&url).build().unwrap();
    four_at_once(&one).await;
    assert_eq!(
        server.peak_requests(),
        1,
        "one connection, one stream: they queue"
    );

    let pool = Client::builder()
        .endpoint(&url)
        .connections(4)
        .streams_per_connection(1)
        .build()
        .unwrap();
    assert_eq!(pool.connections(), 4);
    assert_eq!(
        pool.connections_used(),
        1,
        "none opened yet beyond the first"
    );
    four_at_once(&pool).await;
    assert!(
        server.peak_requests() >= 3,
        "four connections carry them together: peak {}",
        server.peak_requests()
    );
    assert_eq!(pool.connections_used(), 4);
}

#[tokio::test]
async fn the_pool_grows_only_past_a_connections_share_of_calls() {
    let (server, url) = capped_server().await;
    // Up to four connections, each taken to carry 100 calls (Google's cap, the default): four
    // calls fit on the first, so no other opens, and this server's cap of one makes them queue.
    let pool = Client::builder()
        .endpoint(&url)
        .connections(4)
        .build()
        .unwrap();
    four_at_once(&pool).await;
    assert_eq!(pool.connections_used(), 1);
    assert_eq!(server.peak_requests(), 1);
    // Two a connection: the four calls take two connections.
    let two = Client::builder()
        .endpoint(&url)
        .connections(4)
        .streams_per_connection(2)
        .build()
        .unwrap();
    four_at_once(&two).await;
    assert_eq!(two.connections_used(), 2);
    // Sequential calls never need a second connection.
    let quiet = Client::builder()
        .endpoint(&url)
        .connections(4)
        .streams_per_connection(1)
        .build()
        .unwrap();
    for _ in 0..3 {
        quiet.get_operation(&op_name("pool")).await.unwrap();
    }
    assert_eq!(quiet.connections_used(), 1);
}

/// A token that takes a while: calls choose their connection before it comes.
struct SlowToken;
impl ccai_lro::auth::CredentialsProvider for SlowToken {
    fn headers(
        &self,
    ) -> ccai_lro::auth::BoxFuture<'_, Result<http::HeaderMap, ccai_lro::auth::AuthError>> {
        Box::pin(async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let mut h = http::HeaderMap::new();
            h.insert(
                http::header::AUTHORIZATION,
                http::HeaderValue::from_static("Bearer slow"),
            );
            Ok(h)
        })
    }
}

#[tokio::test]
async fn calls_waiting_for_a_token_still_spread() {
    let (server, url) = capped_server().await;
    let pool = Client::builder()
        .endpoint(url)
        .credentials(ccai_lro::auth::Credentials::from_provider(SlowToken))
        .connections(4)
        .streams_per_connection(1)
        .build()
        .unwrap();
    four_at_once(&pool).await;
    // Each call counted on its connection when it chose it, before its token came: four
    // connections, not four calls queued on the first.
    assert_eq!(pool.connections_used(), 4);
    assert!(
        server.peak_requests() >= 3,
        "peak {}",
        server.peak_requests()
    );
}
