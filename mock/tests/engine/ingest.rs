//! IngestConversations over a bucket prefix: one conversation per object, duplicates skipped,
//! a bad object counted and named while the others go on, metadata objects as labels, a sample
//! size, audio kept as audio; counts that add up.

use std::time::Duration;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use ccai_lro::proto::google::longrunning::{
    operations_client::OperationsClient, GetOperationRequest,
};
use ccai_lro_mock::MockServer;

use crate::{Insights, LOC};

const CHAT: &str = r#"{"entries": [
  {"text": "Hello.", "role": "AGENT", "user_id": 1, "start_timestamp_usec": 1700000000000000},
  {"text": "My bill is wrong.", "role": "CUSTOMER", "user_id": 2, "start_timestamp_usec": 1700000005000000}
 ]}"#;

async fn emulator() -> (MockServer, Insights) {
    let server = MockServer::builder()
        .track_resources(true)
        .object("gs://calls/in/a.json", CHAT)
        .object("gs://calls/in/b.json", CHAT)
        .object("gs://calls/in/bad.json", "{\"entries\": 7}")
        .object("gs://calls/other/c.json", CHAT)
        .object(
            "gs://meta/in/a.json",
            r#"{"queue": "billing", "tier": 3, "x": "no"}"#,
        )
        .start()
        .await;
    let client = Insights::new(server.channel());
    (server, client)
}

fn request(
    object_type: ingest_conversations_request::gcs_source::BucketObjectType,
    sample_size: Option<i32>,
) -> IngestConversationsRequest {
    IngestConversationsRequest {
        parent: LOC.into(),
        source: Some(ingest_conversations_request::Source::GcsSource(
            ingest_conversations_request::GcsSource {
                bucket_uri: "gs://calls/in".into(),
                bucket_object_type: object_type as i32,
                metadata_bucket_uri: Some("gs://meta".into()),
                custom_metadata_keys: vec!["queue".into(), "tier".into()],
            },
        )),
        object_config: Some(
            ingest_conversations_request::ObjectConfig::TranscriptObjectConfig(
                ingest_conversations_request::TranscriptObjectConfig {
                    medium: conversation::Medium::Chat as i32,
                },
            ),
        ),
        conversation_config: Some(ingest_conversations_request::ConversationConfig {
            agent_id: "agent-7".into(),
            ..Default::default()
        }),
        sample_size,
        ..Default::default()
    }
}

/// Runs an ingest to its end; its final metadata.
async fn ingest(
    server: &MockServer,
    c: &mut Insights,
    request: IngestConversationsRequest,
) -> IngestConversationsMetadata {
    let op = c
        .ingest_conversations(request)
        .await
        .expect("started")
        .into_inner();
    tokio::time::sleep(Duration::from_secs(60)).await;
    let done = OperationsClient::new(server.channel())
        .get_operation(GetOperationRequest { name: op.name })
        .await
        .expect("get")
        .into_inner();
    assert!(done.done, "{done:?}");
    done.metadata
        .expect("metadata")
        .to_msg()
        .expect("IngestConversationsMetadata")
}

fn counts(m: &IngestConversationsMetadata) -> (i32, i32, i32, i32) {
    let s = m.ingest_conversations_stats.unwrap_or_default();
    (
        s.processed_object_count,
        s.successful_ingest_count,
        s.duplicates_skipped_count,
        s.failed_ingest_count,
    )
}

async fn conversations(c: &mut Insights) -> Vec<Conversation> {
    c.list_conversations(ListConversationsRequest {
        parent: LOC.into(),
        view: ConversationView::Full as i32,
        ..Default::default()
    })
    .await
    .expect("list")
    .into_inner()
    .conversations
}

#[tokio::test(start_paused = true)]
async fn an_ingest_makes_a_conversation_per_object_and_skips_duplicates_on_a_second_run() {
    use ingest_conversations_request::gcs_source::BucketObjectType::Transcript;
    let (server, mut c) = emulator().await;
    let first = ingest(&server, &mut c, request(Transcript, None)).await;
    // (processed, successful, duplicates, failed): they add up.
    assert_eq!(counts(&first), (3, 2, 0, 1));
    let [bad] = first.partial_errors.as_slice() else {
        panic!("one partial error: {first:?}")
    };
    assert!(
        bad.message.contains("gs://calls/in/bad.json"),
        "{}",
        bad.message
    );
    let made = conversations(&mut c).await;
    assert_eq!(made.len(), 2, "{made:?}");
    let mut uris: Vec<String> = made
        .iter()
        .map(
            |m| match m.data_source.as_ref().and_then(|d| d.source.clone()) {
                Some(conversation_data_source::Source::GcsSource(g)) => g.transcript_uri,
                other => panic!("not from storage: {other:?}"),
            },
        )
        .collect();
    uris.sort();
    assert_eq!(uris, ["gs://calls/in/a.json", "gs://calls/in/b.json"]);
    for m in &made {
        assert_eq!(m.turn_count, 2, "{}", m.name);
        assert_eq!(m.agent_id, "agent-7");
        assert_eq!(m.medium, conversation::Medium::Chat as i32);
    }
    let a = made
        .iter()
        .find(|m| m.labels.contains_key("queue"))
        .expect("the object with metadata");
    assert_eq!(a.labels.get("tier").map(String::as_str), Some("3"));
    assert!(!a.labels.contains_key("x"), "only the keys asked for");

    let second = ingest(&server, &mut c, request(Transcript, None)).await;
    assert_eq!(counts(&second), (3, 0, 2, 1));
    assert_eq!(conversations(&mut c).await.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_sample_size_caps_the_objects_and_audio_stays_audio() {
    use ingest_conversations_request::gcs_source::BucketObjectType::{Audio, Transcript};
    let (server, mut c) = emulator().await;
    let sampled = ingest(&server, &mut c, request(Transcript, Some(1))).await;
    assert_eq!(counts(&sampled), (1, 1, 0, 0));
    let (server2, mut c2) = emulator().await;
    let audio = ingest(&server2, &mut c2, request(Audio, None)).await;
    assert_eq!(
        counts(&audio),
        (3, 3, 0, 0),
        "audio is not read, so none is bad"
    );
    for m in conversations(&mut c2).await {
        assert!(m.transcript.is_none(), "audio is not transcribed here");
        let Some(conversation_data_source::Source::GcsSource(g)) =
            m.data_source.and_then(|d| d.source)
        else {
            panic!("no source")
        };
        assert!(g.audio_uri.starts_with("gs://calls/in/") && g.transcript_uri.is_empty());
    }
    drop(server);
}
