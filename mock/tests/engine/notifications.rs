//! Insights' Pub/Sub notifications: the settings' triggers, the messages recorded, and the
//! publishing to a Pub/Sub emulator's REST API (a small recording server here, well-behaved or
//! not), which never holds up the RPC that caused it.

use std::collections::HashMap;
use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use ccai_lro_mock::{MockServer, Notification};
use tonic::Code;

use crate::{error, violations, Insights, LOC};

const CHAT: &str = r#"{"entries": [
  {"text": "My bill is wrong.", "role": "CUSTOMER", "user_id": 2, "start_timestamp_usec": 1},
  {"text": "Let me check.", "role": "AGENT", "user_id": 1, "start_timestamp_usec": 5000000}]}"#;

fn topic(t: &str) -> String {
    format!("projects/p/topics/{t}")
}

async fn set(c: &mut Insights, pairs: &[(&str, &str)]) -> Result<Settings, tonic::Status> {
    c.update_settings(UpdateSettingsRequest {
        settings: Some(Settings {
            name: format!("{LOC}/settings"),
            pubsub_notification_settings: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), topic(v)))
                .collect(),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["pubsub_notification_settings".into()],
        }),
    })
    .await
    .map(tonic::Response::into_inner)
}

fn with_transcript() -> Conversation {
    Conversation {
        data_source: Some(ConversationDataSource {
            source: Some(conversation_data_source::Source::GcsSource(GcsSource {
                transcript_uri: "gs://calls/chat.json".into(),
                ..Default::default()
            })),
        }),
        ..Default::default()
    }
}

/// (topic, trigger, resource) of each notification.
fn seen(notes: &[Notification]) -> Vec<(String, String, String)> {
    notes
        .iter()
        .map(|n| {
            (
                n.topic.rsplit('/').next().unwrap_or_default().to_owned(),
                n.attributes["trigger"].clone(),
                n.attributes["resource"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn settings_refuse_unknown_triggers_and_malformed_topics_naming_the_key() {
    let (_s, mut c) = crate::emulator().await;
    let s = error(
        c.update_settings(UpdateSettingsRequest {
            settings: Some(Settings {
                name: format!("{LOC}/settings"),
                pubsub_notification_settings: HashMap::from([(
                    "create-analyses".to_owned(),
                    topic("t"),
                )]),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["pubsub_notification_settings".into()],
            }),
        })
        .await,
    );
    assert_eq!(s.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&s),
        ["settings.pubsub_notification_settings[\"create-analyses\"]"]
    );
    let s = error(
        c.update_settings(UpdateSettingsRequest {
            settings: Some(Settings {
                name: format!("{LOC}/settings"),
                pubsub_notification_settings: HashMap::from([(
                    "create-analysis".to_owned(),
                    "topics/t".to_owned(),
                )]),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["pubsub_notification_settings".into()],
            }),
        })
        .await,
    );
    assert!(
        s.message().contains("projects/{project}/topics/{topic}"),
        "{s:?}"
    );
}

/// Every trigger, recorded with its resource; a key and `all-triggers` on one topic send once.
#[tokio::test(start_paused = true)]
async fn every_trigger_is_recorded_once_per_topic() {
    let server = MockServer::builder()
        .track_resources(true)
        .object("gs://calls/chat.json", CHAT)
        .start()
        .await;
    let mut c = Insights::new(server.channel());
    set(
        &mut c,
        &[
            ("create-conversation", "conv"),
            ("all-triggers", "conv"),
            ("update-conversation", "updates"),
            ("create-analysis", "analyses"),
            ("update-or-analyze-conversation", "either"),
            ("upload-conversation", "uploads"),
            ("ingest-conversations", "ingests"),
            ("export-insights-data", "exports"),
        ],
    )
    .await
    .expect("settings");
    let made = c
        .create_conversation(CreateConversationRequest {
            parent: LOC.into(),
            conversation_id: "c1".into(),
            conversation: Some(with_transcript()),
        })
        .await
        .expect("create")
        .into_inner();
    let notes = server.notifications();
    assert_eq!(
        seen(&notes),
        [(
            "conv".into(),
            "create-conversation".into(),
            made.name.clone()
        )],
        "once, though two keys name the topic"
    );
    assert_eq!(notes[0].data["name"], made.name.as_str());
    assert_eq!(
        notes[0].data["turnCount"], 2,
        "the transcript's fields: {}",
        notes[0].data
    );

    c.update_conversation(UpdateConversationRequest {
        conversation: Some(Conversation {
            name: made.name.clone(),
            agent_id: "a2".into(),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["agent_id".into()],
        }),
    })
    .await
    .expect("update");
    let analysis = c
        .create_analysis(CreateAnalysisRequest {
            parent: made.name.clone(),
            analysis: Some(Analysis::default()),
        })
        .await
        .expect("analysis");
    let _ = analysis;
    let upload = c
        .upload_conversation(UploadConversationRequest {
            parent: LOC.into(),
            conversation_id: "up".into(),
            conversation: Some(with_transcript()),
            ..Default::default()
        })
        .await
        .expect("upload")
        .into_inner();
    c.export_insights_data(ExportInsightsDataRequest {
        parent: LOC.into(),
        ..Default::default()
    })
    .await
    .expect("export");
    c.ingest_conversations(IngestConversationsRequest {
        parent: LOC.into(),
        source: Some(ingest_conversations_request::Source::GcsSource(
            ingest_conversations_request::GcsSource {
                bucket_uri: "gs://calls".into(),
                ..Default::default()
            },
        )),
        ..Default::default()
    })
    .await
    .expect("ingest");
    // The operations end by the clock; nothing reads in between.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let all = seen(&server.notifications());
    let triggers: Vec<&str> = all.iter().map(|(_, t, _)| t.as_str()).collect();
    for want in [
        "update-conversation",
        "update-or-analyze-conversation",
        "create-analysis",
        "upload-conversation",
        "export-insights-data",
        "ingest-conversations",
    ] {
        assert!(triggers.contains(&want), "{want} missing from {all:?}");
    }
    // The upload's own key is set: it speaks for the conversation it made.
    assert!(
        !all.iter()
            .any(|(_, t, r)| t == "create-conversation" && r.ends_with("/up")),
        "{all:?}"
    );
    let uploaded = server
        .notifications()
        .into_iter()
        .find(|n| n.attributes["trigger"] == "upload-conversation")
        .expect("the upload's notification");
    assert_eq!(uploaded.attributes["resource"], upload.name);
    assert_eq!(
        uploaded.data["done"], true,
        "the finished operation: {}",
        uploaded.data
    );
    assert!(uploaded.data["response"]["name"]
        .as_str()
        .is_some_and(|n| n.ends_with("/conversations/up")));
    // all-triggers (on "conv") got every event too.
    let on_conv = all.iter().filter(|(t, _, _)| t == "conv").count();
    assert!(on_conv >= 6, "{all:?}");
}

/// What the recording server received: each publish's path and JSON body.
type Published = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

/// A recording Pub/Sub REST server: every publish's path and body, answered `status`.
fn pubsub(status: u16) -> (SocketAddr, Published) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let (path, body) = crate::read_request(&mut conn);
            let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
            record.lock().unwrap().push((path, json));
            let answer = r#"{"messageIds": ["1"]}"#;
            let _ = conn.write_all(
                format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}", answer.len())
                    .as_bytes(),
            );
        }
    });
    (addr, seen)
}

async fn with_pubsub(addr: &str) -> (MockServer, Insights) {
    let server = MockServer::builder()
        .track_resources(true)
        .pubsub_emulator_host(addr)
        .unwrap()
        .start()
        .await;
    let c = Insights::new(server.channel());
    (server, c)
}

async fn create(c: &mut Insights, id: &str) {
    c.create_conversation(CreateConversationRequest {
        parent: LOC.into(),
        conversation_id: id.into(),
        conversation: Some(Conversation::default()),
    })
    .await
    .expect("create");
}

/// Published through the REST API, base64 data and attributes, in order per topic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_are_published_in_order_through_the_rest_api() {
    let (addr, published) = pubsub(200);
    let (server, mut c) = with_pubsub(&format!("http://{addr}")).await;
    set(&mut c, &[("create-conversation", "conv")])
        .await
        .expect("settings");
    for i in 0..5 {
        create(&mut c, &format!("c{i}")).await;
    }
    for _ in 0..100 {
        if published.lock().unwrap().len() == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let published = published.lock().unwrap().clone();
    assert_eq!(published.len(), 5, "{published:?}");
    let mut names = Vec::new();
    for (path, body) in &published {
        assert_eq!(path, "/v1/projects/p/topics/conv:publish");
        let message = &body["messages"][0];
        assert_eq!(message["attributes"]["trigger"], "create-conversation");
        let data = base64::engine::general_purpose::STANDARD
            .decode(message["data"].as_str().unwrap_or_default())
            .expect("base64");
        let data: serde_json::Value = serde_json::from_slice(&data).expect("JSON");
        names.push(
            data["name"]
                .as_str()
                .unwrap_or_default()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert_eq!(names, ["c0", "c1", "c2", "c3", "c4"], "in order");
    // The count follows the Pub/Sub emulator's answer.
    for _ in 0..100 {
        if server.published() == Some((5, 0)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.published(), Some((5, 0)));
}

/// A missing topic (404) or a Pub/Sub emulator that is down: the RPC answers at once, the
/// message is recorded, dropped from publishing and counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_topic_or_a_down_pubsub_never_holds_up_the_rpc() {
    let (missing, _) = pubsub(404);
    let down = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    for addr in [missing, down] {
        let (server, mut c) = with_pubsub(&addr.to_string()).await;
        set(&mut c, &[("create-conversation", "conv")])
            .await
            .expect("settings");
        let started = std::time::Instant::now();
        create(&mut c, "c1").await;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(server.notifications().len(), 1, "recorded");
        for _ in 0..200 {
            if server.published().is_some_and(|(_, dropped)| dropped == 1) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(server.published(), Some((0, 1)), "{addr}");
    }
}

/// A Pub/Sub emulator that accepts and never answers holds only the publishing task: the RPC
/// answers at once and the message is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalling_pubsub_never_holds_up_the_rpc() {
    let stalled = TcpListener::bind("127.0.0.1:0").unwrap();
    let (server, mut c) = with_pubsub(&stalled.local_addr().unwrap().to_string()).await;
    set(&mut c, &[("create-conversation", "conv")])
        .await
        .expect("settings");
    let started = std::time::Instant::now();
    for i in 0..20 {
        create(&mut c, &format!("c{i}")).await;
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.notifications().len(), 20);
    assert_eq!(server.published(), Some((0, 0)), "still trying the first");
    drop(stalled);
}

#[tokio::test(start_paused = true)]
async fn an_upload_deleted_after_it_ended_is_still_announced() {
    let server = MockServer::builder()
        .track_resources(true)
        .delete_and_wait(true)
        .object("gs://calls/chat.json", CHAT)
        .start()
        .await;
    let mut c = Insights::new(server.channel());
    set(&mut c, &[("upload-conversation", "uploads")])
        .await
        .expect("settings");
    let upload = c
        .upload_conversation(UploadConversationRequest {
            parent: LOC.into(),
            conversation_id: "gone".into(),
            conversation: Some(with_transcript()),
            ..Default::default()
        })
        .await
        .expect("upload")
        .into_inner();
    // Past the operation's end (2 s by default), before the timer that settles it fires.
    tokio::time::advance(Duration::from_micros(2_000_500)).await;
    let mut ops = ccai_lro::proto::google::longrunning::operations_client::OperationsClient::new(
        server.channel(),
    );
    ops.delete_operation(
        ccai_lro::proto::google::longrunning::DeleteOperationRequest {
            name: upload.name.clone(),
        },
    )
    .await
    .expect("delete");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let uploads: Vec<_> = seen(&server.notifications())
        .into_iter()
        .filter(|(_, trigger, _)| trigger == "upload-conversation")
        .collect();
    assert_eq!(
        uploads,
        [("uploads".into(), "upload-conversation".into(), upload.name)],
        "the upload ended before it was deleted, so it is announced"
    );
}
