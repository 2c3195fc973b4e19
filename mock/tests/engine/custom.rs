//! Custom methods and the effects of the RPCs that start operations.

use std::time::Duration;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use tonic::Code;

use crate::{emulator, error, LOC};

async fn conversation(c: &mut crate::Insights, id: &str, agent: &str, turns: i32) -> String {
    // turn_count is OUTPUT_ONLY: an upload cannot set it, so these go in through UploadConversation's
    // transcript-less path and keep 0; agent ids are the clients'.
    let _ = turns;
    c.create_conversation(CreateConversationRequest {
        parent: LOC.into(),
        conversation_id: id.into(),
        conversation: Some(Conversation {
            agent_id: agent.into(),
            ..Default::default()
        }),
    })
    .await
    .unwrap()
    .into_inner()
    .name
}

#[tokio::test(start_paused = true)]
async fn create_analysis_sets_the_latest_analysis() {
    let (_s, mut c) = emulator().await;
    let name = conversation(&mut c, "c1", "a", 0).await;
    let s = error(
        c.create_analysis(CreateAnalysisRequest {
            parent: format!("{LOC}/conversations/nope"),
            analysis: Some(Analysis::default()),
        })
        .await,
    );
    assert_eq!(s.code(), Code::NotFound);
    c.create_analysis(CreateAnalysisRequest {
        parent: name.clone(),
        analysis: Some(Analysis::default()),
    })
    .await
    .unwrap();
    // The analysis exists once its operation is done.
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    let got = c
        .get_conversation(GetConversationRequest {
            name: name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let latest = got.latest_analysis.expect("latest_analysis set");
    assert!(latest.name.starts_with(&format!("{name}/analyses/")));
    let listed = c
        .list_analyses(ListAnalysesRequest {
            parent: name,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.analyses.len(), 1);
    assert_eq!(listed.analyses[0].name, latest.name);
}

#[tokio::test]
async fn upload_creates_the_conversation() {
    let (_s, mut c) = emulator().await;
    c.upload_conversation(UploadConversationRequest {
        parent: LOC.into(),
        conversation: Some(Conversation::default()),
        conversation_id: "up-1".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let got = c
        .get_conversation(GetConversationRequest {
            name: format!("{LOC}/conversations/up-1"),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.medium(), conversation::Medium::Chat);
}

#[tokio::test(start_paused = true)]
async fn bulk_delete_honours_its_filter_count_and_force() {
    let (_s, mut c) = emulator().await;
    for i in 0..4 {
        conversation(&mut c, &format!("a-{i}"), "a", 0).await;
    }
    conversation(&mut c, "b-0", "b", 0).await;
    c.create_analysis(CreateAnalysisRequest {
        parent: format!("{LOC}/conversations/a-0"),
        analysis: Some(Analysis::default()),
    })
    .await
    .unwrap();
    // The analysis exists once its operation is done.
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    let bulk = |max, force| BulkDeleteConversationsRequest {
        parent: LOC.into(),
        filter: "agent_id = \"a\"".into(),
        max_delete_count: max,
        force,
    };
    c.bulk_delete_conversations(bulk(2, false)).await.unwrap();
    let left = |c: &crate::Insights| {
        let c = c.clone();
        async move {
            let mut ids = crate::conversation_ids(&c).await;
            ids.sort();
            ids
        }
    };
    // Two deleted, the analysed one kept without force.
    assert_eq!(left(&c).await, ["a-0", "a-3", "b-0"]);
    c.bulk_delete_conversations(bulk(0, true)).await.unwrap();
    assert_eq!(left(&c).await, ["b-0"]);
}

#[tokio::test]
async fn calculate_stats_counts_what_the_filter_selects() {
    let (_s, mut c) = emulator().await;
    for i in 0..3 {
        conversation(&mut c, &format!("a-{i}"), "a", 0).await;
    }
    conversation(&mut c, "b-0", "b", 0).await;
    let stats = |filter: &str| CalculateStatsRequest {
        location: LOC.into(),
        filter: filter.into(),
    };
    let all = c.calculate_stats(stats("")).await.unwrap().into_inner();
    assert_eq!(all.conversation_count, 4);
    let series = all.conversation_count_time_series.expect("a time series");
    assert_eq!(
        series
            .points
            .iter()
            .map(|p| p.conversation_count)
            .sum::<i32>(),
        4
    );
    let some = c
        .calculate_stats(stats("agent_id = \"b\""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(some.conversation_count, 1);
    let s = error(c.calculate_stats(stats("agent_id ==")).await);
    assert_eq!(s.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn deploying_a_revision_moves_the_deployed_mark() {
    let (_s, mut c) = emulator().await;
    let card = crate::scorecard(&mut c).await;
    let mut revisions = Vec::new();
    for id in ["r1", "r2"] {
        let r = c
            .create_qa_scorecard_revision(CreateQaScorecardRevisionRequest {
                parent: card.name.clone(),
                qa_scorecard_revision: Some(QaScorecardRevision::default()),
                qa_scorecard_revision_id: id.into(),
            })
            .await
            .unwrap()
            .into_inner();
        revisions.push(r.name);
    }
    let deploy = |name: &String| DeployQaScorecardRevisionRequest { name: name.clone() };
    let r1 = c
        .deploy_qa_scorecard_revision(deploy(&revisions[0]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r1.alternate_ids, ["deployed"]);
    c.deploy_qa_scorecard_revision(deploy(&revisions[1]))
        .await
        .unwrap();
    let r1 = c
        .get_qa_scorecard_revision(GetQaScorecardRevisionRequest {
            name: revisions[0].clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r1.alternate_ids.is_empty(), "the mark moved to r2");
    let r2 = c
        .undeploy_qa_scorecard_revision(UndeployQaScorecardRevisionRequest {
            name: revisions[1].clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r2.alternate_ids.is_empty());
    let s = error(
        c.deploy_qa_scorecard_revision(DeployQaScorecardRevisionRequest {
            name: format!("{}/revisions/nope", card.name),
        })
        .await,
    );
    assert_eq!(s.code(), Code::NotFound);
}

#[tokio::test]
async fn list_all_feedback_labels_searches_every_conversation() {
    let (_s, mut c) = emulator().await;
    for conv in ["c1", "c2"] {
        let parent = conversation(&mut c, conv, "a", 0).await;
        for label in ["good", "bad"] {
            c.create_feedback_label(CreateFeedbackLabelRequest {
                parent: parent.clone(),
                feedback_label_id: label.into(),
                feedback_label: Some(FeedbackLabel {
                    labeled_resource: parent.clone(),
                    label_type: Some(feedback_label::LabelType::Label(label.into())),
                    ..Default::default()
                }),
            })
            .await
            .unwrap();
        }
    }
    let (mut seen, mut token) = (0, String::new());
    loop {
        let page = c
            .list_all_feedback_labels(ListAllFeedbackLabelsRequest {
                parent: LOC.into(),
                page_size: 3,
                page_token: token,
                filter: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        seen += page.feedback_labels.len();
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen, 4);
}

#[tokio::test(start_paused = true)]
async fn issue_models_are_listed_with_their_state() {
    let (server, mut c) = emulator().await;
    c.create_issue_model(CreateIssueModelRequest {
        parent: LOC.into(),
        issue_model: Some(IssueModel::default()),
    })
    .await
    .unwrap();
    let models = c
        .list_issue_models(ListIssueModelsRequest { parent: LOC.into() })
        .await
        .unwrap()
        .into_inner()
        .issue_models;
    assert_eq!(models.len(), 1);
    let name = models[0].name.clone();
    c.deploy_issue_model(DeployIssueModelRequest { name: name.clone() })
        .await
        .unwrap();
    let get = || GetIssueModelRequest { name: name.clone() };
    let model = c.get_issue_model(get()).await.unwrap().into_inner();
    assert_eq!(model.state(), issue_model::State::Deploying);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let model = c.get_issue_model(get()).await.unwrap().into_inner();
    assert_eq!(model.state(), issue_model::State::Deployed);
    let stats = c
        .calculate_issue_model_stats(CalculateIssueModelStatsRequest {
            issue_model: name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(stats.current_stats.is_some());
    drop(server);
}

#[tokio::test(start_paused = true)]
async fn bulk_analyze_samples_with_the_seed_and_reports_counts() {
    let (_s, mut c) = emulator().await;
    for i in 0..40 {
        conversation(&mut c, &format!("c-{i}"), "a", 0).await;
    }
    let op = c
        .bulk_analyze_conversations(BulkAnalyzeConversationsRequest {
            parent: LOC.into(),
            filter: "agent_id = \"a\"".into(),
            analysis_percentage: 50.0,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut ops = ccai_lro::proto::google::longrunning::operations_client::OperationsClient::new(
        _s.channel(),
    );
    let done = ops
        .get_operation(ccai_lro::proto::google::longrunning::GetOperationRequest { name: op.name })
        .await
        .unwrap()
        .into_inner();
    let Some(ccai_lro::proto::google::longrunning::operation::Result::Response(any)) = done.result
    else {
        panic!("not done: {done:?}");
    };
    let response: BulkAnalyzeConversationsResponse = any.to_msg().expect("response");
    let analysed = response.successful_analysis_count;
    assert!(
        (5..=35).contains(&analysed),
        "about half of 40, drawn: {analysed}"
    );
    let meta: BulkAnalyzeConversationsMetadata = done
        .metadata
        .expect("metadata")
        .to_msg()
        .expect("metadata type");
    assert_eq!(meta.completed_analyses_count, analysed);
    assert_eq!(meta.total_requested_analyses_count, analysed);
    let with_latest = c
        .list_conversations(ListConversationsRequest {
            parent: LOC.into(),
            filter: "latest_analysis:*".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(with_latest.conversations.len() as i32, analysed);
    let s = error(
        c.bulk_analyze_conversations(BulkAnalyzeConversationsRequest {
            parent: LOC.into(),
            analysis_percentage: 150.0,
            ..Default::default()
        })
        .await,
    );
    assert_eq!(s.code(), Code::InvalidArgument);
}

#[tokio::test(start_paused = true)]
async fn query_metrics_measures_per_agent_and_filters_are_checked_everywhere() {
    let (server, mut c) = emulator().await;
    for (i, agent, turns) in [(0, "a", 4), (1, "a", 6), (2, "b", 10)] {
        server
            .seed(&Conversation {
                name: format!("{LOC}/conversations/q{i}"),
                agent_id: agent.into(),
                turn_count: turns,
                ..Default::default()
            })
            .expect("seed");
    }
    let op = c
        .query_metrics(QueryMetricsRequest {
            location: LOC.into(),
            dimensions: vec![Dimension {
                dimension_key: dimension::DimensionKey::Agent as i32,
                ..Default::default()
            }],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let done = server.operation(&op.name).expect("kept");
    let Some(ccai_lro::proto::google::longrunning::operation::Result::Response(any)) = done.result
    else {
        panic!("not done: {done:?}");
    };
    let metrics: QueryMetricsResponse = any.to_msg().expect("response");
    let per_agent: Vec<(i32, f32)> = metrics
        .slices
        .iter()
        .filter_map(|s| match s.total.as_ref()?.measure.as_ref()? {
            query_metrics_response::slice::data_point::Measure::ConversationMeasure(m) => {
                Some((m.conversation_count?, m.average_turn_count?))
            }
        })
        .collect();
    assert_eq!(per_agent, [(2, 5.0), (1, 10.0)]);

    let s = error(
        c.export_insights_data(ExportInsightsDataRequest {
            parent: LOC.into(),
            filter: "agentid = 1".into(),
            ..Default::default()
        })
        .await,
    );
    assert_eq!(s.code(), Code::InvalidArgument);
    let s = error(
        c.create_analysis_rule(CreateAnalysisRuleRequest {
            parent: LOC.into(),
            analysis_rule: Some(AnalysisRule {
                conversation_filter: "medium = RADIO".into(),
                ..Default::default()
            }),
        })
        .await,
    );
    assert_eq!(crate::violations(&s), ["analysis_rule.conversation_filter"]);
}

#[tokio::test(start_paused = true)]
async fn views_starters_and_updates_keep_to_the_service_rules() {
    let (server, mut c) = emulator().await;
    let conv = conversation(&mut c, "v1", "a", 0).await;
    // An analysis asked through an authorized view lives under the location's conversation.
    c.create_analysis(CreateAnalysisRequest {
        parent: format!("{LOC}/authorizedViewSets/s/authorizedViews/v/conversations/v1"),
        analysis: Some(Analysis::default()),
    })
    .await
    .unwrap();
    // The analysis exists once its operation is done.
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    let listed = c
        .list_analyses(ListAnalysesRequest {
            parent: conv.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.analyses.len(), 1);
    assert!(listed.analyses[0]
        .name
        .starts_with(&format!("{conv}/analyses/")));

    // A starter's parent of another shape is refused before anything is stored.
    let s = error(
        c.upload_conversation(UploadConversationRequest {
            parent: format!("{LOC}/issueModels/m"),
            ..Default::default()
        })
        .await,
    );
    assert_eq!(s.code(), Code::InvalidArgument);

    // An update keeps no INPUT_ONLY field and cannot write a nested OUTPUT_ONLY one.
    let updated = c
        .update_conversation(UpdateConversationRequest {
            conversation: Some(Conversation {
                name: conv.clone(),
                expiration: Some(conversation::Expiration::Ttl(prost_types::Duration {
                    seconds: 60,
                    nanos: 0,
                })),
                ..Default::default()
            }),
            update_mask: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.expiration, None, "ttl is INPUT_ONLY");

    // A seeded numeric id is never handed out again.
    server
        .seed(&IssueModel {
            name: format!("{LOC}/issueModels/4000000000000000000"),
            ..Default::default()
        })
        .unwrap();
    c.create_issue_model(CreateIssueModelRequest {
        parent: LOC.into(),
        issue_model: Some(IssueModel::default()),
    })
    .await
    .expect("a fresh id, not the seeded one");
    let models = c
        .list_issue_models(ListIssueModelsRequest { parent: LOC.into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(models.issue_models.len(), 2);
}

#[tokio::test]
async fn a_model_saved_mid_move_lands_on_import() {
    let document = serde_json::json!({
        "version": 1,
        "resources": [{
            "@type": "type.googleapis.com/google.cloud.contactcenterinsights.v1.IssueModel",
            "name": format!("{LOC}/issueModels/m1"),
            "state": "DEPLOYING"
        }]
    });
    let saved = ccai_lro_mock::SavedState::from_value(&document).expect("loads");
    let server = ccai_lro_mock::MockServer::builder()
        .track_resources(true)
        .state(saved)
        .start()
        .await;
    let mut c = crate::Insights::new(server.channel());
    let model = c
        .get_issue_model(GetIssueModelRequest {
            name: format!("{LOC}/issueModels/m1"),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(model.state(), issue_model::State::Deployed);
}
