//! One port for everything: gRPC services, reflection, health, and the REST surface.

use std::borrow::Cow;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::transport::server::Router;
use tonic::transport::Server;

use super::admission::{admit, Admission};
use super::connection_cap::ConnectionCap;
use super::grpc::{insights::InsightsService, operations::OperationsService};
use super::io::MockIo;
use super::reflection;
use super::rest;
use super::tls::Conn;
use crate::shared::{Behaviour, Shared};
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::contact_center_insights_server::ContactCenterInsightsServer;
use ccai_lro::proto::google::longrunning::operations_server::OperationsServer;
use ccai_lro::Code;

/// gRPC and REST on one router: gRPC requests go by their `/package.Service/Method` paths,
/// everything else (HTTP/1.1 or HTTP/2 JSON) to the REST surface. Server reflection (v1 and
/// v1alpha, which many tools still ask for) and `grpc.health.v1` let tools find their way in
/// with no proto files.
pub(crate) fn router(shared: &Arc<Shared>, peers: Peers) -> Router {
    let mut grpc = Routes::builder();
    grpc.add_service(OperationsServer::new(OperationsService(shared.clone())))
        .add_service(ContactCenterInsightsServer::new(InsightsService(
            shared.clone(),
        )));
    // Built on first use: most mocks are never asked.
    grpc.add_service(reflection::Lazy::<reflection::V1>::new())
        .add_service(reflection::Lazy::<reflection::V1Alpha>::new());
    let (health, health_service) = tonic_health::server::health_reporter();
    tokio::spawn(async move {
        health
            .set_serving::<OperationsServer<OperationsService>>()
            .await;
        health
            .set_serving::<ContactCenterInsightsServer<InsightsService>>()
            .await;
    });
    grpc.add_service(health_service);
    let grpc = grpc.routes();
    let both = grpc
        .into_axum_router()
        .fallback_service(rest::service(shared.clone()));
    let (both, server) = match peers {
        Peers::InProcess => (both, Server::builder()),
        Peers::Network => (
            both.layer(axum::middleware::from_fn_with_state(
                Arc::new(Admission::default()),
                admit,
            )),
            // Closed gracefully (GOAWAY, requests under way finish) once this old: the bound
            // on a client that answers every keepalive ping but never sends a request.
            Server::builder().max_connection_age(MAX_CONNECTION_AGE),
        ),
    };
    let both = both.layer(axum::middleware::from_fn(log_request)).layer(
        axum::middleware::from_fn_with_state(shared.clone(), count_request),
    );
    server
        .accept_http1(true)
        // Bounds on what one client can make the server hold (SECURITY.md lists them).
        .max_concurrent_streams(shared.behaviour.max_streams)
        .http2_max_header_list_size(MAX_HEADER_LIST)
        .http2_max_pending_accept_reset_streams(Some(MAX_STREAMS as usize))
        .http2_keepalive_interval(Some(KEEPALIVE))
        .http2_keepalive_timeout(Some(KEEPALIVE_TIMEOUT))
        .timeout(REQUEST_TIMEOUT)
        .add_routes(Routes::from(both))
}

/// Who the connections come from.
#[derive(Clone, Copy)]
pub(crate) enum Peers {
    /// The in-memory pipes of this process's own tests: never aged out, so that a test's
    /// request counts do not depend on reconnections, and admitted without limits.
    InProcess,
    /// TCP clients, which may be careless or hostile: admitted within the limits of
    /// `admission.rs`.
    Network,
}

/// How old a TCP connection gets before it is closed gracefully (GOAWAY: no new requests, those
/// under way finish); clients reconnect.
pub const MAX_CONNECTION_AGE: Duration = Duration::from_secs(300);
/// How long after [`MAX_CONNECTION_AGE`] a connection is closed whatever it is doing: a stream
/// its client keeps open (a health watch, an answer it never reads) ends then.
pub const MAX_CONNECTION_AGE_GRACE: Duration = REQUEST_TIMEOUT;
/// How long a TCP client may send nothing at all (keepalive answers count) before its
/// connection is closed.
pub const SILENCE: Duration = Duration::from_secs(60);
/// HTTP/2 streams one connection may have open at once, unless
/// [`MockServerBuilder::max_concurrent_streams`](crate::MockServerBuilder::max_concurrent_streams)
/// says otherwise.
pub const MAX_STREAMS: u32 = 256;
/// The largest header list a request may send, in bytes.
pub const MAX_HEADER_LIST: u32 = 16 * 1024;
/// How often an idle HTTP/2 connection is pinged...
pub const KEEPALIVE: Duration = Duration::from_secs(30);
/// ...and how long the peer has to answer before the connection is closed.
pub const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a request may take, WaitOperation's wait included (it is capped below this).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// TCP connections open at once unless [`MockServerBuilder::max_connections`](crate::MockServerBuilder::max_connections)
/// says otherwise; past it, the oldest connection with no request under way is closed to make
/// room, and a newcomer waits only while every connection has one.
pub const MAX_CONNECTIONS: usize = 1000;
/// How long a TCP client has, from accept, to send HTTP/2's preface or an HTTP/1 request line
/// unless [`MockServerBuilder::handshake_timeout`](crate::MockServerBuilder::handshake_timeout)
/// says otherwise; then its connection is closed.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// After the first failed `accept` in a row (e.g. out of file descriptors), how long to wait
/// before trying again; it doubles up to [`ACCEPT_BACKOFF_MAX`].
const ACCEPT_BACKOFF: Duration = Duration::from_millis(5);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Accepted connections, each within the cap of `max_connections` (shedding the oldest idle
/// one to make room: `connection_cap.rs`) and closed unless it begins a protocol within
/// `handshake`. A failed `accept` (out of file descriptors, a connection reset before it was
/// taken) is waited out with a growing pause instead of retried at once, which would spin a
/// core; serving goes on when descriptors free up.
pub(crate) fn tcp_incoming(
    listener: TcpListener,
    behaviour: &Behaviour,
) -> impl tokio_stream::Stream<Item = io::Result<MockIo<Conn>>> {
    let cap = ConnectionCap::new(behaviour.max_connections);
    let handshake = behaviour.handshake_timeout;
    let tls = behaviour.tls.clone();
    futures_util::stream::unfold((listener, cap), move |state| {
        let tls = tls.clone();
        async move {
            let (listener, cap) = state;
            let mut pause = ACCEPT_BACKOFF;
            loop {
                match listener.accept().await {
                    Ok((s, _)) => {
                        // Polls are tiny request/response pairs; Nagle would only add latency.
                        let _ = s.set_nodelay(true);
                        let s = match &tls {
                            Some(tls) => tls.accept(s),
                            None => Conn::Plain(s),
                        };
                        let io = MockIo::closing_after_silence(s, SILENCE)
                            .handshake_within(handshake)
                            .bounding_heads()
                            .living(MAX_CONNECTION_AGE + MAX_CONNECTION_AGE_GRACE);
                        let slot = cap.place(io.handle()).await?;
                        return Some((Ok(io.holding(slot)), (listener, cap)));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, ?pause, "accept failed; waiting");
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(ACCEPT_BACKOFF_MAX);
                    }
                }
            }
        }
    })
}

/// Counts the requests under way and keeps their peak ([`crate::MockServer::peak_requests`]).
async fn count_request(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let _counted = shared.admission.enter();
    next.run(request).await
}

/// One line per request through `tracing` (target `ccai_lro_mock::requests`, level INFO):
/// method, resource, code and latency. The resource is the routing header gRPC clients send,
/// or the REST path; both are cut to 256 characters. The code is a `google.rpc.Code` name
/// whatever the protocol; a REST answer also gives its HTTP status (`http=404`).
async fn log_request(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // Off unless a subscriber listens: tests and benchmarks pay one check per request.
    if !tracing::enabled!(target: "ccai_lro_mock::requests", tracing::Level::INFO) {
        return next.run(request).await;
    }
    let started = tokio::time::Instant::now();
    let method = request.uri().path().to_owned();
    let resource = request
        .headers()
        .get("x-goog-request-params")
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| format!("{} {}", request.method(), method), str::to_owned);
    let response = next.run(request).await;
    let (code, http) = logged_code(&response);
    tracing::info!(
        target: "ccai_lro_mock::requests",
        method = %method.chars().take(256).collect::<String>(),
        resource = %resource.chars().take(256).collect::<String>(),
        code = %code,
        http = http,
        latency = ?started.elapsed(),
    );
    response
}

/// The `google.rpc.Code` name an answer carries, and its HTTP status if it is a REST answer.
fn logged_code(response: &axum::response::Response) -> (Cow<'static, str>, Option<u16>) {
    let grpc = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
    if grpc {
        // An error comes in the headers (trailers-only); a success's code comes in the
        // trailers, after this line is written.
        let code = response
            .headers()
            .get("grpc-status")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .map_or(Cow::Borrowed("OK"), ccai_lro::status::code_name);
        return (code, None);
    }
    let status = response.status();
    let code = match response.extensions().get::<Code>() {
        Some(c) => Cow::Borrowed(c.as_str_name()),
        None if status.is_success() => Cow::Borrowed("OK"),
        // Answers the REST layer did not build from a status (an unknown path, a body too big).
        None => Cow::Borrowed(rest::code_of_http(status).as_str_name()),
    };
    (code, Some(status.as_u16()))
}
