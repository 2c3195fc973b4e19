//! Careless and hostile clients: the emulator does not let them hold what it has.

use std::time::Duration;

use ccai_lro_mock::MockServer;
use tokio::io::AsyncReadExt;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn a_client_that_never_speaks_is_disconnected() {
    let server = MockServer::builder()
        .start_tcp("127.0.0.1:0")
        .await
        .expect("mock on loopback");
    let addr = server.local_addr().expect("address");
    let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let started = Instant::now();
    let mut buf = [0u8; 64];
    // Nothing sent: the server closes the connection once it has heard nothing for a minute.
    let read = tokio::time::timeout(Duration::from_secs(3600), conn.read(&mut buf))
        .await
        .expect("closed by the server, not by this test's hour");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_refused_unread() {
    use std::io::{Read, Write};
    let server = MockServer::builder()
        .start_tcp("127.0.0.1:0")
        .await
        .expect("mock on loopback");
    let addr = server.local_addr().expect("address");
    let big = ccai_lro_mock::MAX_BODY + 1;
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
