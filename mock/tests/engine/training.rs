//! Issue models trained on the stored conversations (the emulator's rule: a conversation's
//! issue is its label `issue`): counts that were counted, issues that exist, a minimum.

use std::time::Duration;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use ccai_lro::proto::google::longrunning::{
    operation, operations_client::OperationsClient, GetOperationRequest, Operation,
};
use ccai_lro_mock::MockServer;
use tonic::Code;

use crate::{emulator, Insights, LOC};

fn conversation(id: &str, medium: conversation::Medium, issue: Option<&str>) -> Conversation {
    Conversation {
        name: format!("{LOC}/conversations/{id}"),
        medium: medium as i32,
        labels: issue
            .map(|i| [("issue".to_owned(), i.to_owned())].into())
            .unwrap_or_default(),
        ..Default::default()
    }
}

/// Six chats (three about billing, two about shipping, one unlabelled) and a call about billing.
fn seed(server: &MockServer) {
    use conversation::Medium::{Chat, PhoneCall};
    let all = [
        conversation("b1", Chat, Some("Billing")),
        conversation("b2", Chat, Some("Billing")),
        conversation("b3", Chat, Some(" Billing ")),
        conversation("s1", Chat, Some("Shipping")),
        conversation("s2", Chat, Some("Shipping")),
        conversation("u1", Chat, None),
        conversation("p1", PhoneCall, Some("Billing")),
    ];
    for c in &all {
        server.seed(c).expect("seeded");
    }
}

/// The operation `name` once it has ended (paused time runs it to the end).
async fn finished(server: &MockServer, name: String) -> Operation {
    tokio::time::sleep(Duration::from_secs(60)).await;
    OperationsClient::new(server.channel())
        .get_operation(GetOperationRequest { name })
        .await
        .expect("get")
        .into_inner()
}

async fn train(
    server: &MockServer,
    c: &mut Insights,
    input: issue_model::InputDataConfig,
) -> Operation {
    let op = c
        .create_issue_model(CreateIssueModelRequest {
            parent: LOC.into(),
            issue_model: Some(IssueModel {
                display_name: "topics".into(),
                input_data_config: Some(input),
                ..Default::default()
            }),
        })
        .await
        .expect("started")
        .into_inner();
    finished(server, op.name).await
}

/// The issues of `model`, as ListIssues answers them.
async fn issues(c: &mut Insights, model: &str) -> Vec<Issue> {
    c.list_issues(ListIssuesRequest {
        parent: model.to_owned(),
    })
    .await
    .expect("list")
    .into_inner()
    .issues
}

fn model_of(op: &Operation) -> IssueModel {
    match &op.result {
        Some(operation::Result::Response(any)) => any.to_msg().expect("an IssueModel"),
        other => panic!("not a response: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_model_counts_the_matching_conversations_and_every_issue_it_names_exists() {
    let (server, mut c) = emulator().await;
    seed(&server);
    let chats = issue_model::InputDataConfig {
        medium: conversation::Medium::Chat as i32,
        ..Default::default()
    };
    let model = model_of(&train(&server, &mut c, chats).await);
    let stats = model.training_stats.clone().expect("training stats");
    assert_eq!(stats.analyzed_conversations_count, 6);
    assert_eq!(
        model
            .input_data_config
            .map(|i| i.training_conversations_count),
        Some(6)
    );
    assert_eq!(stats.unclassified_conversations_count, 1);
    let labelled: i64 = stats
        .issue_stats
        .values()
        .map(|s| s.labeled_conversations_count)
        .sum();
    assert_eq!(
        labelled + stats.unclassified_conversations_count,
        6,
        "they add up"
    );
    let mut counted: Vec<(String, i64)> = stats
        .issue_stats
        .values()
        .map(|s| (s.display_name.clone(), s.labeled_conversations_count))
        .collect();
    counted.sort();
    assert_eq!(
        counted,
        [("Billing".to_owned(), 3), ("Shipping".to_owned(), 2)]
    );
    assert_eq!(model.issue_count, 2);
    // Every issue named exists, and the model has no others.
    let listed = issues(&mut c, &model.name).await;
    let mut names: Vec<String> = listed.iter().map(|i| i.name.clone()).collect();
    names.sort();
    let mut named: Vec<String> = stats.issue_stats.keys().cloned().collect();
    named.sort();
    assert_eq!(names, named);
    for name in named {
        let issue = c
            .get_issue(GetIssueRequest { name: name.clone() })
            .await
            .expect("GetIssue finds every issue the stats name")
            .into_inner();
        assert_eq!(stats.issue_stats[&name].display_name, issue.display_name);
    }
}

#[tokio::test(start_paused = true)]
async fn the_filter_selects_the_training_data_and_stats_count_again() {
    let (server, mut c) = emulator().await;
    seed(&server);
    let billing = issue_model::InputDataConfig {
        filter: "labels.issue = \"Billing\"".into(),
        ..Default::default()
    };
    let model = model_of(&train(&server, &mut c, billing).await);
    let stats = model.training_stats.expect("stats");
    // b1, b2, p1 (" Billing " is another label value, however it is trimmed for the issue).
    assert_eq!(stats.analyzed_conversations_count, 3);
    assert_eq!(stats.issue_stats.len(), 1);
    server
        .seed(&conversation(
            "b4",
            conversation::Medium::Chat,
            Some("Billing"),
        ))
        .expect("seeded");
    let now = c
        .calculate_issue_model_stats(CalculateIssueModelStatsRequest {
            issue_model: model.name.clone(),
        })
        .await
        .expect("stats")
        .into_inner()
        .current_stats
        .expect("current stats");
    assert_eq!(
        now.analyzed_conversations_count, 4,
        "counted from the store again"
    );
}

/// The emulator never makes things up: an empty location trains a model with no issues.
#[tokio::test(start_paused = true)]
async fn an_empty_location_trains_a_model_with_nothing_in_it() {
    let (server, mut c) = emulator().await;
    let model = model_of(&train(&server, &mut c, Default::default()).await);
    let stats = model.training_stats.unwrap_or_default();
    assert_eq!(stats.analyzed_conversations_count, 0);
    assert!(stats.issue_stats.is_empty());
    assert_eq!(model.issue_count, 0);
    let listed = issues(&mut c, &model.name).await;
    assert!(listed.is_empty());
}

#[tokio::test(start_paused = true)]
async fn below_the_minimum_the_operation_fails_naming_both_numbers() {
    let server = MockServer::builder()
        .track_resources(true)
        .min_training_conversations(10)
        .start()
        .await;
    let mut c = Insights::new(server.channel());
    seed(&server);
    let op = train(&server, &mut c, Default::default()).await;
    let Some(operation::Result::Error(status)) = &op.result else {
        panic!("not an error: {op:?}")
    };
    assert_eq!(status.code, Code::FailedPrecondition as i32);
    assert!(
        status.message.contains(" 7 ") && status.message.contains(" 10 "),
        "{}",
        status.message
    );
    let models = c
        .list_issue_models(ListIssueModelsRequest { parent: LOC.into() })
        .await
        .expect("list")
        .into_inner()
        .issue_models;
    assert!(models.is_empty(), "nothing made: {models:?}");
}

#[tokio::test(start_paused = true)]
async fn the_minimum_holds_on_an_imported_state() {
    let first = MockServer::builder().track_resources(true).start().await;
    seed(&first);
    let state = ccai_lro_mock::SavedState::from_value(&first.state()).expect("a state");
    let server = MockServer::builder()
        .track_resources(true)
        .min_training_conversations(10)
        .state(state)
        .start()
        .await;
    let mut c = Insights::new(server.channel());
    let op = train(&server, &mut c, Default::default()).await;
    let Some(operation::Result::Error(status)) = &op.result else {
        panic!("not an error: {op:?}")
    };
    assert_eq!(status.code, Code::FailedPrecondition as i32);
}
