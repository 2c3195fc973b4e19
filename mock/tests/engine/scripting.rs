//! What a test does with the in-process mock beyond calling it: seed typed resources, script an
//! answer or a fault for any RPC by name, read what any RPC was sent.

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use ccai_lro_mock::Fault;
use tonic::Code;

use crate::{emulator, error, LOC};

#[tokio::test]
async fn seeded_resources_are_served_with_their_output_fields() {
    let (server, mut c) = emulator().await;
    let name = format!("{LOC}/conversations/seeded");
    server
        .seed(&Conversation {
            name: name.clone(),
            turn_count: 12,
            duration: Some(prost_types::Duration {
                seconds: 30,
                nanos: 0,
            }),
            ..Default::default()
        })
        .expect("seeded");
    let long = c
        .list_conversations(ListConversationsRequest {
            parent: LOC.into(),
            filter: "turn_count > 10 AND duration >= \"20s\"".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(long.conversations.len(), 1);
    assert_eq!(long.conversations[0].turn_count, 12);
    let dup = server.seed(&Conversation {
        name,
        ..Default::default()
    });
    assert_eq!(dup.map_err(|s| s.code()), Err(Code::AlreadyExists));
    let bad = server.seed(&View {
        name: "projects/p/views/v".into(),
        ..Default::default()
    });
    assert_eq!(bad.map_err(|s| s.code()), Err(Code::InvalidArgument));
}

#[tokio::test]
async fn any_rpc_can_be_answered_or_failed_by_name() {
    let (server, mut c) = emulator().await;
    server.answer("GetSettings", |r: GetSettingsRequest| {
        Ok(Settings {
            name: r.name,
            language_code: "de-DE".into(),
            ..Default::default()
        })
    });
    let got = c
        .get_settings(GetSettingsRequest {
            name: format!("{LOC}/settings"),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.language_code, "de-DE");
    server.answer(
        "GetView",
        |_: GetViewRequest| -> Result<View, tonic::Status> {
            Err(tonic::Status::permission_denied("scripted"))
        },
    );
    let s = error(
        c.get_view(GetViewRequest {
            name: format!("{LOC}/views/v"),
        })
        .await,
    );
    assert_eq!(s.code(), Code::PermissionDenied);
    server.clear_answers();
    let s = error(
        c.get_view(GetViewRequest {
            name: format!("{LOC}/views/v"),
        })
        .await,
    );
    assert_eq!(s.code(), Code::NotFound, "the engine again");

    server.fail_sequence("ListPhraseMatchers", [Fault::Unavailable]);
    let list = || ListPhraseMatchersRequest {
        parent: LOC.into(),
        ..Default::default()
    };
    assert_eq!(
        error(c.list_phrase_matchers(list()).await).code(),
        Code::Unavailable
    );
    c.list_phrase_matchers(list()).await.unwrap();
}

#[tokio::test]
async fn the_requests_of_any_rpc_are_recorded_whole() {
    let (server, mut c) = emulator().await;
    c.create_view(CreateViewRequest {
        parent: LOC.into(),
        view: Some(View {
            display_name: "mine".into(),
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    let recorded = server.requests();
    let create = recorded
        .iter()
        .find(|r| r.method == "CreateView")
        .expect("recorded");
    assert_eq!(create.resource, LOC);
    let sent: CreateViewRequest = create.request_as().expect("kept whole");
    assert_eq!(sent.view.map(|v| v.display_name), Some("mine".into()));
    assert!(
        create.request_as::<GetViewRequest>().is_none(),
        "typed by its URL"
    );

    let big = "x".repeat(ccai_lro_mock::limits::MAX_RECORDED_REQUEST + 1);
    let _ = c
        .create_view(CreateViewRequest {
            parent: LOC.into(),
            view: Some(View {
                display_name: big,
                ..Default::default()
            }),
        })
        .await;
    let last = server.requests().pop().expect("recorded");
    assert!(last.request.is_none(), "over the bound: not kept");
    assert!(last.request_len > ccai_lro_mock::limits::MAX_RECORDED_REQUEST);
}

#[tokio::test]
async fn the_basic_view_leaves_out_the_transcript() {
    let (server, mut c) = emulator().await;
    let name = format!("{LOC}/conversations/t1");
    server
        .seed(&Conversation {
            name: name.clone(),
            transcript: Some(conversation::Transcript {
                transcript_segments: vec![conversation::transcript::TranscriptSegment {
                    text: "hello".into(),
                    ..Default::default()
                }],
            }),
            ..Default::default()
        })
        .expect("seed");
    let get = |view: ConversationView| GetConversationRequest {
        name: name.clone(),
        view: view as i32,
    };
    let full = c
        .get_conversation(get(ConversationView::Unspecified))
        .await
        .unwrap()
        .into_inner();
    assert!(full.transcript.is_some(), "Get defaults to FULL");
    let basic = c
        .get_conversation(get(ConversationView::Basic))
        .await
        .unwrap()
        .into_inner();
    assert!(basic.transcript.is_none());
    let list = |view: ConversationView| ListConversationsRequest {
        parent: LOC.into(),
        view: view as i32,
        ..Default::default()
    };
    let listed = c
        .list_conversations(list(ConversationView::Unspecified))
        .await
        .unwrap()
        .into_inner();
    assert!(
        listed.conversations[0].transcript.is_none(),
        "List defaults to BASIC"
    );
    let listed = c
        .list_conversations(list(ConversationView::Full))
        .await
        .unwrap()
        .into_inner();
    assert!(listed.conversations[0].transcript.is_some());
}

/// The panic message of `f`.
fn panic_of(f: impl FnOnce()) -> String {
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("a panic");
    err.downcast_ref::<String>().cloned().unwrap_or_default()
}

/// A script that would never run fails at the call, naming what to write instead: a test must
/// not quietly check the defaults.
#[tokio::test]
async fn every_wrong_use_of_a_script_fails_at_the_call() {
    let (server, _c) = emulator().await;
    let settings = |r: GetSettingsRequest| {
        Ok(Settings {
            name: r.name,
            ..Default::default()
        })
    };
    let analysis = |_: CreateAnalysisRequest| Ok(Analysis::default());
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "an operation RPC answered",
            panic_of(|| server.answer("CreateAnalysis", analysis)),
            "script_for(\"CreateAnalysis\"",
        ),
        (
            "a misspelt answer",
            panic_of(|| server.answer("GetSetings", settings)),
            "did you mean \"GetSettings\"",
        ),
        (
            "a misspelt script on the server",
            panic_of(|| server.script_for("CreateAnalyses", |_| ccai_lro_mock::Script::new())),
            "did you mean \"CreateAnalysis\"",
        ),
        (
            "a misspelt script on the builder",
            panic_of(|| {
                let _ = ccai_lro_mock::MockServer::builder()
                    .script_for("UploadConversations", |_| ccai_lro_mock::Script::new());
            }),
            "did you mean \"UploadConversation\"",
        ),
        (
            "an immediate RPC scripted",
            panic_of(|| server.script_for("GetSettings", |_| ccai_lro_mock::Script::new())),
            "MockServer::answer(\"GetSettings\"",
        ),
        (
            "a misspelt fault",
            panic_of(|| server.fail_sequence("GetConverstion", [Fault::Unavailable])),
            "did you mean \"GetConversation\"",
        ),
    ];
    for (what, message, want) in cases {
        assert!(message.contains(want), "{what}: {message:?}");
    }
    // The right uses are still taken.
    server.answer("GetSettings", settings);
    server.script_for("CreateAnalysis", |_| ccai_lro_mock::Script::new());
}
