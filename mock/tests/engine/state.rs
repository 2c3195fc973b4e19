//! The state document in process: seeded from one server, restored into another.

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use ccai_lro_mock::{MockServer, SavedState};

use crate::{emulator, LOC};

#[tokio::test]
async fn a_saved_state_restores_resources_operations_and_order() {
    let (server, mut c) = emulator().await;
    for id in ["c-1", "c-2", "c-3"] {
        c.create_conversation(CreateConversationRequest {
            parent: LOC.into(),
            conversation_id: id.into(),
            conversation: Some(Conversation::default()),
        })
        .await
        .unwrap();
    }
    let op = c
        .create_issue_model(CreateIssueModelRequest {
            parent: LOC.into(),
            issue_model: Some(IssueModel::default()),
        })
        .await
        .unwrap()
        .into_inner();
    let document = server.state();
    let saved = SavedState::from_value(&document).expect("loads");
    let restored = MockServer::builder()
        .track_resources(true)
        .state(saved)
        .start()
        .await;
    assert_eq!(restored.state()["resources"], document["resources"]);
    assert!(
        restored.operation(&op.name).is_some(),
        "the operation came back"
    );
    let listed = crate::conversation_ids(&crate::Insights::new(restored.channel())).await;
    assert_eq!(listed, ["c-3", "c-2", "c-1"], "newest first, as before");
}

#[test]
fn bad_documents_name_the_place() {
    let cases = [
        ("[]", "the top"),
        (r#"{"version": 2}"#, "version"),
        (
            r#"{"version": 1, "resources": [{"name": "x"}]}"#,
            "resources[0]",
        ),
        (
            r#"{"version": 1, "resources": [{"@type": "type.googleapis.com/google.cloud.contactcenterinsights.v1.View", "name": "projects/p/locations/l/views/v"}, {"@type": "type.googleapis.com/google.cloud.contactcenterinsights.v1.View", "name": "projects/p/locations/l/views/v"}]}"#,
            "resources[1]",
        ),
        (
            r#"{"version": 1, "operations": [{"operation": {"name": "nope"}}]}"#,
            "operations[0]",
        ),
        ("{\n\"version\": 1,,}", "line 2 column"),
    ];
    for (text, place) in cases {
        let e = SavedState::parse(text).expect_err(text);
        assert!(e.to_string().contains(place), "{text}: {e}");
    }
}
