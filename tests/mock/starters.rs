//! The Insights starters: default scripts with the declared types, and overrides.

use std::time::Duration;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1 as insights;
use ccai_lro::proto::google::rpc;
use ccai_lro_mock::{operation_info, MockServer, Script};
use insights::contact_center_insights_client::ContactCenterInsightsClient;
use tonic::Code;

use crate::{error_of, get, list, ops, response_of, LOC};

#[tokio::test(start_paused = true)]
async fn default_create_issue_model_script() {
    let server = MockServer::start().await;
    let mut insights = ContactCenterInsightsClient::new(server.channel());
    let request = insights::CreateIssueModelRequest {
        parent: LOC.into(),
        issue_model: Some(insights::IssueModel {
            display_name: "Churn drivers".into(),
            input_data_config: Some(insights::issue_model::InputDataConfig {
                medium: insights::conversation::Medium::Chat as i32,
                training_conversations_count: 0,
                filter: "medium=\"CHAT\"".into(),
            }),
            ..Default::default()
        }),
    };
    let started = tokio::time::Instant::now();
    let op = insights
        .create_issue_model(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert!(!op.done);
    assert!(
        op.name.starts_with(&format!("{LOC}/operations/")),
        "{}",
        op.name
    );
    let meta: insights::CreateIssueModelMetadata = op.metadata.unwrap().to_msg().unwrap();
    assert_eq!(meta.request, Some(request.clone()));
    assert!(meta.create_time.is_some() && meta.end_time.is_none());

    // Poll like a client would, once a second, and count the steps.
    let mut c = ops(&server);
    let done = loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let op = get(&mut c, &op.name).await.unwrap();
        if op.done {
            break op;
        }
    };
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1500) && took <= Duration::from_secs(3),
        "{took:?}"
    );
    let meta: insights::CreateIssueModelMetadata = done.metadata.clone().unwrap().to_msg().unwrap();
    assert!(meta.end_time.is_some());
    let model: insights::IssueModel = response_of(&done).unwrap().to_msg().unwrap();
    assert!(
        model.name.starts_with(&format!("{LOC}/issueModels/")),
        "{}",
        model.name
    );
    assert_eq!(model.display_name, "Churn drivers");
    assert_eq!(model.state, insights::issue_model::State::Undeployed as i32);
    let input = model.input_data_config.unwrap();
    assert_eq!(input.filter, "medium=\"CHAT\"");
    // Nothing to train on in a scripted mock: no statistics are made up.
    assert!(model.training_stats.is_none(), "{:?}", model.training_stats);
    assert_eq!(model.issue_count, 0);
}

#[tokio::test(start_paused = true)]
async fn every_starter_ends_with_its_declared_types() {
    let server = MockServer::start().await;
    let mut s = ContactCenterInsightsClient::new(server.channel());
    let model = format!("{LOC}/issueModels/m1");
    let mut started = Vec::new();
    macro_rules! start {
        ($m:literal, $call:ident, $req:expr) => {
            started.push(($m, s.$call($req).await.unwrap().into_inner()))
        };
    }
    start!(
        "UploadConversation",
        upload_conversation,
        insights::UploadConversationRequest {
            parent: LOC.into(),
            conversation_id: "c1".into(),
            ..Default::default()
        }
    );
    start!(
        "CreateAnalysis",
        create_analysis,
        insights::CreateAnalysisRequest {
            parent: format!("{LOC}/conversations/c1"),
            ..Default::default()
        }
    );
    start!(
        "BulkAnalyzeConversations",
        bulk_analyze_conversations,
        insights::BulkAnalyzeConversationsRequest {
            parent: LOC.into(),
            ..Default::default()
        }
    );
    start!(
        "BulkDeleteConversations",
        bulk_delete_conversations,
        insights::BulkDeleteConversationsRequest {
            parent: LOC.into(),
            ..Default::default()
        }
    );
    start!(
        "IngestConversations",
        ingest_conversations,
        insights::IngestConversationsRequest {
            parent: LOC.into(),
            ..Default::default()
        }
    );
    start!(
        "ExportInsightsData",
        export_insights_data,
        insights::ExportInsightsDataRequest {
            parent: LOC.into(),
            ..Default::default()
        }
    );
    start!(
        "CreateIssueModel",
        create_issue_model,
        insights::CreateIssueModelRequest {
            parent: LOC.into(),
            ..Default::default()
        }
    );
    start!(
        "DeleteIssueModel",
        delete_issue_model,
        insights::DeleteIssueModelRequest {
            name: model.clone()
        }
    );
    start!(
        "DeployIssueModel",
        deploy_issue_model,
        insights::DeployIssueModelRequest {
            name: model.clone()
        }
    );
    start!(
        "UndeployIssueModel",
        undeploy_issue_model,
        insights::UndeployIssueModelRequest {
            name: model.clone()
        }
    );
    start!(
        "ExportIssueModel",
        export_issue_model,
        insights::ExportIssueModelRequest {
            name: model.clone(),
            ..Default::default()
        }
    );
    start!(
        "ImportIssueModel",
        import_issue_model,
        insights::ImportIssueModelRequest {
            parent: LOC.into(),
            ..Default::default()
        }
    );
    start!(
        "InitializeEncryptionSpec",
        initialize_encryption_spec,
        insights::InitializeEncryptionSpecRequest {
            encryption_spec: Some(insights::EncryptionSpec {
                name: format!("{LOC}/encryptionSpec"),
                kms_key: "k".into()
            })
        }
    );
    start!(
        "QueryMetrics",
        query_metrics,
        insights::QueryMetricsRequest {
            location: LOC.into(),
            ..Default::default()
        }
    );
    start!(
        "TuneQaScorecardRevision",
        tune_qa_scorecard_revision,
        insights::TuneQaScorecardRevisionRequest {
            parent: format!("{LOC}/qaScorecards/s/revisions/r"),
            ..Default::default()
        }
    );
    start!(
        "BulkUploadFeedbackLabels",
        bulk_upload_feedback_labels,
        insights::BulkUploadFeedbackLabelsRequest {
            parent: LOC.into(),
            ..Default::default()
        }
    );
    start!(
        "BulkDownloadFeedbackLabels",
        bulk_download_feedback_labels,
        insights::BulkDownloadFeedbackLabelsRequest {
            parent: LOC.into(),
            ..Default::default()
        }
    );
    assert_eq!(
        started.len(),
        ccai_lro::rpc::INSIGHTS_OPERATION_METHODS.len()
    );

    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut c = ops(&server);
    for (method, op) in started {
        let (response, metadata) = operation_info(method).expect(method);
        assert!(
            op.name.starts_with(&format!("{LOC}/operations/")),
            "{method}: {}",
            op.name
        );
        let done = get(&mut c, &op.name).await.unwrap();
        assert!(done.done, "{method}");
        assert_eq!(
            response_of(&done).unwrap().type_url,
            format!("type.googleapis.com/{response}")
        );
        assert_eq!(
            done.metadata.unwrap().type_url,
            format!("type.googleapis.com/{metadata}")
        );
    }

    // The whole location lists all 17, in creation order.
    let page = c
        .list_operations(list(LOC, "done=true", 0, ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.operations.len(), 17);

    // A starter validates its resource.
    let err = s
        .deploy_issue_model(insights::DeployIssueModelRequest {
            name: "issueModels/m".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn default_scripts_can_be_overridden() {
    let server = MockServer::builder()
        .script_for("DeployIssueModel", |start| {
            let req: insights::DeployIssueModelRequest = start.request_as().unwrap_or_default();
            Script::new().fail(
                rpc::Code::FailedPrecondition,
                format!("{} is DELETING", req.name),
            )
        })
        .start()
        .await;
    let mut s = ContactCenterInsightsClient::new(server.channel());
    let op = s
        .deploy_issue_model(insights::DeployIssueModelRequest {
            name: format!("{LOC}/issueModels/m"),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(op.done);
    let e = error_of(&op).unwrap();
    assert_eq!(e.code, rpc::Code::FailedPrecondition as i32);
    assert!(e.message.contains("issueModels/m is DELETING"));
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_operation_ends_when_it_was_cancelled() {
    use ccai_lro::proto::google::longrunning::CancelOperationRequest;
    let server = MockServer::start().await;
    let mut insights = ContactCenterInsightsClient::new(server.channel());
    let op = insights
        .create_issue_model(insights::CreateIssueModelRequest {
            parent: LOC.into(),
            issue_model: Some(insights::IssueModel::default()),
        })
        .await
        .unwrap()
        .into_inner();
    // A default script lasts 2 s; cancel 700 ms in, in its second step.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut c = ops(&server);
    c.cancel_operation(CancelOperationRequest {
        name: op.name.clone(),
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let cancelled = get(&mut c, &op.name).await.unwrap();
    assert!(cancelled.done);
    assert_eq!(
        error_of(&cancelled).map(|s| s.code),
        Some(Code::Cancelled as i32)
    );
    let meta: insights::CreateIssueModelMetadata = cancelled.metadata.unwrap().to_msg().unwrap();
    let (created, ended) = (meta.create_time.unwrap(), meta.end_time.unwrap());
    let ran =
        (ended.seconds - created.seconds) * 1_000_000_000 + i64::from(ended.nanos - created.nanos);
    // The moment of the cancel (the paused clock moves only while all is idle), not the
    // script's end at 2 s.
    assert!((700_000_000..1_000_000_000).contains(&ran), "{ran} ns");
    assert_eq!(meta.request.map(|r| r.parent), Some(LOC.to_owned()));
}
