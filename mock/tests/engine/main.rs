//! The emulator's resource engine, driven over gRPC as a client would: the standard methods'
//! AIP rules for every kind, lists and their tokens, masks, deletes and their `force`, the
//! singletons, the custom methods' effects, and the store's bounds.

mod analyses;
mod custom;
mod hostile;
mod ingest;
mod listing;
mod lists;
mod masks;
mod notifications;
mod scripting;
mod standard;
mod state;
mod training;
mod transcripts;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::contact_center_insights_client::ContactCenterInsightsClient;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    CreateQaScorecardRequest, ListConversationsRequest, QaScorecard,
};
use ccai_lro::status::Detail;
use ccai_lro_mock::MockServer;
use tonic::transport::Channel;

pub const LOC: &str = "projects/p/locations/us-central1";

pub type Insights = ContactCenterInsightsClient<Channel>;

/// An emulator as `ccai-lro emulator` runs it (resources kept), and a raw gRPC client: no
/// checks of ours before the server's.
pub async fn emulator() -> (MockServer, Insights) {
    let server = MockServer::builder().track_resources(true).start().await;
    let client = ContactCenterInsightsClient::new(server.channel())
        .max_decoding_message_size(64 << 20)
        .max_encoding_message_size(64 << 20);
    (server, client)
}

/// The ids (last name segments) of the location's conversations, in the order listed.
pub async fn conversation_ids(c: &Insights) -> Vec<String> {
    c.clone()
        .list_conversations(ListConversationsRequest {
            parent: LOC.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .conversations
        .into_iter()
        .map(|c| c.name.rsplit('/').next().unwrap_or_default().to_owned())
        .collect()
}

/// A QA scorecard `card` in the location.
pub async fn scorecard(c: &mut Insights) -> QaScorecard {
    c.create_qa_scorecard(CreateQaScorecardRequest {
        parent: LOC.into(),
        qa_scorecard: Some(QaScorecard::default()),
        qa_scorecard_id: "card".into(),
    })
    .await
    .unwrap()
    .into_inner()
}

/// The error of a call that must fail.
pub fn error<T: std::fmt::Debug>(
    result: Result<tonic::Response<T>, tonic::Status>,
) -> tonic::Status {
    match result {
        Ok(v) => panic!("expected an error, got {:?}", v.into_inner()),
        Err(s) => s,
    }
}

/// The fields a BadRequest detail names.
pub fn violations(status: &tonic::Status) -> Vec<String> {
    ccai_lro::Status::from_tonic(status)
        .details()
        .iter()
        .filter_map(|d| match d {
            Detail::BadRequest(b) => Some(b.field_violations.iter().map(|v| v.field.clone())),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The resource name a ResourceInfo detail names.
pub fn resource_info(status: &tonic::Status) -> Option<String> {
    ccai_lro::Status::from_tonic(status)
        .details()
        .iter()
        .find_map(|d| match d {
            Detail::ResourceInfo(r) => Some(r.resource_name.clone()),
            _ => None,
        })
}

/// One HTTP/1.1 request as a stub server in these tests reads it from `conn`: its path and its
/// body (by `Content-Length`).
pub fn read_request(conn: &mut std::net::TcpStream) -> (String, Vec<u8>) {
    use std::io::Read;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).is_ok_and(|n| n == 1) {
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    let _ = conn.read_exact(&mut body);
    let path = head
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (path, body)
}
