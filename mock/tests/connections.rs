//! Hostile HTTP/2 clients: floods of streams, oversized header lists, and a client that keeps
//! a connection alive by answering pings without ever asking anything. Each test ends with a
//! well-behaved client answered at once.

use std::time::Duration;

use ccai_lro::Code;
use ccai_lro_mock::limits::{
    HANDSHAKE_TIMEOUT, MAX_CONNECTION_AGE, MAX_CONNECTION_AGE_GRACE, MAX_HEADER_LIST,
    MAX_RECEIVING, MAX_REQUESTS, MAX_SENDING, MAX_STREAMING_CALLS, MAX_STREAMS,
};
use ccai_lro_mock::MockServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};

/// Hand-written HTTP/2 frames: a well-behaved client library cannot send what these tests need
/// (more streams than the server allows, a header list over its limit).
mod raw {
    pub const DATA: u8 = 0;
    pub const HEADERS: u8 = 1;
    pub const RST_STREAM: u8 = 3;
    pub const SETTINGS: u8 = 4;
    pub const GOAWAY: u8 = 7;
    pub const CONTINUATION: u8 = 9;
    pub const END_STREAM: u8 = 0x1;
    pub const ACK: u8 = 0x1;
    pub const END_HEADERS: u8 = 0x4;
    pub const REFUSED_STREAM: u32 = 0x7;
    pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

    pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let len = payload.len() as u32;
        let mut f = len.to_be_bytes()[1..].to_vec();
        f.extend([kind, flags]);
        f.extend(stream.to_be_bytes());
        f.extend(payload);
        f
    }

    /// An HPACK integer with an `n`-bit prefix (RFC 7541 §5.1).
    fn int(out: &mut Vec<u8>, mut v: usize, n: u32) {
        let max = (1usize << n) - 1;
        if v < max {
            out.push(v as u8);
            return;
        }
        out.push(max as u8);
        v -= max;
        while v >= 128 {
            out.push((v % 128 + 128) as u8);
            v /= 128;
        }
        out.push(v as u8);
    }

    /// A header block of literals without indexing, no Huffman coding (RFC 7541 §6.2.2).
    pub fn block(headers: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, value) in headers {
            out.push(0);
            int(&mut out, name.len(), 7);
            out.extend(name.as_bytes());
            int(&mut out, value.len(), 7);
            out.extend(value.as_bytes());
        }
        out
    }

    /// The request headers of a gRPC GetOperation, plus `extra`.
    pub fn get_operation(extra: &[(&str, &str)]) -> Vec<u8> {
        let mut headers = vec![
            (":method", "POST"),
            (":scheme", "http"),
            (":path", "/google.longrunning.Operations/GetOperation"),
            (":authority", "emulator"),
            ("content-type", "application/grpc"),
            ("te", "trailers"),
        ];
        headers.extend_from_slice(extra);
        block(&headers)
    }

    /// What a reader saw of the server's frames.
    #[derive(Debug, Default)]
    pub struct Seen {
        pub refused: usize,
        pub other_resets: usize,
        pub headers: usize,
        pub goaway: Option<u32>,
    }
}

/// An empty GetOperationRequest as a gRPC message: not compressed, zero bytes long.
const EMPTY_MESSAGE: [u8; 5] = [0; 5];

/// Connects, exchanges settings, and returns the socket ready for requests.
async fn h2_connect(addr: std::net::SocketAddr) -> TcpStream {
    let mut conn = TcpStream::connect(addr).await.expect("connect");
    conn.write_all(raw::PREFACE).await.expect("preface");
    conn.write_all(&raw::frame(raw::SETTINGS, 0, 0, &[]))
        .await
        .expect("settings");
    conn.write_all(&raw::frame(raw::SETTINGS, raw::ACK, 0, &[]))
        .await
        .expect("settings ack");
    conn
}

/// Reads frames until the server closes, `enough` says stop, or two seconds pass quietly.
async fn read_frames(conn: &mut TcpStream, enough: impl Fn(&raw::Seen) -> bool) -> raw::Seen {
    let mut seen = raw::Seen::default();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        while buf.len() >= 9 {
            let len = u32::from_be_bytes([0, buf[0], buf[1], buf[2]]) as usize;
            if buf.len() < 9 + len {
                break;
            }
            let (kind, stream) = (buf[3], u32::from_be_bytes([buf[5], buf[6], buf[7], buf[8]]));
            let payload = &buf[9..9 + len];
            match kind {
                raw::RST_STREAM if payload.len() == 4 => {
                    let code = u32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]]);
                    if code == raw::REFUSED_STREAM {
                        seen.refused += 1;
                    } else {
                        seen.other_resets += 1;
                    }
                }
                raw::HEADERS if stream != 0 => seen.headers += 1,
                raw::GOAWAY if payload.len() >= 8 => {
                    seen.goaway = Some(u32::from_be_bytes([
                        payload[4], payload[5], payload[6], payload[7],
                    ]));
                }
                _ => {}
            }
            buf.drain(..9 + len);
        }
        if enough(&seen) {
            return seen;
        }
        match timeout(Duration::from_secs(2), conn.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return seen,
        }
    }
}

/// A well-behaved client on a new connection gets its answer at once.
async fn answered_at_once(server: &MockServer) {
    assert_eq!(ask(server).await, Code::NotFound);
}

/// The code a well-behaved client's GetOperation of an unknown operation is answered with.
async fn ask(server: &MockServer) -> Code {
    ask_at(server.local_addr().expect("address")).await
}

/// [`ask`], of the server at `addr`.
async fn ask_at(addr: std::net::SocketAddr) -> Code {
    let endpoint = format!("http://{addr}");
    let client = ccai_lro::Client::builder()
        .endpoint(endpoint)
        .build()
        .expect("client");
    let asked = timeout(
        Duration::from_secs(5),
        client.get_operation("projects/p/locations/l/operations/nope"),
    )
    .await
    .expect("answered within 5 s");
    asked.expect_err("unknown").code()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_past_the_limit_are_refused() {
    let server = MockServer::start_tcp().await.expect("mock on loopback");
    let mut conn = h2_connect(server.local_addr().expect("address")).await;
    // Requests whose bodies never come: each holds a stream open, up to the limit; every one
    // past it is refused at once, and nothing is kept for it.
    let extra = 5_000;
    let block = raw::get_operation(&[]);
    let mut flood = Vec::new();
    for i in 0..(MAX_STREAMS + extra as u32) {
        flood.extend(raw::frame(
            raw::HEADERS,
            raw::END_HEADERS,
            2 * i + 1,
            &block,
        ));
    }
    conn.write_all(&flood).await.expect("flood");
    let seen = read_frames(&mut conn, |s| s.refused >= extra).await;
    assert_eq!(seen.refused, extra, "{seen:?}");
    // The streams within the limit are live: one finished now is answered.
    conn.write_all(&raw::frame(raw::DATA, raw::END_STREAM, 1, &EMPTY_MESSAGE))
        .await
        .expect("body");
    let seen = read_frames(&mut conn, |s| s.headers > 0).await;
    assert!(seen.headers > 0, "{seen:?}");
    answered_at_once(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_list_over_the_limit_is_refused() {
    let server = MockServer::start_tcp().await.expect("mock on loopback");
    let mut conn = h2_connect(server.local_addr().expect("address")).await;
    // Just over: the value alone is as long as the whole list may be.
    let big = "x".repeat(MAX_HEADER_LIST as usize);
    let block = raw::get_operation(&[("x-big", &big)]);
    // Past the default frame size: the block goes in a HEADERS and CONTINUATION frames.
    let mut chunks = block.chunks(16 * 1024).peekable();
    let first = chunks.next().expect("a block");
    let mut frames = raw::frame(raw::HEADERS, 0, 1, first);
    while let Some(chunk) = chunks.next() {
        let flags = if chunks.peek().is_none() {
            raw::END_HEADERS
        } else {
            0
        };
        frames.extend(raw::frame(raw::CONTINUATION, flags, 1, chunk));
    }
    // A whole request: were its headers let through, a handler would see (and record) it.
    frames.extend(raw::frame(raw::DATA, raw::END_STREAM, 1, &EMPTY_MESSAGE));
    conn.write_all(&frames).await.expect("request");
    // Answered (431, Request Header Fields Too Large) without reaching a handler.
    let seen = read_frames(&mut conn, |s| s.headers > 0 || s.goaway.is_some()).await;
    assert_eq!((seen.headers, seen.goaway), (1, None), "{seen:?}");
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    // The connection survives for requests within the limit.
    let ok = raw::get_operation(&[]);
    conn.write_all(&raw::frame(raw::HEADERS, raw::END_HEADERS, 3, &ok))
        .await
        .expect("second request");
    conn.write_all(&raw::frame(raw::DATA, raw::END_STREAM, 3, &EMPTY_MESSAGE))
        .await
        .expect("body");
    let seen = read_frames(&mut conn, |s| s.headers > 0).await;
    assert!(seen.headers > 0 && seen.goaway.is_none(), "{seen:?}");
    assert_eq!(
        server.requests().len(),
        1,
        "the request within the limit was handled"
    );
    answered_at_once(&server).await;
}

#[tokio::test(start_paused = true)]
async fn a_client_that_only_answers_pings_is_closed_at_the_connection_age() {
    let server = MockServer::start_tcp().await.expect("mock on loopback");
    let conn = TcpStream::connect(server.local_addr().expect("address"))
        .await
        .expect("connect");
    // A real HTTP/2 client: it answers the server's keepalive pings, and asks nothing.
    let (_send, connection) = h2::client::handshake(conn).await.expect("handshake");
    let started = Instant::now();
    let ended = timeout(Duration::from_secs(3600), connection)
        .await
        .expect("closed by the server, not by this test's hour");
    let lived = started.elapsed();
    // Closed gracefully (GOAWAY), not dropped as silent or as failing its pings.
    assert!(ended.is_ok(), "{ended:?}");
    assert!(lived >= MAX_CONNECTION_AGE, "{lived:?}");
    assert!(
        lived < MAX_CONNECTION_AGE + Duration::from_secs(60),
        "{lived:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_client_that_does_not_begin_a_protocol_is_closed_at_the_handshake_deadline() {
    let server = MockServer::start_tcp().await.expect("mock on loopback");
    let addr = server.local_addr().expect("address");
    let started = Instant::now();
    let silent = TcpStream::connect(addr).await.expect("connect");
    // A request line that never ends, and an HTTP/2 magic trickled a byte every 3 s: each
    // byte would restart a silence timer, not the handshake deadline.
    let mut line = TcpStream::connect(addr).await.expect("connect");
    line.write_all(b"GET /v1/projects/p HTTP/1.1")
        .await
        .expect("head");
    let trickle = TcpStream::connect(addr).await.expect("connect");
    let (mut trickle_read, mut trickle_write) = trickle.into_split();
    tokio::spawn(async move {
        for byte in raw::PREFACE {
            tokio::time::sleep(Duration::from_secs(3)).await;
            if trickle_write.write_all(&[*byte]).await.is_err() {
                return;
            }
        }
    });
    // A real HTTP/2 client that asks nothing: it has begun, so it stays.
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let (_send, connection) = h2::client::handshake(tcp).await.expect("handshake");
    let mut connection = tokio::spawn(connection);

    let mut ends = Vec::new();
    for mut conn in [silent, line] {
        assert!(closed_within(&mut conn, Duration::from_secs(3600)).await);
        ends.push(started.elapsed());
    }
    let mut byte = [0u8; 1];
    let _ = trickle_read.read(&mut byte).await;
    ends.push(started.elapsed());
    for end in ends {
        assert!(
            end >= HANDSHAKE_TIMEOUT && end < HANDSHAKE_TIMEOUT + Duration::from_secs(1),
            "{end:?}"
        );
    }
    assert!(
        timeout(Duration::from_secs(60), &mut connection)
            .await
            .is_err(),
        "an HTTP/2 client that began was closed"
    );
}

/// `streams` requests on one new HTTP/2 connection whose bodies start (a 5-byte gRPC prefix
/// announcing 4 MiB, then `sent` bytes) and never end; returns the connection's request handle
/// and the answers as they come.
async fn unfinished_requests(
    addr: std::net::SocketAddr,
    streams: usize,
    sent: usize,
) -> (
    h2::client::SendRequest<bytes::Bytes>,
    Vec<h2::client::ResponseFuture>,
    Vec<h2::SendStream<bytes::Bytes>>,
) {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let (mut send, connection) = h2::client::handshake(tcp).await.expect("handshake");
    tokio::spawn(connection);
    let mut body = vec![0u8; 5 + sent];
    body[1..5].copy_from_slice(&((4u32 << 20) - 1).to_be_bytes());
    let body = bytes::Bytes::from(body);
    let (mut answers, mut bodies) = (Vec::new(), Vec::new());
    for _ in 0..streams {
        send = send.ready().await.expect("a stream");
        let request = grpc_post("/google.longrunning.Operations/GetOperation");
        let (answer, mut stream) = send.send_request(request, false).expect("sent");
        stream.send_data(body.clone(), false).expect("data");
        answers.push(answer);
        bodies.push(stream);
    }
    (send, answers, bodies)
}

/// How many of `answers` come back RESOURCE_EXHAUSTED in their headers.
async fn refused(answers: Vec<h2::client::ResponseFuture>) -> usize {
    count_until_quiet(answers.into_iter().map(|answer| async move {
        let answer = answer.await.ok();
        answer.is_some_and(|r| r.headers().get("grpc-status").is_some_and(|c| c == "8"))
    }))
    .await
}

/// How many of `checks` come out true: the first within 20 s, the rest until 2 s pass without
/// another (the others are held, unanswered).
async fn count_until_quiet<F: std::future::Future<Output = bool>>(
    checks: impl IntoIterator<Item = F>,
) -> usize {
    use futures_util::stream::{FuturesUnordered, StreamExt};
    let mut pending: FuturesUnordered<_> = checks.into_iter().collect();
    let mut count = 0;
    loop {
        let wait = if count == 0 { 20 } else { 2 };
        let Ok(Some(yes)) = timeout(Duration::from_secs(wait), pending.next()).await else {
            return count;
        };
        count += usize::from(yes);
    }
}

/// The request headers of a gRPC call of `path` (`/package.Service/Method`).
fn grpc_post(path: &str) -> http::Request<()> {
    http::Request::post(format!("http://emulator{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_past_the_limit_of_all_clients_are_refused() {
    let server = MockServer::start_tcp().await.expect("mock on loopback");
    let addr = server.local_addr().expect("address");
    let per_connection = MAX_STREAMS as usize;
    let connections = MAX_REQUESTS / per_connection + 1;
    let mut held = Vec::new();
    let mut answers = Vec::new();
    for _ in 0..connections {
        let (send, mut a, bodies) = unfinished_requests(addr, per_connection, 0).await;
        answers.append(&mut a);
        held.push((send, bodies));
    }
    let over = connections * per_connection - MAX_REQUESTS;
    assert_eq!(refused(answers).await, over);
    drop(held);
    answered_at_once(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_past_the_receiving_budget_are_refused() {
    let server = MockServer::start_tcp().await.expect("mock on loopback");
    let addr = server.local_addr().expect("address");
    // 48 requests of 1 MiB each, unfinished: more than the emulator holds while receiving.
    let mib = 1 << 20;
    let streams = 48;
    assert!(streams * mib > MAX_RECEIVING);
    let (send, answers, bodies) = unfinished_requests(addr, streams, mib).await;
    let refused = refused(answers).await;
    assert!(refused > 0, "none refused");
    // Paid by buffer capacity, which grows by doubling (up to about twice the bytes, more
    // while streams interleave): still, a fair share of the budget goes to whole requests.
    assert!(
        refused <= streams - MAX_RECEIVING / (4 * mib),
        "{refused} refused"
    );
    // Once the attacker leaves (when the server has read its resets), others are served; until
    // then they may be told to retry.
    drop((send, bodies));
    let left = Instant::now();
    while ask(&server).await == Code::ResourceExhausted {
        assert!(left.elapsed() < Duration::from_secs(5), "budget not freed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    answered_at_once(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_a_client_waits_while_every_connection_is_busy() {
    let (_server, addr) = capped(2).await;
    // Each holds a request under way: its body announces 4 MiB and never comes.
    let first = unfinished_requests(addr, 1, 0).await;
    let second = unfinished_requests(addr, 1, 0).await;
    // Until the server has read their headers, nothing says they are busy.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let third = tokio::spawn(ask_at(addr));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!third.is_finished(), "a busy connection was shed");
    drop(first);
    let code = timeout(Duration::from_secs(5), third)
        .await
        .expect("served once a place is free")
        .expect("task");
    assert_eq!(code, Code::NotFound);
    drop(second);
}

/// A server on loopback with a cap of `max` connections, and its address.
async fn capped(max: usize) -> (MockServer, std::net::SocketAddr) {
    let server = MockServer::builder()
        .max_connections(max)
        .start_tcp("127.0.0.1:0")
        .await
        .expect("mock on loopback");
    let addr = server.local_addr().expect("address");
    (server, addr)
}

/// Whether the server has closed `conn`, reading within `wait` and discarding what it sent
/// (its settings, for an HTTP/2 client).
async fn closed_within(conn: &mut TcpStream, wait: Duration) -> bool {
    let mut chunk = [0u8; 1024];
    let until = Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(until, conn.read(&mut chunk)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_a_newcomer_takes_the_place_of_the_oldest_idle_connection() {
    let (_server, addr) = capped(2).await;
    let mut first = h2_connect(addr).await;
    let mut second = h2_connect(addr).await;
    // Both are served (settings come back) before the third arrives.
    for conn in [&mut first, &mut second] {
        let mut settings = [0u8; 9];
        timeout(Duration::from_secs(5), conn.read_exact(&mut settings))
            .await
            .expect("served")
            .expect("settings");
    }
    assert_eq!(ask_at(addr).await, Code::NotFound);
    assert!(
        closed_within(&mut first, Duration::from_secs(5)).await,
        "the oldest idle one goes"
    );
    assert!(
        !closed_within(&mut second, Duration::from_millis(500)).await,
        "the younger stays"
    );
}

/// Raises this process's open-file limit to its hard limit: the flood below holds about 3,000
/// descriptors (its 2,000 sockets and the server's 1,000), past a common default of 1,024.
fn raise_descriptor_limit() {
    // SAFETY: getrlimit/setrlimit only read and write the struct passed by pointer.
    unsafe {
        let mut limit = std::mem::zeroed::<libc::rlimit>();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// The silent-connection attack at the default cap: 1,000 connections that never send a byte, 500 that
/// send HTTP/2's magic only, 500 that send the magic and SETTINGS: 2,000 against 1,000 places.
/// The handshake deadline is an hour here, so only shedding can make room.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_client_is_served_among_two_thousand_hostile_connections() {
    raise_descriptor_limit();
    let server = MockServer::builder()
        .handshake_timeout(Duration::from_secs(3600))
        .start_tcp("127.0.0.1:0")
        .await
        .expect("mock on loopback");
    assert_eq!(
        ccai_lro_mock::limits::MAX_CONNECTIONS,
        1000,
        "the test's premise"
    );
    let addr = server.local_addr().expect("address");
    // The oldest connection of all has a request under way: it is never shed.
    let (_busy, mut busy_answer, _busy_body) = unfinished_requests(addr, 1, 0).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut silent = Vec::new();
    for _ in 0..1000 {
        silent.push(TcpStream::connect(addr).await.expect("connect"));
    }
    let mut half_open = Vec::new();
    for i in 0..1000 {
        let mut conn = TcpStream::connect(addr).await.expect("connect");
        conn.write_all(raw::PREFACE).await.expect("magic");
        if i % 2 == 1 {
            conn.write_all(&raw::frame(raw::SETTINGS, 0, 0, &[]))
                .await
                .expect("settings");
        }
        half_open.push(conn);
    }
    assert_eq!(ask_at(addr).await, Code::NotFound, "the fresh client");
    // The 1,000 silent ones were the oldest idle: each made room for a newer one.
    let closed = futures_util::future::join_all(
        silent
            .iter_mut()
            .map(|c| closed_within(c, Duration::from_secs(10))),
    )
    .await;
    assert_eq!(closed.iter().filter(|c| **c).count(), 1000);
    // The busy connection is still there, its request still waiting for its body.
    let still = timeout(Duration::from_millis(200), &mut busy_answer[0]).await;
    assert!(
        still.is_err(),
        "the busy connection's request ended: {still:?}"
    );
    drop(half_open);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_calls_past_the_limit_are_refused_until_one_ends() {
    use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};
    let server = MockServer::start_tcp().await.expect("mock on loopback");
    let addr = server.local_addr().expect("address");
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    let mut health = HealthClient::new(channel);
    let watch = || HealthCheckRequest {
        service: String::new(),
    };
    // Health watches never end by themselves: each holds a place while it is open.
    let mut open = Vec::new();
    for _ in 0..MAX_STREAMING_CALLS {
        let stream = timeout(Duration::from_secs(5), health.watch(watch()))
            .await
            .expect("answered")
            .expect("a watch within the limit");
        open.push(stream.into_inner());
    }
    let refused = timeout(Duration::from_secs(5), health.watch(watch()))
        .await
        .expect("answered")
        .expect_err("one past the limit");
    assert_eq!(refused.code(), tonic::Code::ResourceExhausted, "{refused}");
    // Ending one frees its place (once the server has read the reset).
    drop(open.pop());
    let ended = Instant::now();
    loop {
        match timeout(Duration::from_secs(5), health.watch(watch()))
            .await
            .expect("answered")
        {
            Ok(stream) => break open.push(stream.into_inner()),
            Err(e) if e.code() == tonic::Code::ResourceExhausted => {
                assert!(ended.elapsed() < Duration::from_secs(5), "place not freed");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_stream_held_open_ends_with_its_connection_at_age_and_grace() {
    let server = MockServer::start_tcp().await.expect("mock on loopback");
    let tcp = TcpStream::connect(server.local_addr().expect("address"))
        .await
        .expect("connect");
    let (send, connection) = h2::client::handshake(tcp).await.expect("handshake");
    let mut send = send.ready().await.expect("a stream");
    // A health watch: it never ends by itself, so the graceful close at the connection's age
    // waits on it.
    let watch = grpc_post("/grpc.health.v1.Health/Watch");
    let (answer, mut body) = send.send_request(watch, false).expect("sent");
    body.send_data(bytes::Bytes::from_static(&EMPTY_MESSAGE), true)
        .expect("empty HealthCheckRequest");
    let started = Instant::now();
    let driven = tokio::spawn(connection);
    let _held = answer.await.expect("the watch is answered and stays open");
    let ended = timeout(Duration::from_secs(3600), driven)
        .await
        .expect("closed by the server, not by this test's hour");
    let lived = started.elapsed();
    assert!(ended.is_ok(), "{ended:?}");
    let life = MAX_CONNECTION_AGE + MAX_CONNECTION_AGE_GRACE;
    assert!(lived >= life, "{lived:?}");
    assert!(lived < life + Duration::from_secs(60), "{lived:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_nobody_reads_are_bounded_by_the_sending_budget() {
    use ccai_lro::proto::google::cloud::contactcenterinsights::v1::IssueModel;
    use prost::Message;
    let server = MockServer::start_tcp().await.expect("mock on loopback");
    // An operation whose answer is 1 MiB.
    let name = "projects/p/locations/l/operations/big";
    let big = IssueModel {
        display_name: "x".repeat(1 << 20),
        ..Default::default()
    };
    server.insert(name, ccai_lro_mock::Script::done(&big));
    let request = ccai_lro::proto::google::longrunning::GetOperationRequest { name: name.into() };
    let mut body = vec![0u8; 5];
    body[1..5].copy_from_slice(&(request.encoded_len() as u32).to_be_bytes());
    request.encode(&mut body).expect("encode");
    // A client whose streams accept no data: every answer stays with the server.
    let tcp = TcpStream::connect(server.local_addr().expect("address"))
        .await
        .expect("connect");
    let (mut send, connection) = h2::client::Builder::new()
        .initial_window_size(0)
        .handshake::<_, bytes::Bytes>(tcp)
        .await
        .expect("handshake");
    tokio::spawn(connection);
    let asked = 2 * MAX_SENDING / (1 << 20);
    let mut answers = Vec::new();
    for _ in 0..asked {
        send = send.ready().await.expect("a stream");
        let get = grpc_post("/google.longrunning.Operations/GetOperation");
        let (answer, mut stream) = send.send_request(get, false).expect("sent");
        stream
            .send_data(bytes::Bytes::from(body.clone()), true)
            .expect("body");
        answers.push(async move {
            let Ok(answer) = answer.await else {
                return false;
            };
            let trailers = answer.into_body().trailers().await.ok().flatten();
            trailers.is_some_and(|t| t.get("grpc-status").is_some_and(|c| c == "8"))
        });
    }
    // Those past the budget end at once with RESOURCE_EXHAUSTED; the rest wait for a reader.
    let refused = count_until_quiet(answers).await;
    let held = asked - refused;
    assert!(refused > 0, "none refused");
    assert!(
        held <= MAX_SENDING / (1 << 20),
        "{held} answers of 1 MiB held"
    );
    drop(send);
}
