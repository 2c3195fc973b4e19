//! Ingest through a storage server that speaks the GCS JSON API's listing, paged, and through
//! ones whose listing never ends or repeats a page token.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use ccai_lro::proto::google::longrunning::{
    operation, operations_client::OperationsClient, GetOperationRequest, Operation,
};
use ccai_lro_mock::MockServer;
use tonic::Code;

use crate::{Insights, LOC};

const CHAT: &str = r#"{"entries": [{"text": "Hello.", "role": "AGENT", "user_id": 1, "start_timestamp_usec": 1}]}"#;

/// How the listing pages go.
#[derive(Clone, Copy)]
enum Pages {
    /// Two objects a page, then no token.
    Honest,
    /// A fresh token every page, forever.
    Endless,
    /// The same token again.
    Repeating,
}

/// A GCS JSON API on loopback holding `count` chat transcripts `calls/{i}.json` in bucket
/// `stub-bucket`, listed as `pages` says; one request per connection.
fn storage(count: usize, pages: Pages) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let (path, _) = crate::read_request(&mut conn);
            let body = if let Some(query) = path.strip_prefix("/storage/v1/b/stub-bucket/o?") {
                let token: usize = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("pageToken="))
                    .and_then(|t| t.trim_start_matches('p').parse().ok())
                    .unwrap_or(0);
                let items: Vec<String> = (token * 2..(token * 2 + 2).min(count))
                    .map(|i| format!(r#"{{"name": "calls/{i}.json"}}"#))
                    .collect();
                let next = match pages {
                    Pages::Honest if token * 2 + 2 < count => {
                        format!(r#", "nextPageToken": "p{}""#, token + 1)
                    }
                    Pages::Honest => String::new(),
                    Pages::Endless => format!(r#", "nextPageToken": "p{}""#, token + 1),
                    Pages::Repeating => r#", "nextPageToken": "p1""#.to_owned(),
                };
                format!(
                    r#"{{"kind": "storage#objects", "items": [{}]{next}}}"#,
                    items.join(", ")
                )
            } else {
                CHAT.to_owned()
            };
            let _ = conn.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    addr
}

async fn ingest(addr: SocketAddr) -> Operation {
    // Real time (the storage server is a real socket); operations that end at once.
    let server = MockServer::builder()
        .track_resources(true)
        .op_duration(Duration::from_millis(1))
        .storage_emulator_host(&format!("http://{addr}"))
        .unwrap()
        .start()
        .await;
    let mut c = Insights::new(server.channel());
    let op = c
        .ingest_conversations(IngestConversationsRequest {
            parent: LOC.into(),
            source: Some(ingest_conversations_request::Source::GcsSource(
                ingest_conversations_request::GcsSource {
                    bucket_uri: "gs://stub-bucket/calls".into(),
                    ..Default::default()
                },
            )),
            ..Default::default()
        })
        .await
        .expect("started")
        .into_inner();
    tokio::time::sleep(Duration::from_millis(100)).await;
    OperationsClient::new(server.channel())
        .get_operation(GetOperationRequest { name: op.name })
        .await
        .expect("get")
        .into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ingest_follows_every_page_of_a_listing() {
    let done = ingest(storage(5, Pages::Honest)).await;
    let meta: IngestConversationsMetadata = done.metadata.expect("metadata").to_msg().unwrap();
    let stats = meta.ingest_conversations_stats.unwrap_or_default();
    assert_eq!(
        (stats.processed_object_count, stats.successful_ingest_count),
        (5, 5),
        "three pages of two, two and one"
    );
}

/// A listing that never ends is cut at the page bound; one that repeats a page token is
/// refused at once. Either ends the ingest's operation with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_that_never_ends_or_repeats_ends_the_ingest() {
    for (pages, code, what) in [
        (Pages::Endless, Code::Unavailable, "more than 1000 pages"),
        (
            Pages::Repeating,
            Code::Unavailable,
            "repeated the page token",
        ),
    ] {
        let done = ingest(storage(usize::MAX, pages)).await;
        let Some(operation::Result::Error(status)) = done.result else {
            panic!("not an error: {done:?}")
        };
        assert_eq!(status.code, code as i32, "{}", status.message);
        assert!(status.message.contains(what), "{}", status.message);
    }
}
