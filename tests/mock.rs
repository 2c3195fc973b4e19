//! The mock server's semantics, exercised through the raw generated clients.

use std::time::Duration;

use ccai_lro::mock::{method, operation_info, Fault, Latency, MockServer, Script};
use ccai_lro::proto::google::cloud::contactcenterinsights::v1 as insights;
use ccai_lro::proto::google::longrunning::{
    operation, operations_client::OperationsClient, CancelOperationRequest, DeleteOperationRequest,
    GetOperationRequest, ListOperationsRequest, Operation, WaitOperationRequest,
};
use ccai_lro::proto::google::rpc::{self, RetryInfo};
use insights::contact_center_insights_client::ContactCenterInsightsClient;
use prost::Message;
use tonic::transport::Channel;
use tonic::Code;

const LOC: &str = "projects/p/locations/us-central1";

fn name(id: &str) -> String {
    format!("{LOC}/operations/{id}")
}

fn ops(server: &MockServer) -> OperationsClient<Channel> {
    OperationsClient::new(server.channel())
}

async fn get(
    client: &mut OperationsClient<Channel>,
    name: &str,
) -> Result<Operation, tonic::Status> {
    client
        .get_operation(GetOperationRequest { name: name.into() })
        .await
        .map(tonic::Response::into_inner)
}

fn list(parent: &str, filter: &str, page_size: i32, token: &str) -> ListOperationsRequest {
    ListOperationsRequest {
        name: parent.into(),
        filter: filter.into(),
        page_size,
        page_token: token.into(),
        return_partial_success: false,
    }
}

fn rpc_status(status: &tonic::Status) -> rpc::Status {
    rpc::Status::decode(status.details())
        .expect("grpc-status-details-bin holds a google.rpc.Status")
}

fn error_of(op: &Operation) -> Option<&rpc::Status> {
    match &op.result {
        Some(operation::Result::Error(e)) => Some(e),
        _ => None,
    }
}

fn response_of(op: &Operation) -> Option<&prost_types::Any> {
    match &op.result {
        Some(operation::Result::Response(r)) => Some(r),
        _ => None,
    }
}

fn two_step() -> Script {
    Script::new()
        .metadata(&insights::DeployIssueModelMetadata::default())
        .metadata(&insights::DeployIssueModelMetadata::default())
        .respond(&insights::DeployIssueModelResponse::default())
}

#[tokio::test]
async fn unknown_operation_is_not_found() {
    let server = MockServer::start().await;
    let err = get(&mut ops(&server), &name("missing")).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn malformed_names_are_invalid_argument() {
    let server = MockServer::start().await;
    let mut c = ops(&server);
    for bad in [
        "",
        "operations/1",
        "projects/p/locations/l/operations/",
        "projects/p/operations/1",
    ] {
        assert_eq!(
            get(&mut c, bad).await.unwrap_err().code(),
            Code::InvalidArgument,
            "{bad:?}"
        );
        let cancel = c
            .cancel_operation(CancelOperationRequest { name: bad.into() })
            .await;
        assert_eq!(cancel.unwrap_err().code(), Code::InvalidArgument, "{bad:?}");
    }
    let err = c
        .list_operations(list("projects/p", "", 0, ""))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err
        .message()
        .contains("projects/{project}/locations/{location}"));
}

#[tokio::test]
async fn scripts_advance_by_polls() {
    let server = MockServer::start().await;
    let n = name("polls");
    server.insert(&n, two_step().every_polls(2));
    let mut c = ops(&server);
    let mut done = Vec::new();
    for _ in 0..5 {
        done.push(get(&mut c, &n).await.unwrap().done);
    }
    assert_eq!(done, [false, false, false, true, true]);
    let op = get(&mut c, &n).await.unwrap();
    assert_eq!(
        response_of(&op).unwrap().type_url,
        "type.googleapis.com/google.cloud.contactcenterinsights.v1.DeployIssueModelResponse"
    );
    assert!(op.metadata.is_some());
    // Peeking from the test does not count as a poll.
    server.insert(&name("peek"), two_step());
    for _ in 0..5 {
        assert!(!server.operation(&name("peek")).unwrap().done);
    }
}

#[tokio::test(start_paused = true)]
async fn scripts_advance_by_paused_time() {
    let server = MockServer::start().await;
    let n = name("timed");
    server.insert(&n, two_step().every(Duration::from_secs(10)));
    let mut c = ops(&server);
    assert!(!get(&mut c, &n).await.unwrap().done);
    tokio::time::sleep(Duration::from_secs(19)).await;
    assert!(!get(&mut c, &n).await.unwrap().done);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(get(&mut c, &n).await.unwrap().done);
}

#[tokio::test]
async fn failing_and_never_ending_scripts() {
    let server = MockServer::start().await;
    let mut c = ops(&server);
    let failed = rpc::Status {
        code: rpc::Code::FailedPrecondition as i32,
        message: "not enough conversations".into(),
        details: vec![prost_types::Any::from_msg(&rpc::ErrorInfo {
            reason: "TOO_FEW".into(),
            ..Default::default()
        })
        .unwrap()],
    };
    server.insert(&name("fails"), Script::new().fail_status(failed.clone()));
    let op = get(&mut c, &name("fails")).await.unwrap();
    assert!(op.done);
    assert_eq!(error_of(&op), Some(&failed));

    server.insert(
        &name("never"),
        Script::running(&insights::IngestConversationsMetadata::default()),
    );
    for _ in 0..10 {
        assert!(!get(&mut c, &name("never")).await.unwrap().done);
    }
}

#[tokio::test]
async fn cancel_ends_running_operations_once_and_leaves_finished_ones() {
    let server = MockServer::start().await;
    let mut c = ops(&server);
    let running = name("running");
    let finished = name("finished");
    server.insert(
        &running,
        Script::running(&insights::IngestConversationsMetadata::default()),
    );
    server.insert(
        &finished,
        Script::done(&insights::IngestConversationsResponse::default()),
    );

    for _ in 0..2 {
        // Idempotent: cancelling twice succeeds and changes nothing more.
        c.cancel_operation(CancelOperationRequest {
            name: running.clone(),
        })
        .await
        .unwrap();
        let op = get(&mut c, &running).await.unwrap();
        assert!(op.done);
        assert_eq!(error_of(&op).map(|e| e.code), Some(1));
        assert!(op.metadata.is_some(), "metadata survives cancellation");
    }

    c.cancel_operation(CancelOperationRequest {
        name: finished.clone(),
    })
    .await
    .unwrap();
    let op = get(&mut c, &finished).await.unwrap();
    assert!(
        response_of(&op).is_some(),
        "a finished operation keeps its result"
    );

    let err = c
        .cancel_operation(CancelOperationRequest {
            name: name("missing"),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn list_filters_pages_and_rejects_tampered_tokens() {
    let server = MockServer::start().await;
    for i in 0..7 {
        let script = if i % 2 == 0 {
            Script::done(&insights::DeployIssueModelResponse::default())
        } else {
            Script::running(&insights::DeployIssueModelMetadata::default())
        };
        server.insert(&name(&format!("op{i}")), script);
    }
    server.insert("projects/p/locations/elsewhere/operations/x", Script::new());
    let mut c = ops(&server);

    // Paging in creation order, three at a time, over this parent only.
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = c
            .list_operations(list(LOC, "", 3, &token))
            .await
            .unwrap()
            .into_inner();
        pages += 1;
        seen.extend(page.operations.into_iter().map(|o| o.name));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen,
        (0..7).map(|i| name(&format!("op{i}"))).collect::<Vec<_>>()
    );

    let done = c
        .list_operations(list(LOC, "done=true", 0, ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.operations.len(), 4);
    assert!(done.operations.iter().all(|o| o.done));
    assert!(done.next_page_token.is_empty());
    let running = c
        .list_operations(list(LOC, "done = false", 0, ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(running.operations.len(), 3);

    for bad_filter in ["metadata.state=RUNNING", "done=maybe"] {
        let err = c
            .list_operations(list(LOC, bad_filter, 0, ""))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{bad_filter}");
    }
    let err = c.list_operations(list(LOC, "", -1, "")).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);

    let first = c
        .list_operations(list(LOC, "", 2, ""))
        .await
        .unwrap()
        .into_inner();
    let token = first.next_page_token;
    let mut tampered = token.clone().into_bytes();
    tampered[3] = if tampered[3] == b'f' { b'e' } else { b'f' };
    let tampered = String::from_utf8(tampered).unwrap();
    for (filter, t) in [
        ("", tampered.as_str()),
        ("", "garbage"),
        ("done=true", token.as_str()),
    ] {
        let err = c
            .list_operations(list(LOC, filter, 2, t))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{filter:?} {t:?}");
    }
    // An unknown location is an empty list, not an error.
    let empty = c
        .list_operations(list("projects/p/locations/nowhere", "", 0, ""))
        .await
        .unwrap()
        .into_inner();
    assert!(empty.operations.is_empty() && empty.next_page_token.is_empty());
}

#[tokio::test]
async fn delete_and_wait_are_unimplemented_like_insights() {
    let server = MockServer::start().await;
    server.insert(&name("x"), Script::new());
    let mut c = ops(&server);
    let err = c
        .delete_operation(DeleteOperationRequest { name: name("x") })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unimplemented);
    let err = c
        .wait_operation(WaitOperationRequest {
            name: name("x"),
            timeout: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unimplemented);
    assert!(server.operation(&name("x")).is_some());
}

#[tokio::test(start_paused = true)]
async fn delete_and_wait_switch_gives_real_semantics() {
    let server = MockServer::builder().delete_and_wait(true).start().await;
    let mut c = ops(&server);
    let timed = name("timed");
    server.insert(&timed, two_step().every(Duration::from_secs(5)));

    // A timeout shorter than the script returns the operation still running...
    let start = tokio::time::Instant::now();
    let op = c
        .wait_operation(WaitOperationRequest {
            name: timed.clone(),
            timeout: Some(prost_types::Duration {
                seconds: 3,
                nanos: 0,
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!op.done);
    assert_eq!(start.elapsed().as_secs(), 3);
    // ...a longer one returns as soon as it is done (10 s after creation).
    let op = c
        .wait_operation(WaitOperationRequest {
            name: timed.clone(),
            timeout: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(op.done);
    assert_eq!(start.elapsed().as_secs(), 10);

    // Wait sees a cancellation from another client.
    let never = name("never");
    server.insert(
        &never,
        Script::running(&insights::DeployIssueModelMetadata::default()),
    );
    let mut other = ops(&server);
    let waiter = tokio::spawn(async move {
        c.wait_operation(WaitOperationRequest {
            name: never,
            timeout: None,
        })
        .await
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    other
        .cancel_operation(CancelOperationRequest {
            name: name("never"),
        })
        .await
        .unwrap();
    let op = waiter.await.unwrap().unwrap().into_inner();
    assert_eq!(error_of(&op).map(|e| e.code), Some(1));

    other
        .delete_operation(DeleteOperationRequest {
            name: timed.clone(),
        })
        .await
        .unwrap();
    assert_eq!(
        get(&mut other, &timed).await.unwrap_err().code(),
        Code::NotFound
    );
    let err = other
        .delete_operation(DeleteOperationRequest { name: timed })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

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
    let stats = model.training_stats.unwrap();
    assert!(stats.analyzed_conversations_count > 0);
    assert!((2..=3).contains(&stats.issue_stats.len()));
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
    assert_eq!(started.len(), method::INSIGHTS.len());

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

#[tokio::test]
async fn fault_sequences_then_ok_with_details_on_the_wire() {
    let server = MockServer::builder()
        .fail_sequence(
            method::GET_OPERATION,
            [
                Fault::Unavailable,
                Fault::ResourceExhausted {
                    retry_delay: Duration::from_millis(1500),
                },
                Fault::Ok,
                Fault::Internal,
            ],
        )
        .start()
        .await;
    server.insert(&name("x"), Script::new());
    let mut c = ops(&server);
    let codes: Vec<Code> = {
        let mut v = Vec::new();
        for _ in 0..5 {
            v.push(
                get(&mut c, &name("x"))
                    .await
                    .err()
                    .map_or(Code::Ok, |e| e.code()),
            );
        }
        v
    };
    assert_eq!(
        codes,
        [
            Code::Unavailable,
            Code::ResourceExhausted,
            Code::Ok,
            Code::Internal,
            Code::Ok
        ]
    );

    server.fail_sequence(
        method::ALL,
        [Fault::ResourceExhausted {
            retry_delay: Duration::from_millis(1500),
        }],
    );
    let err = get(&mut c, &name("x")).await.unwrap_err();
    let status = rpc_status(&err);
    assert_eq!(status.code, rpc::Code::ResourceExhausted as i32);
    let retry: RetryInfo = status
        .details
        .iter()
        .find_map(|d| d.to_msg().ok())
        .expect("a RetryInfo detail");
    assert_eq!(
        retry.retry_delay,
        Some(prost_types::Duration {
            seconds: 1,
            nanos: 500_000_000
        })
    );
}

async fn sampled_codes(seed: u64) -> Vec<Code> {
    let server = MockServer::builder()
        .seed(seed)
        .fail_rate(
            method::GET_OPERATION,
            0.4,
            [Fault::Unavailable, Fault::DeadlineExceeded, Fault::Internal],
        )
        .start()
        .await;
    server.insert(&name("x"), Script::new());
    let mut c = ops(&server);
    let mut codes = Vec::new();
    for _ in 0..40 {
        codes.push(
            get(&mut c, &name("x"))
                .await
                .err()
                .map_or(Code::Ok, |e| e.code()),
        );
    }
    codes
}

#[tokio::test]
async fn seeded_fault_rates_are_reproducible() {
    let a = sampled_codes(42).await;
    let b = sampled_codes(42).await;
    let other = sampled_codes(43).await;
    assert_eq!(a, b);
    assert_ne!(a, other);
    let failures = a.iter().filter(|c| **c != Code::Ok).count();
    assert!((6..=26).contains(&failures), "{failures} of 40 at rate 0.4");
}

#[tokio::test(start_paused = true)]
async fn latency_is_added_in_tokio_time() {
    let server = MockServer::builder()
        .latency(
            method::GET_OPERATION,
            Latency::Fixed(Duration::from_secs(2)),
        )
        .start()
        .await;
    server.insert(&name("x"), Script::new());
    let mut c = ops(&server);
    let t = tokio::time::Instant::now();
    get(&mut c, &name("x")).await.unwrap();
    assert_eq!(t.elapsed().as_secs(), 2);

    server.latency(
        method::GET_OPERATION,
        Latency::Range(Duration::from_secs(1), Duration::from_secs(3)),
    );
    let t = tokio::time::Instant::now();
    get(&mut c, &name("x")).await.unwrap();
    let took = t.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took <= Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn dropped_connections_are_transport_errors_and_the_channel_recovers() {
    let server = MockServer::start().await;
    server.insert(&name("x"), Script::new());
    let mut c = ops(&server);
    get(&mut c, &name("x")).await.unwrap();
    server.fail_sequence(method::GET_OPERATION, [Fault::DropConnection]);
    let err = get(&mut c, &name("x")).await.unwrap_err();
    // No status came from the server: there are no details, and tonic says why it failed.
    assert!(err.details().is_empty());
    assert!(
        matches!(
            err.code(),
            Code::Unavailable | Code::Unknown | Code::Internal | Code::Cancelled
        ),
        "{err:?}"
    );
    eprintln!("dropped connection seen by the client as: {err:?}");
    // The channel reconnects on the next call.
    get(&mut c, &name("x")).await.unwrap();
}

#[tokio::test]
async fn requests_are_recorded_with_their_headers() {
    let server = MockServer::start().await;
    server.insert(&name("x"), Script::new());
    let mut c = ops(&server);
    let mut request = tonic::Request::new(GetOperationRequest { name: name("x") });
    let md = request.metadata_mut();
    md.insert("authorization", "Bearer abc".parse().unwrap());
    md.insert("x-goog-api-key", "key-1".parse().unwrap());
    md.insert(
        "x-goog-request-params",
        "name=projects%2Fp%2Flocations%2Fus-central1%2Foperations%2Fx"
            .parse()
            .unwrap(),
    );
    md.insert(
        "x-goog-api-client",
        "gl-rust/1.91 grpc/0.14 gccl/0.1.0".parse().unwrap(),
    );
    md.insert("x-goog-user-project", "billing-project".parse().unwrap());
    c.get_operation(request).await.unwrap();
    c.list_operations(list(LOC, "", 0, "")).await.unwrap();

    let recorded = server.requests();
    assert_eq!(recorded.len(), 2);
    let r = &recorded[0];
    assert_eq!(r.method, method::GET_OPERATION);
    assert_eq!(r.resource, name("x"));
    assert_eq!(r.header("authorization"), Some("Bearer abc"));
    assert_eq!(r.header("x-goog-api-key"), Some("key-1"));
    assert!(r
        .header("x-goog-request-params")
        .unwrap()
        .starts_with("name=projects%2F"));
    assert!(r.header("x-goog-api-client").unwrap().contains("gccl/"));
    assert_eq!(r.header("x-goog-user-project"), Some("billing-project"));
    assert!(r.header("user-agent").unwrap().contains("tonic"));
    assert_eq!(recorded[1].method, method::LIST_OPERATIONS);
    assert_eq!(recorded[1].resource, LOC);
    server.clear_requests();
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_required_bearer_token_is_checked() {
    let server = MockServer::builder().require_bearer("s3cret").start().await;
    server.insert(&name("x"), Script::new());
    let mut c = ops(&server);
    let with = |token: Option<&str>| {
        let mut r = tonic::Request::new(GetOperationRequest { name: name("x") });
        if let Some(t) = token {
            r.metadata_mut().insert("authorization", t.parse().unwrap());
        }
        r
    };
    for bad in [None, Some("Bearer wrong"), Some("Basic s3cret")] {
        let err = c.get_operation(with(bad)).await.unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated, "{bad:?}");
        let info: rpc::ErrorInfo = rpc_status(&err).details[0].to_msg().unwrap();
        assert_eq!(info.domain, "googleapis.com");
    }
    c.get_operation(with(Some("Bearer s3cret"))).await.unwrap();
}

#[tokio::test]
async fn serves_a_real_loopback_socket() {
    let server = MockServer::start_tcp().await.unwrap();
    let addr = server.local_addr().unwrap();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    server.insert(&name("x"), Script::new());
    let mut c = OperationsClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    assert!(get(&mut c, &name("x")).await.unwrap().done);
    // The in-memory transport reaches the same operations.
    assert!(get(&mut ops(&server), &name("x")).await.unwrap().done);

    // Dropping a TCP connection also surfaces as a transport error.
    server.fail_sequence(method::GET_OPERATION, [Fault::DropConnection]);
    let err = get(&mut c, &name("x")).await.unwrap_err();
    assert!(err.details().is_empty(), "{err:?}");
    get(&mut c, &name("x")).await.unwrap();
}

#[tokio::test]
async fn serve_runs_the_emulator_until_shutdown() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let emulator = tokio::spawn(ccai_lro::mock::serve(listener, async {
        let _ = stopped.await;
    }));
    let mut s = ContactCenterInsightsClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    let op = s
        .deploy_issue_model(insights::DeployIssueModelRequest {
            name: format!("{LOC}/issueModels/m"),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!op.done);
    drop(s);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), emulator)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
