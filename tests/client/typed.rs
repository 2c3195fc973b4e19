//! Typed handles: metadata at each poll, the starter's result, resuming by name.

use ccai_lro::{
    insights::{CreateIssueModelOperation, InsightsClient},
    proto::google::cloud::contactcenterinsights::v1::{
        CreateIssueModelMetadata, CreateIssueModelRequest, IssueModel,
    },
    Client, Progress,
};
use ccai_lro_mock::Script;
use futures_util::StreamExt;

use crate::{fast, meta, op_name, setup, PARENT};

#[tokio::test(start_paused = true)]
async fn metadata_is_typed_at_each_poll_and_the_result_unpacks() {
    let (server, client) = setup().await;
    let name = op_name("typed");
    let done = IssueModel {
        display_name: "done".into(),
        ..Default::default()
    };
    let script = Script::new()
        .metadata(&meta("one"))
        .metadata(&meta("two"))
        .metadata(&meta("three"))
        .final_metadata(&meta("four"))
        .respond(&done)
        .every_polls(1);
    server.insert(&name, script);
    let mut op = CreateIssueModelOperation::resume(&client, &name)
        .await
        .unwrap();
    let display =
        |m: CreateIssueModelMetadata| m.request.unwrap().issue_model.unwrap().display_name;
    let mut seen = vec![display(op.metadata().unwrap().unwrap())];
    let items: Vec<_> = op.progress_with(fast()).collect().await;
    let mut done = None;
    for item in items {
        match item.unwrap() {
            Progress::Running(m) => seen.push(display(m.unwrap())),
            Progress::Done(model) => done = Some(model.display_name),
            other => panic!("{other:?}"),
        }
    }
    // One typed snapshot per poll, in script order; the stream ends with the typed result.
    // The mock advances a step on every poll, so the first poll already sees "two", and the
    // poll that sees "four" (the final metadata) sees the operation done.
    assert_eq!(seen, ["two", "three"]);
    assert_eq!(done.as_deref(), Some("done"));
    assert_eq!(op.metadata().unwrap().map(display).as_deref(), Some("four"));
    assert_eq!(op.result().unwrap().unwrap().display_name, "done");
}

#[tokio::test(start_paused = true)]
async fn starter_and_wait_give_the_default_issue_model() {
    let (server, client) = setup().await;
    let insights = InsightsClient::new(client);
    let op = insights
        .create_issue_model(CreateIssueModelRequest {
            parent: PARENT.into(),
            issue_model: Some(IssueModel {
                display_name: "chat topics".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    let name = op.name().to_owned();
    assert!(name.starts_with(&format!("{PARENT}/operations/")), "{name}");
    let model = op.wait_with(fast()).await.unwrap();
    assert_eq!(model.display_name, "chat topics");
    // The scripted mock keeps no conversations: it reports no training statistics rather
    // than made-up ones.
    assert!(model
        .training_stats
        .is_none_or(|s| s.issue_stats.is_empty() && s.analyzed_conversations_count == 0));
    let start = &server.requests()[0];
    assert_eq!(start.method, "CreateIssueModel");
    assert_eq!(
        start.header("x-goog-request-params"),
        Some("parent=projects%2Fp%2Flocations%2Fus-central1")
    );
}

#[tokio::test(start_paused = true)]
async fn resume_by_name_from_a_new_client() {
    let (server, client) = setup().await;
    let name = op_name("resume");
    server.insert(
        &name,
        Script::new()
            .metadata(&meta("a"))
            .respond(&IssueModel::default()),
    );
    drop(client);
    let other = Client::from_channel(server.channel());
    let op = CreateIssueModelOperation::resume(&other, &name)
        .await
        .unwrap();
    assert_eq!(op.name(), name);
    assert_eq!(op.metadata().unwrap().unwrap(), meta("a"));
    op.wait_with(fast()).await.unwrap();
}
