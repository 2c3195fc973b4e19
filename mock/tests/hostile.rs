//! Careless and hostile clients: the emulator does not let them hold what it has.

use std::time::Duration;

use ccai_lro_mock::MockServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn a_client_that_begins_and_then_never_speaks_is_disconnected() {
    let server = MockServer::start_tcp().await.expect("mock on loopback");
    let addr = server.local_addr().expect("address");
    let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    // HTTP/2's preface and SETTINGS: the handshake deadline no longer applies. Then nothing,
    // not even an answer to the server's settings or pings.
    conn.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .expect("preface");
    let started = Instant::now();
    let mut buf = [0u8; 64];
    let closed = loop {
        let read = tokio::time::timeout(Duration::from_secs(3600), conn.read(&mut buf))
            .await
            .expect("closed by the server, not by this test's hour");
        if matches!(read, Ok(0) | Err(_)) {
            break started.elapsed();
        }
    };
    // By the unanswered keepalive ping (30 s + 10 s) or the silence bound, whichever first.
    assert!(
        closed > ccai_lro_mock::limits::HANDSHAKE_TIMEOUT,
        "{closed:?}"
    );
    assert!(
        closed <= ccai_lro_mock::limits::SILENCE + Duration::from_secs(1),
        "{closed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_refused_unread() {
    use std::io::{Read, Write};
    let server = MockServer::start_tcp().await.expect("mock on loopback");
    let addr = server.local_addr().expect("address");
    let big = ccai_lro_mock::limits::MAX_BODY + 1;
    let answer = tokio::task::spawn_blocking(move || {
        let mut conn = std::net::TcpStream::connect(addr).expect("connect");
        let head = format!(
            "POST /v1/projects/p/locations/l/issueModels HTTP/1.1\r\nHost: x\r\nContent-Length: {big}\r\nConnection: close\r\n\r\n"
        );
        let _ = conn.write_all(head.as_bytes());
        let _ = conn.write_all(&vec![b' '; big]);
        let mut raw = String::new();
        let _ = conn.read_to_string(&mut raw);
        raw
    })
    .await
    .expect("call");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("INVALID_ARGUMENT"), "{answer}");
    assert_eq!(server.len(), 0, "nothing was kept");
}

#[tokio::test]
async fn a_page_stays_within_what_a_client_accepts() {
    use futures_util::TryStreamExt;
    use prost::Message;
    let server = MockServer::start().await;
    let location = "projects/p/locations/l";
    // 50 operations of 200 KB each: 10 MB, more than a default gRPC client takes in one message.
    let bulky = prost_types::Any {
        type_url: "type.googleapis.com/acme.Bulky".into(),
        value: vec![7; 200 * 1024],
    };
    for i in 0..50 {
        let script = ccai_lro_mock::Script::new()
            .metadata_any(bulky.clone())
            .never_done();
        server.insert(&format!("{location}/operations/{i}"), script);
    }
    let pages: Vec<_> = server
        .client()
        .list_pages(location, ccai_lro::ListOptions::new().page_size(1000))
        .try_collect()
        .await
        .expect("every page");
    assert!(pages.len() > 1, "{} pages", pages.len());
    assert!(pages
        .iter()
        .all(|p| p.encoded_len() <= ccai_lro_mock::limits::MAX_PAGE_BYTES + 300 * 1024));
    let mut names: Vec<String> = pages
        .into_iter()
        .flat_map(|p| p.operations.into_iter().map(|o| o.name))
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 50, "every operation once");
}

/// Sends `head` (and nothing after) on a new HTTP/1.1 connection; what the server answers
/// within 10 s, and whether it then closed the connection.
fn http1(addr: std::net::SocketAddr, head: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect(addr).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let _ = conn.write_all(&head);
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http1_head_over_the_limit_loses_its_connection_and_one_within_is_served() {
    let server = MockServer::start_tcp().await.expect("mock on loopback");
    let addr = server.local_addr().expect("address");
    let head = |lines: usize, end: &str| {
        let mut head =
            b"GET /v1/projects/p/locations/l/operations/o HTTP/1.1\r\nHost: e\r\n".to_vec();
        for _ in 0..lines {
            head.extend(format!("x-filler: {}\r\n", "y".repeat(990)).as_bytes());
        }
        head.extend(end.as_bytes());
        head
    };
    let started = Instant::now();
    // Never finished, and past the limit: closed at once, without an answer.
    let over = ccai_lro_mock::limits::MAX_HTTP1_HEAD / 1000 + 10;
    let answer = tokio::task::spawn_blocking(move || http1(addr, head(over, "")))
        .await
        .expect("call");
    assert_eq!(answer, "");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "closed by the 10 s read timeout"
    );
    // Within the limit: answered (NOT_FOUND: no such operation).
    let within = ccai_lro_mock::limits::MAX_HTTP1_HEAD / 1000 - 10;
    let answer =
        tokio::task::spawn_blocking(move || http1(addr, head(within, "Connection: close\r\n\r\n")))
            .await
            .expect("call");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
}

#[tokio::test]
async fn the_bytes_operations_keep_are_capped() {
    use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
        CreateIssueModelRequest, IssueModel,
    };
    let server = MockServer::start().await;
    let insights = ccai_lro::insights::InsightsClient::new(server.client());
    let create = || CreateIssueModelRequest {
        parent: "projects/p/locations/l".into(),
        issue_model: Some(IssueModel {
            display_name: "x".repeat(2 << 20),
            ..Default::default()
        }),
    };
    // Each keeps about twice its 2 MiB: the cap is reached after about 64.
    let most = ccai_lro_mock::limits::MAX_HELD_BYTES / (4 << 20);
    let mut started: u64 = 0;
    let refused = loop {
        match insights.create_issue_model(create()).await {
            Ok(_) => started += 1,
            Err(e) => break e,
        }
        assert!(started <= most, "{started} started, past the cap");
    };
    assert_eq!(
        refused.code(),
        ccai_lro::Code::ResourceExhausted,
        "{refused}"
    );
    assert!(refused.to_string().contains("MiB of requests"), "{refused}");
    assert!(started >= most - 1, "refused after only {started}");
    assert_eq!(
        server.len() as u64,
        started,
        "a refused start keeps no operation"
    );
}
