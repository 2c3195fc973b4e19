//! Testing your own code against the mock: script the operation, run your code, assert on its
//! result and on what it sent.
//!
//! ```sh
//! cargo run --example testing
//! ```
//!
//! In a real project this is a `#[tokio::test(start_paused = true)]` in your `tests/`, with
//! `ccai-lro-mock = "…"` under `[dev-dependencies]`; paused time
//! makes the polling instant and deterministic.

use ccai_lro::insights::DeployIssueModelOperation;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    DeployIssueModelMetadata, DeployIssueModelResponse,
};
use ccai_lro::{Client, Code, Error};
use ccai_lro_mock::{MockServer, Script};

/// The code under test: waits for a deployment, and says what happened in a word.
async fn deployment_outcome(client: Client, name: &str) -> Result<&'static str, Error> {
    let op = DeployIssueModelOperation::from_name(client, name)?;
    match op.wait().await {
        Ok(_) => Ok("deployed"),
        Err(Error::OperationFailed { status, .. }) if status.code() == Code::FailedPrecondition => {
            Ok("not ready")
        }
        Err(e) => Err(e),
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> Result<(), Error> {
    let server = MockServer::start().await;
    let ok = "projects/p/locations/l/operations/1";
    let refused = "projects/p/locations/l/operations/2";
    let running = DeployIssueModelMetadata::default();
    server.insert(
        ok,
        Script::new()
            .metadata(&running)
            .respond(&DeployIssueModelResponse::default()),
    );
    server.insert(
        refused,
        Script::new()
            .metadata(&running)
            .fail(Code::FailedPrecondition, "the model is still training"),
    );

    assert_eq!(deployment_outcome(server.client(), ok).await?, "deployed");
    assert_eq!(
        deployment_outcome(server.client(), refused).await?,
        "not ready"
    );
    // What the code sent: GetOperation calls only, each routed by the operation's name.
    assert!(server.requests().iter().all(|r| r.method == "GetOperation"));
    println!(
        "both outcomes handled; {} requests",
        server.requests().len()
    );
    Ok(())
}
