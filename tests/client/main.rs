//! The client against the in-process mock: error classes, typed metadata, resume, deadlines,
//! retries, RetryInfo, credentials, headers and paging. Time is tokio's paused clock.

use std::time::Duration;

use ccai_lro::{
    backoff::Backoff,
    proto::google::cloud::contactcenterinsights::v1::{
        CreateIssueModelMetadata, CreateIssueModelRequest, IssueModel,
    },
    Client, Error, PollPolicy,
};
use ccai_lro_mock::MockServer;

mod any_api;
mod credentials;
mod errors;
mod listing;
mod polling;
mod pool;
mod protocol;
mod retries;
mod tls;
mod typed;
mod waiting;
mod whole_api;

const PARENT: &str = "projects/p/locations/us-central1";

/// A client of a loopback port nobody listens on (bound, then released), without retries.
fn client_of_a_closed_port() -> (Client, u16) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .endpoint(format!("http://127.0.0.1:{port}"))
        .retry(ccai_lro::RetryPolicy::never())
        .build()
        .unwrap();
    (client, port)
}

/// `builder`'s server on a loopback port, holding a running operation `id` (metadata
/// [`meta`]`(id)`).
async fn on_loopback(builder: ccai_lro_mock::MockServerBuilder, id: &str) -> MockServer {
    let server = builder.start_tcp("127.0.0.1:0").await.unwrap();
    server.insert(
        &op_name(id),
        ccai_lro_mock::Script::new().metadata(&meta(id)),
    );
    server
}

fn op_name(id: &str) -> String {
    format!("{PARENT}/operations/{id}")
}

fn meta(display: &str) -> CreateIssueModelMetadata {
    CreateIssueModelMetadata {
        request: Some(CreateIssueModelRequest {
            parent: PARENT.into(),
            issue_model: Some(IssueModel {
                display_name: display.into(),
                ..Default::default()
            }),
        }),
        ..Default::default()
    }
}

fn fast() -> PollPolicy {
    PollPolicy::new(Backoff::new(
        Duration::from_secs(1),
        2.0,
        Duration::from_secs(8),
    ))
}

/// The field, expected and actual type URLs of a `TypeMismatch`; any other error fails the test.
fn type_mismatch(err: &Error) -> (&'static str, &str, &str) {
    match err {
        Error::TypeMismatch {
            field,
            expected,
            actual,
            ..
        } => (field, expected, actual),
        other => panic!("not a type mismatch: {other:?}"),
    }
}

async fn setup() -> (MockServer, Client) {
    let server = MockServer::start().await;
    let client = Client::from_channel(server.channel());
    (server, client)
}
