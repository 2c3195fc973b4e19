//! All 74 Insights RPCs through `InsightsClient`, against an in-process server that records
//! what arrives (path, headers, body) and answers as each test scripts: routing headers,
//! bodies, local checks, retries, paging and span attributes.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use axum::body::Body;
use ccai_lro::{
    insights::InsightsClient,
    proto::google::cloud::contactcenterinsights::v1::*,
    proto::google::longrunning::Operation as RawOperation,
    registry,
    rpc::{Method, Rpc, INSIGHTS_METHODS},
    Client, Code, Error, RetryPolicy,
};
use futures_util::TryStreamExt;
use prost::Message;
use prost_reflect::{DynamicMessage, ReflectMessage, Value};

mod each_method;

/// One request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

/// An answer: a gRPC status code and, for OK, the message bytes.
type Answer = (i32, Vec<u8>);

/// What the server answers: scripted answers first, then `fallback` for the path.
#[derive(Clone, Default)]
struct Script {
    queue: Arc<Mutex<VecDeque<Answer>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Script {
    fn push(&self, answer: Answer) {
        self.queue.lock().unwrap().push_back(answer);
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// An operation that `started` accepts: LRO answers need a well-formed name.
fn fallback(path: &str) -> Answer {
    let lro = INSIGHTS_METHODS
        .iter()
        .any(|m| m.path == path && registry::operation_info(m.name).is_some());
    let body = if lro {
        RawOperation {
            name: "projects/p/locations/l/operations/1".into(),
            ..Default::default()
        }
        .encode_to_vec()
    } else {
        Vec::new()
    };
    (0, body)
}

fn grpc_frame(message: &[u8]) -> Vec<u8> {
    let mut frame = vec![0];
    frame.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
    frame.extend_from_slice(message);
    frame
}

async fn serve(script: Script) -> Client {
    let handler = move |req: http::Request<Body>| {
        let script = script.clone();
        async move {
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            let path = parts.uri.path().to_owned();
            script.seen.lock().unwrap().push(Seen {
                path: path.clone(),
                headers: parts.headers,
                body: bytes.get(5..).unwrap_or_default().to_vec(),
            });
            let scripted = script.queue.lock().unwrap().pop_front();
            let (code, message) = scripted.unwrap_or_else(|| fallback(&path));
            let mut trailers = http::HeaderMap::new();
            trailers.insert("grpc-status", code.to_string().parse().unwrap());
            let mut frames = Vec::new();
            if code == 0 {
                frames.push(Ok::<_, std::convert::Infallible>(http_body::Frame::data(
                    axum::body::Bytes::from(grpc_frame(&message)),
                )));
            }
            frames.push(Ok(http_body::Frame::trailers(trailers)));
            let body = http_body_util::StreamBody::new(futures_util::stream::iter(frames));
            http::Response::builder()
                .status(200)
                .header("content-type", "application/grpc")
                .body(Body::new(body))
                .unwrap()
        }
    };
    let router = axum::Router::new().fallback(handler);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<tokio::io::DuplexStream>();
    let incoming =
        tokio_stream::wrappers::UnboundedReceiverStream::new(rx).map(Ok::<_, std::io::Error>);
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_routes(tonic::service::Routes::from(router))
            .serve_with_incoming(incoming),
    );
    let channel = tonic::transport::Endpoint::from_static("http://whole-api.invalid")
        .connect_with_connector_lazy(tower::service_fn(move |_: http::Uri| {
            let tx = tx.clone();
            async move {
                let (client, server) = tokio::io::duplex(64 * 1024);
                tx.send(server)
                    .map_err(|_| std::io::Error::other("server gone"))?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(client))
            }
        }));
    Client::builder()
        .retry(RetryPolicy::default())
        .build_with_channel(channel)
        .unwrap()
}

use tokio_stream::StreamExt as _;

/// The first pattern with each `{var}` replaced by `var-1`.
fn example(pattern: &str) -> String {
    pattern
        .split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(var) => format!("{var}-1"),
                None => s.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// A request of type `R` with its routing field set to `value` and a non-routing field or two
/// set too, so the body check has more than the name to compare.
fn request_with<R: Rpc + Default>(value: &str) -> R {
    let method = R::METHOD;
    let desc = registry::pool()
        .get_service_by_name(method.service)
        .and_then(|s| s.methods().find(|m| m.name() == method.name))
        .expect("declared")
        .input();
    let mut msg = DynamicMessage::new(desc);
    set_path(&mut msg, method.routing_field, value);
    if let Some(f) = msg.descriptor().get_field_by_name("page_size") {
        msg.set_field(&f, Value::I32(7));
    }
    R::decode(msg.encode_to_vec().as_slice()).expect("re-decodes")
}

fn set_path(msg: &mut DynamicMessage, path: &str, value: &str) {
    match path.split_once('.') {
        None => msg.set_field_by_name(path, Value::String(value.to_owned())),
        Some((head, rest)) => {
            let Value::Message(mut inner) = msg.get_field_by_name(head).unwrap().into_owned()
            else {
                panic!("{head} is not a message");
            };
            set_path(&mut inner, rest, value);
            msg.set_field_by_name(head, Value::Message(inner));
        }
    }
}

/// The decoded routing header.
fn routing(seen: &Seen) -> String {
    let raw = seen.headers["x-goog-request-params"].to_str().unwrap();
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

#[tokio::test]
async fn every_rpc_sends_its_request_its_route_and_the_api_client() {
    let script = Script::default();
    let insights = InsightsClient::new(serve(script.clone()).await);
    let first = |m: &'static Method| example(m.patterns.first().copied().unwrap_or_default());
    let called = each_method::call_each(&insights, &first).await;
    assert_eq!(called.len(), 74);
    let seen = script.seen();
    assert_eq!(seen.len(), called.len(), "one request per call");
    for (call, seen) in called.iter().zip(&seen) {
        let (m, name) = (call.method, first(call.method));
        assert!(call.answer.is_ok(), "{}: {:?}", m.name, call.answer);
        assert_eq!(seen.path, m.path);
        assert_eq!(
            routing(seen),
            format!("{}={name}", m.routing_field),
            "{}",
            m.name
        );
        let api_client = seen.headers["x-goog-api-client"].to_str().unwrap();
        assert!(api_client.contains("gl-rust/"), "{}", m.name);
        assert_eq!(
            seen.body, call.sent,
            "{}: the body is the request, byte for byte",
            m.name
        );
    }
}

#[tokio::test]
async fn a_malformed_routing_value_is_refused_before_any_rpc() {
    let script = Script::default();
    let insights = InsightsClient::new(serve(script.clone()).await);
    let called = each_method::call_each(&insights, &|_| "projects/p/nowhere/x".into()).await;
    assert_eq!(called.len(), 74);
    for call in called {
        let m = call.method;
        let err = call.answer.expect_err(m.name);
        assert!(
            matches!(&err, Error::InvalidName { expected, .. } if *expected == m.expected),
            "{}: {err:?}",
            m.name
        );
        for pattern in m.patterns {
            assert!(err.to_string().contains(pattern), "{}: {err}", m.name);
        }
    }
    assert!(script.seen().is_empty(), "no RPC was sent");
}

#[tokio::test(start_paused = true)]
async fn reads_are_retried_on_unavailable_and_writes_are_not_unless_asked() {
    let script = Script::default();
    let insights = InsightsClient::new(serve(script.clone()).await);
    let settings = "projects/p/locations/l/settings";
    script.push((14, Vec::new()));
    let got = insights
        .get_settings(GetSettingsRequest {
            name: settings.into(),
        })
        .await;
    assert!(got.is_ok(), "{got:?}");
    assert_eq!(
        script.seen().len(),
        2,
        "GetSettings is a read: retried once"
    );

    let create = || CreateViewRequest {
        parent: "projects/p/locations/l".into(),
        view: Some(View::default()),
    };
    script.push((14, Vec::new()));
    let err = insights.create_view(create()).await.unwrap_err();
    assert_eq!(err.code(), Code::Unavailable);
    assert_eq!(script.seen().len(), 3, "CreateView is a write: sent once");

    script.push((14, Vec::new()));
    let retried = insights
        .clone()
        .retry_writes(true)
        .create_view(create())
        .await;
    assert!(retried.is_ok(), "{retried:?}");
    assert_eq!(script.seen().len(), 5, "opted in: retried");

    // Starters are writes too.
    script.push((14, Vec::new()));
    let err = insights
        .create_issue_model(CreateIssueModelRequest {
            parent: "projects/p/locations/l".into(),
            issue_model: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable);
    assert_eq!(script.seen().len(), 6);
}

fn page(names: &[&str], next: &str) -> Answer {
    let response = ListConversationsResponse {
        conversations: names
            .iter()
            .map(|n| Conversation {
                name: (*n).into(),
                ..Default::default()
            })
            .collect(),
        next_page_token: next.into(),
    };
    (0, response.encode_to_vec())
}

fn list_request() -> ListConversationsRequest {
    ListConversationsRequest {
        parent: "projects/p/locations/l".into(),
        page_size: 2,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_list_streams_items_across_pages_to_the_empty_token() {
    let script = Script::default();
    let insights = InsightsClient::new(serve(script.clone()).await);
    script.push(page(&["a", "b"], "t1"));
    script.push(page(&["c", "d"], "t2"));
    script.push(page(&["e"], ""));
    let items: Vec<Conversation> = insights
        .list_conversations_items(list_request(), None)
        .try_collect()
        .await
        .unwrap();
    let names: Vec<&str> = items.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    let tokens: Vec<String> = script
        .seen()
        .iter()
        .map(|s| {
            ListConversationsRequest::decode(s.body.as_slice())
                .unwrap()
                .page_token
        })
        .collect();
    assert_eq!(tokens, ["", "t1", "t2"]);
    for s in script.seen() {
        assert_eq!(routing(&s), "parent=projects/p/locations/l");
    }
}

#[tokio::test]
async fn a_limit_stops_asking_for_pages() {
    let script = Script::default();
    let insights = InsightsClient::new(serve(script.clone()).await);
    script.push(page(&["a", "b"], "t1"));
    script.push(page(&["c", "d"], "t2"));
    let items: Vec<Conversation> = insights
        .list_conversations_items(list_request(), Some(3))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(script.seen().len(), 2, "the third page was never asked for");
    let none: Vec<Conversation> = insights
        .list_conversations_items(list_request(), Some(0))
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(script.seen().len(), 2);
}

#[tokio::test]
async fn a_repeated_page_token_ends_the_list_with_an_error() {
    let script = Script::default();
    let insights = InsightsClient::new(serve(script.clone()).await);
    script.push(page(&["a"], "A"));
    script.push(page(&["b"], "B"));
    script.push(page(&["c"], "A"));
    let got: Result<Vec<Conversation>, Error> = insights
        .list_conversations_items(list_request(), None)
        .try_collect()
        .await;
    let err = got.unwrap_err();
    assert!(
        matches!(&err, Error::Protocol(ccai_lro::Violation::RepeatedPageToken { method: "ListConversations", token, .. }) if token == "A"),
        "{err:?}"
    );
    assert_eq!(script.seen().len(), 3);
}

#[tokio::test]
async fn a_negative_page_size_is_refused_before_any_rpc() {
    let script = Script::default();
    let insights = InsightsClient::new(serve(script.clone()).await);
    let mut request = list_request();
    request.page_size = -1;
    let got: Result<Vec<Conversation>, Error> = insights
        .list_conversations_items(request, None)
        .try_collect()
        .await;
    assert_eq!(got.unwrap_err().code(), Code::InvalidArgument);
    assert!(script.seen().is_empty());
}

#[tokio::test]
async fn a_server_error_keeps_its_code_and_details() {
    let script = Script::default();
    let insights = InsightsClient::new(serve(script.clone()).await);
    script.push((5, Vec::new()));
    let err = insights
        .get_issue_model(GetIssueModelRequest {
            name: "projects/p/locations/l/issueModels/m".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert!(err.to_string().contains("GetIssueModel"), "{err}");
}

/// Everything tracing writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn each_attempt_span_carries_the_opentelemetry_and_google_attributes() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let script = Script::default();
    let insights = InsightsClient::new(serve(script.clone()).await);
    script.push((5, Vec::new()));
    let name = "projects/p/locations/l/conversations/c";
    let _ = insights
        .get_conversation(GetConversationRequest {
            name: name.into(),
            ..Default::default()
        })
        .await;
    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let span = text
        .lines()
        .find(|l| l.contains("rpc{") && l.contains("close"))
        .unwrap_or_else(|| panic!("no closed rpc span in:\n{text}"));
    for field in [
        "rpc.system=\"grpc\"".to_owned(),
        "rpc.service=\"google.cloud.contactcenterinsights.v1.ContactCenterInsights\"".to_owned(),
        "rpc.method=\"GetConversation\"".to_owned(),
        "rpc.grpc.status_code=5".to_owned(),
        "gcp.client.service=\"contactcenterinsights\"".to_owned(),
        format!("gcp.client.version=\"{}\"", env!("CARGO_PKG_VERSION")),
        "gcp.client.repo=\"ccai-lro/ccai-lro\"".to_owned(),
        "gcp.client.artifact=\"ccai-lro\"".to_owned(),
        format!("gcp.resource.destination.id=\"{name}\""),
    ] {
        assert!(span.contains(&field), "{field} missing from {span}");
    }

    // An endpoint the client dialled itself names the server: a closed loopback port.
    let (client, port) = super::client_of_a_closed_port();
    let _ = InsightsClient::new(client)
        .get_settings(GetSettingsRequest {
            name: "projects/p/locations/l/settings".into(),
        })
        .await;
    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let span = text
        .lines()
        .rfind(|l| l.contains("rpc{") && l.contains("GetSettings"))
        .unwrap_or_else(|| panic!("no GetSettings span in:\n{text}"));
    assert!(span.contains("server.address=\"127.0.0.1\""), "{span}");
    assert!(span.contains(&format!("server.port={port}")), "{span}");
    assert!(span.contains("rpc.grpc.status_code=14"), "{span}");
}

#[tokio::test]
async fn an_answer_that_does_not_decode_is_a_protocol_error() {
    let script = Script::default();
    let insights = InsightsClient::new(serve(script.clone()).await);
    // Field 1 as a varint where IssueModel.name is a string.
    script.push((0, vec![0x08, 0x01]));
    let err = insights
        .get_issue_model(GetIssueModelRequest {
            name: "projects/p/locations/l/issueModels/m".into(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Protocol(ccai_lro::Violation::Unreadable {
                method: "GetIssueModel",
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(
        script.seen().len(),
        1,
        "not retried: retrying will not fix it"
    );
}
