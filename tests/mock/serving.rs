//! The server on a real TCP socket, and the emulator's serve loop.

use std::time::Duration;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1 as insights;
use ccai_lro::proto::google::longrunning::operations_client::OperationsClient;
use ccai_lro_mock::{method, Fault, MockServer, Script};
use insights::contact_center_insights_client::ContactCenterInsightsClient;

use crate::{get, name, ops, LOC};

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
    let emulator = tokio::spawn(ccai_lro_mock::serve(listener, async {
        let _ = stopped.await;
    }));
    let mut s = ContactCenterInsightsClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    let op = s
        .create_issue_model(insights::CreateIssueModelRequest {
            parent: LOC.into(),
            issue_model: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!op.done);
    // The emulator keeps resources: a model never created cannot be deployed.
    let err = s
        .deploy_issue_model(insights::DeployIssueModelRequest {
            name: format!("{LOC}/issueModels/m"),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::NotFound);
    drop(s);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), emulator)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
