//! Conversations whose `transcript_uri` names an object: read from memory, a folder, or a
//! storage server speaking the GCS JSON API (a small one in the test, well-behaved or not), and
//! the fields derived from the transcript.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use ccai_lro::proto::google::longrunning::{
    operation, operations_client::OperationsClient, GetOperationRequest,
};
use ccai_lro_mock::{MockServer, MockServerBuilder};
use tonic::Code;

use crate::{violations, Insights, LOC};

const CHAT: &str = r#"{"conversation_info": {"categories": [{"display_name": "billing"}]},
 "entries": [
  {"text": " Let me check. ", "role": "AGENT", "user_id": 1, "start_timestamp_usec": 1700000012500000},
  {"text": "Hello, thanks for calling.", "role": "AGENT", "user_id": 1, "start_timestamp_usec": 1700000000000000},
  {"text": "My bill is wrong.", "role": "CUSTOMER", "user_id": 2, "start_timestamp_usec": "1700000005000000"}
 ]}"#;

const URI: &str = "gs://transcripts/calls/chat-1.json";

async fn started(builder: MockServerBuilder) -> (MockServer, Insights) {
    let server = builder.track_resources(true).start().await;
    let client = Insights::new(server.channel());
    (server, client)
}

fn with_transcript(uri: &str) -> Conversation {
    Conversation {
        data_source: Some(ConversationDataSource {
            source: Some(conversation_data_source::Source::GcsSource(GcsSource {
                transcript_uri: uri.into(),
                ..Default::default()
            })),
        }),
        ..Default::default()
    }
}

async fn create(c: &mut Insights, id: &str, uri: &str) -> Result<Conversation, tonic::Status> {
    c.create_conversation(CreateConversationRequest {
        parent: LOC.into(),
        conversation_id: id.into(),
        conversation: Some(with_transcript(uri)),
    })
    .await
    .map(tonic::Response::into_inner)
}

/// The derivation rules on a chat transcript: segments in time order, roles, user ids, the
/// turn count, the duration from the first entry to the last, the start time from the first.
fn assert_chat(c: &Conversation) {
    let segments = &c
        .transcript
        .as_ref()
        .expect("a transcript")
        .transcript_segments;
    let texts: Vec<&str> = segments.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Hello, thanks for calling.",
            "My bill is wrong.",
            "Let me check."
        ]
    );
    let roles: Vec<i32> = segments
        .iter()
        .map(|s| s.segment_participant.as_ref().map_or(0, |p| p.role))
        .collect();
    use conversation_participant::Role;
    assert_eq!(
        roles,
        [Role::HumanAgent, Role::EndUser, Role::HumanAgent].map(|r| r as i32)
    );
    let user = segments[1]
        .segment_participant
        .as_ref()
        .and_then(|p| p.participant.clone());
    assert_eq!(
        user,
        Some(conversation_participant::Participant::UserId("2".into()))
    );
    assert!(segments.iter().all(|s| s.language_code == "en-US"));
    assert_eq!(c.turn_count, 3);
    assert_eq!(
        c.duration,
        Some(prost_types::Duration {
            seconds: 12,
            nanos: 500_000_000
        })
    );
    assert_eq!(c.start_time.map(|t| t.seconds), Some(1_700_000_000));
}

#[tokio::test]
async fn a_transcript_in_memory_gives_the_conversation_its_fields() {
    let (_s, mut c) = started(MockServer::builder().object(URI, CHAT)).await;
    let made = create(&mut c, "c1", URI).await.expect("created");
    assert_chat(&made);
    // What is stored is what was answered: a filter on the derived fields finds it.
    let found = c
        .list_conversations(ListConversationsRequest {
            parent: LOC.into(),
            filter: "turn_count > 0".into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner()
        .conversations;
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn the_locations_language_fills_segments_of_a_conversation_without_one() {
    let (_s, mut c) = started(MockServer::builder().object(URI, CHAT)).await;
    c.update_settings(UpdateSettingsRequest {
        settings: Some(Settings {
            name: format!("{LOC}/settings"),
            language_code: "de-DE".into(),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["language_code".into()],
        }),
    })
    .await
    .expect("settings");
    let made = create(&mut c, "c1", URI).await.expect("created");
    let segments = made.transcript.expect("transcript").transcript_segments;
    assert!(
        segments.iter().all(|s| s.language_code == "de-DE"),
        "{segments:?}"
    );
}

#[tokio::test]
async fn without_storage_a_conversation_keeps_only_its_uri() {
    let (_s, mut c) = started(MockServer::builder()).await;
    let made = create(
        &mut c,
        "c1",
        "gs://cloud-samples-data/ccai/chat_sample.json",
    )
    .await
    .expect("created, as Google's samples expect");
    assert!(made.transcript.is_none());
    assert_eq!(made.turn_count, 0);
}

#[tokio::test]
async fn storage_errors_name_the_uri_and_store_nothing() {
    let (_s, mut c) = started(MockServer::builder().object(URI, CHAT).object(
        "gs://transcripts/bad.json",
        "{\"entries\": [\n  {\"role\": \"AGENT\", \"start_timestamp_usec\": 1,}]}",
    ))
    .await;
    let missing = create(&mut c, "m", "gs://transcripts/nope.json")
        .await
        .expect_err("refused");
    assert_eq!(missing.code(), Code::NotFound, "{missing:?}");
    assert!(missing.message().contains("gs://transcripts/nope.json"));
    let not_gs = create(&mut c, "u", "https://example.test/t.json")
        .await
        .expect_err("refused");
    assert_eq!(not_gs.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&not_gs),
        ["conversation.data_source.gcs_source.transcript_uri"]
    );
    let bad = create(&mut c, "b", "gs://transcripts/bad.json")
        .await
        .expect_err("refused");
    assert_eq!(bad.code(), Code::InvalidArgument, "{bad:?}");
    assert!(
        bad.message().contains("gs://transcripts/bad.json"),
        "{bad:?}"
    );
    assert!(bad.message().contains("line 2"), "the place: {bad:?}");
    assert!(
        crate::conversation_ids(&c).await.is_empty(),
        "nothing stored"
    );
}

/// UploadConversation reads the same way; an object it cannot read ends the operation with
/// that status, and no conversation is left behind.
#[tokio::test(start_paused = true)]
async fn an_upload_reads_its_transcript_or_fails_its_operation() {
    let (server, mut c) = started(MockServer::builder().object(URI, CHAT)).await;
    let ops = OperationsClient::new(server.channel());
    let upload = |id: &str, uri: &str| UploadConversationRequest {
        parent: LOC.into(),
        conversation_id: id.into(),
        conversation: Some(with_transcript(uri)),
        ..Default::default()
    };
    let finished = |name: String| {
        let mut ops = ops.clone();
        async move {
            tokio::time::sleep(Duration::from_secs(60)).await;
            ops.get_operation(GetOperationRequest { name })
                .await
                .expect("get")
                .into_inner()
        }
    };
    let good = c
        .upload_conversation(upload("up-1", URI))
        .await
        .expect("started");
    let done = finished(good.into_inner().name).await;
    let Some(operation::Result::Response(any)) = done.result else {
        panic!("not a response: {done:?}")
    };
    assert_chat(&any.to_msg::<Conversation>().expect("a conversation"));

    let bad = c
        .upload_conversation(upload("up-2", "gs://transcripts/missing.json"))
        .await
        .expect("started: the read happens as the operation runs");
    let done = finished(bad.into_inner().name).await;
    let Some(operation::Result::Error(status)) = done.result else {
        panic!("not an error: {done:?}")
    };
    assert_eq!(status.code, Code::NotFound as i32);
    assert!(
        status.message.contains("missing.json"),
        "{}",
        status.message
    );
    assert_eq!(crate::conversation_ids(&c).await, ["up-1"]);
}

/// A folder as storage: `gs://BUCKET/OBJECT` is `DIR/BUCKET/OBJECT`, and names built to escape
/// it are refused without reading anything outside.
#[tokio::test]
async fn a_folder_is_read_and_names_that_escape_it_are_refused() {
    let root = std::env::temp_dir().join(format!("ccai-storage-{}", std::process::id()));
    let dir = root.join("store");
    std::fs::create_dir_all(dir.join("transcripts/calls")).unwrap();
    std::fs::write(dir.join("transcripts/calls/chat-1.json"), CHAT).unwrap();
    std::fs::write(root.join("secret.json"), CHAT).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.join("secret.json"), dir.join("transcripts/link.json"))
        .unwrap();
    let (_s, mut c) = started(MockServer::builder().storage_dir(&dir).unwrap()).await;
    assert_chat(
        &create(&mut c, "c1", URI)
            .await
            .expect("read from the folder"),
    );
    for (id, escape) in [
        ("e1", "gs://transcripts/../../secret.json"),
        ("e2", "gs://transcripts/calls/../../../secret.json"),
        ("e3", "gs://transcripts//etc/passwd"),
        #[cfg(unix)]
        ("e4", "gs://transcripts/link.json"),
    ] {
        let s = create(&mut c, id, escape).await.expect_err("refused");
        assert_eq!(s.code(), Code::InvalidArgument, "{escape}: {s:?}");
        assert!(
            s.message().contains("outside the storage folder"),
            "{escape}: {s:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// How the test's storage server answers.
#[derive(Clone, Copy)]
enum Storage {
    /// As the GCS JSON API does.
    Good,
    /// Accepts, reads the request, never answers.
    Stalls,
    /// Answers more bytes than any object may have.
    Huge,
}

/// A storage server on loopback speaking the GCS JSON API's object GET (`?alt=media`) for the
/// objects given, one request per connection.
fn storage_server(objects: Vec<(&'static str, &'static str)>, how: Storage) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let (path, _) = crate::read_request(&mut conn);
            match how {
                Storage::Stalls => {
                    std::thread::sleep(Duration::from_secs(30));
                    continue;
                }
                Storage::Huge => {
                    let _ = conn.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                    );
                    let chunk = vec![b' '; 1 << 20];
                    for _ in 0..20 {
                        let size = format!("{:x}\r\n", chunk.len());
                        if conn.write_all(size.as_bytes()).is_err()
                            || conn.write_all(&chunk).is_err()
                            || conn.write_all(b"\r\n").is_err()
                        {
                            break;
                        }
                    }
                    continue;
                }
                Storage::Good => {}
            }
            let found = objects.iter().find(|(bucket_object, _)| {
                let (bucket, object) = bucket_object.split_once('/').unwrap();
                let encoded = object.replace('/', "%2F");
                path == format!("/storage/v1/b/{bucket}/o/{encoded}?alt=media")
            });
            let (status, body) = match found {
                Some((_, body)) => ("200 OK", *body),
                None => ("404 Not Found", "{\"error\": {\"code\": 404}}"),
            };
            let _ = conn.write_all(
                format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    addr
}

#[tokio::test]
async fn a_storage_emulator_is_read_through_the_gcs_json_api() {
    let addr = storage_server(vec![("transcripts/calls/chat-1.json", CHAT)], Storage::Good);
    let builder = MockServer::builder()
        .storage_emulator_host(&format!("http://{addr}"))
        .unwrap();
    let (_s, mut c) = started(builder).await;
    assert_chat(&create(&mut c, "c1", URI).await.expect("read over HTTP"));
    let missing = create(&mut c, "m", "gs://transcripts/none.json")
        .await
        .expect_err("refused");
    assert_eq!(missing.code(), Code::NotFound);
}

/// A storage server that does not answer, stalls, or sends too much costs the call a bounded
/// time and memory, and the error names the host.
#[tokio::test]
async fn a_hostile_storage_server_cannot_hang_or_flood_the_emulator() {
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let stalls = storage_server(vec![], Storage::Stalls);
    let huge = storage_server(vec![], Storage::Huge);
    for (addr, code, what) in [
        (closed, Code::Unavailable, "cannot connect"),
        (huge, Code::ResourceExhausted, "more than"),
    ] {
        let builder = MockServer::builder()
            .storage_emulator_host(&addr.to_string())
            .unwrap();
        let (_s, mut c) = started(builder).await;
        let s = create(&mut c, "h", URI).await.expect_err("refused");
        assert_eq!(s.code(), code, "{s:?}");
        assert!(s.message().contains(what), "{s:?}");
        assert!(
            s.message().contains(&addr.to_string()),
            "names the host: {s:?}"
        );
    }
    // The stall ends at the storage timeout; paused time makes that instant.
    let builder = MockServer::builder()
        .storage_emulator_host(&stalls.to_string())
        .unwrap();
    let (_s, mut c) = started(builder).await;
    tokio::time::pause();
    let s = create(&mut c, "h", URI).await.expect_err("refused");
    assert_eq!(s.code(), Code::Unavailable, "{s:?}");
    assert!(s.message().contains("within"), "{s:?}");
}

#[test]
fn storage_settings_that_cannot_work_are_refused_at_once() {
    assert!(MockServer::builder()
        .storage_dir("/no/such/folder/anywhere")
        .is_err());
    for host in ["https://127.0.0.1:1", "ftp://x:1", "127.0.0.1", "a/b:1"] {
        assert!(
            MockServer::builder().storage_emulator_host(host).is_err(),
            "{host}"
        );
    }
    let panic = std::panic::catch_unwind(|| MockServer::builder().object("s3://b/o", "x"))
        .expect_err("a panic");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("gs://BUCKET/OBJECT"), "{message}");
}
