//! Resources that exist (the emulator's way): issue models move through their states, unknown
//! models and conversations are NOT_FOUND, a deployed model cannot be deleted, reset forgets.

use std::time::Duration;

use ccai_lro::insights::{DeployIssueModelOperation, InsightsClient};
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use ccai_lro::{Code, Error};
use ccai_lro_mock::{MockServer, MockServerBuilder, Script};

const PARENT: &str = "projects/p/locations/us-central1";

async fn emulator() -> (MockServer, InsightsClient) {
    let server = MockServer::builder()
        .track_resources(true)
        .op_duration(Duration::from_secs(10))
        .start()
        .await;
    let client = InsightsClient::new(server.client());
    (server, client)
}

fn code(result: Result<impl std::fmt::Debug, Error>) -> Code {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code(),
    }
}

#[tokio::test(start_paused = true)]
async fn an_issue_model_lives_through_its_states() {
    let (_server, insights) = emulator().await;
    let model = |name: &str| name.to_owned();
    let deploy = |name: String| DeployIssueModelRequest { name };
    let unknown = format!("{PARENT}/issueModels/nope");
    assert_eq!(
        code(insights.deploy_issue_model(deploy(unknown.clone())).await),
        Code::NotFound
    );
    let delete = |name: String| DeleteIssueModelRequest { name };
    assert_eq!(
        code(insights.delete_issue_model(delete(unknown.clone())).await),
        Code::NotFound
    );
    let export = |name: String| ExportIssueModelRequest {
        name,
        ..Default::default()
    };
    assert_eq!(
        code(insights.export_issue_model(export(unknown)).await),
        Code::NotFound
    );

    let created = insights
        .create_issue_model(CreateIssueModelRequest {
            parent: PARENT.into(),
            issue_model: Some(IssueModel::default()),
        })
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    let name = model(&created.name);
    assert_eq!(created.state(), issue_model::State::Undeployed);

    let deploying = insights
        .deploy_issue_model(deploy(name.clone()))
        .await
        .unwrap();
    // While it deploys: neither deploy again nor delete.
    assert_eq!(
        code(insights.deploy_issue_model(deploy(name.clone())).await),
        Code::FailedPrecondition
    );
    let err = insights
        .delete_issue_model(delete(name.clone()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.to_string().contains("DEPLOYING"), "{err}");
    deploying.wait().await.unwrap();
    // Deployed: still not deleted.
    let err = insights
        .delete_issue_model(delete(name.clone()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("DEPLOYED"), "{err}");
    insights
        .export_issue_model(export(name.clone()))
        .await
        .unwrap();
    insights
        .undeploy_issue_model(UndeployIssueModelRequest { name: name.clone() })
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    insights
        .delete_issue_model(delete(name.clone()))
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(
        code(insights.deploy_issue_model(deploy(name)).await),
        Code::NotFound
    );
}

#[tokio::test(start_paused = true)]
async fn analyses_need_an_uploaded_conversation() {
    let (_server, insights) = emulator().await;
    let analyse = |parent: String| CreateAnalysisRequest {
        parent,
        analysis: None,
    };
    let conversation = format!("{PARENT}/conversations/c1");
    assert_eq!(
        code(
            insights
                .create_analysis(analyse(conversation.clone()))
                .await
        ),
        Code::NotFound
    );
    insights
        .upload_conversation(UploadConversationRequest {
            parent: PARENT.into(),
            conversation_id: "c1".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    insights
        .create_analysis(analyse(conversation))
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn scripted_tests_may_name_anything() {
    // Without resource tracking (the in-process mock's default), any well-formed name goes.
    let server = MockServer::start().await;
    let insights = InsightsClient::new(server.client());
    let name = format!("{PARENT}/issueModels/never-created");
    insights
        .deploy_issue_model(DeployIssueModelRequest { name })
        .await
        .unwrap();
}

async fn created_model(insights: &InsightsClient) -> String {
    insights
        .create_issue_model(CreateIssueModelRequest {
            parent: PARENT.into(),
            issue_model: Some(IssueModel::default()),
        })
        .await
        .unwrap()
        .wait()
        .await
        .unwrap()
        .name
}

/// An emulator (10 s operations) whose DeployIssueModel follows `deploy`, configured further by
/// `more`, with a model created and its deploy started: the server, a client, the model's
/// name and the deploy.
async fn deploying(
    more: impl FnOnce(MockServerBuilder) -> MockServerBuilder,
    deploy: impl Fn(&ccai_lro_mock::Start) -> Script + Send + Sync + 'static,
) -> (
    MockServer,
    InsightsClient,
    String,
    DeployIssueModelOperation,
) {
    let builder = MockServer::builder()
        .track_resources(true)
        .op_duration(Duration::from_secs(10))
        .script_for("DeployIssueModel", deploy);
    let server = more(builder).start().await;
    let insights = InsightsClient::new(server.client());
    let name = created_model(&insights).await;
    let deploy = insights
        .deploy_issue_model(DeployIssueModelRequest { name: name.clone() })
        .await
        .unwrap();
    (server, insights, name, deploy)
}

fn failing() -> Script {
    Script::new().fail(Code::Internal, "no capacity")
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_deploy_leaves_the_model_undeployed() {
    let (_server, insights) = emulator().await;
    let name = created_model(&insights).await;
    let deploying = insights
        .deploy_issue_model(DeployIssueModelRequest { name: name.clone() })
        .await
        .unwrap();
    deploying.cancel().await.unwrap();
    assert_eq!(deploying.wait().await.unwrap_err().code(), Code::Cancelled);
    tokio::time::sleep(Duration::from_secs(60)).await;
    // Had the move gone on, the model would be DEPLOYED now and could not be deleted.
    insights
        .delete_issue_model(DeleteIssueModelRequest { name })
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn moves_follow_the_scripted_operation_not_the_default_duration() {
    // Deploys that never end, then deploys that fail, against a 10 s default duration.
    let (_server, insights, name, _deploy) = deploying(|b| b, |_| Script::new().never_done()).await;
    tokio::time::sleep(Duration::from_secs(3600)).await;
    let err = insights
        .delete_issue_model(DeleteIssueModelRequest { name: name.clone() })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("DEPLOYING"), "{err}");

    let (_server, insights, name, failed) = deploying(|b| b, |_| failing()).await;
    assert_eq!(failed.wait().await.unwrap_err().code(), Code::Internal);
    // A failed deploy goes back to UNDEPLOYED at once, so the model can be deleted.
    insights
        .delete_issue_model(DeleteIssueModelRequest { name })
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn deleting_a_failed_deploys_record_leaves_the_model_undeployed() {
    let (server, insights, name, failed) =
        deploying(|b| b.delete_and_wait(true), |_| failing()).await;
    server
        .client()
        .delete_operation(failed.name())
        .await
        .expect("record deleted");
    // The move settled as its operation stood (failed): the model is UNDEPLOYED, deletable.
    insights
        .delete_issue_model(DeleteIssueModelRequest { name })
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn refused_starts_keep_none_of_their_request() {
    use export_issue_model_request::{Destination, GcsDestination};
    let (_server, insights) = emulator().await;
    // 2 MiB requests refused as NOT_FOUND, far more of them than the bytes the emulator holds
    // for operations (256 MiB): none is kept, so none is refused for room.
    let uri = format!("gs://bucket/{}", "x".repeat(2 << 20));
    let unknown = format!("{PARENT}/issueModels/nope");
    for _ in 0..(2 * ccai_lro_mock::limits::MAX_HELD_BYTES / (4 << 20)) {
        let export = ExportIssueModelRequest {
            name: unknown.clone(),
            destination: Some(Destination::GcsDestination(GcsDestination {
                object_uri: uri.clone(),
            })),
        };
        assert_eq!(
            code(insights.export_issue_model(export).await),
            Code::NotFound
        );
    }
}
