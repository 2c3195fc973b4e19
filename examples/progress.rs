//! Start an operation and watch it: each poll's typed metadata, then the typed result.
//!
//! ```sh
//! cargo run --example progress
//! ```
//!
//! Runs against the in-process mock (the `ccai-lro-mock` crate), so it needs no network and no
//! account; point the same code at a real endpoint with `Client::builder()`.

use ccai_lro::insights::InsightsClient;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    CreateIssueModelRequest, IssueModel,
};
use ccai_lro::{Error, Progress};
use ccai_lro_mock::MockServer;
use futures_util::StreamExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let server = MockServer::start().await;
    let insights = InsightsClient::new(server.client());
    let mut op = insights
        .create_issue_model(CreateIssueModelRequest {
            parent: "projects/my-project/locations/us-central1".into(),
            issue_model: Some(IssueModel {
                display_name: "Support topics".into(),
                ..Default::default()
            }),
        })
        .await?;
    println!("started {}", op.name());

    let mut progress = op.progress();
    while let Some(item) = progress.next().await {
        match item {
            Ok(Progress::Running(metadata)) => {
                let created = metadata.and_then(|m| m.create_time);
                println!("running (created {created:?})");
            }
            Ok(Progress::Retrying(e)) => println!("a poll failed, polling on: {e}"),
            Ok(Progress::Done(model)) => {
                println!("created {} with {} issues", model.name, model.issue_count)
            }
            Ok(other) => println!("{other:?}"),
            // The stream's last item: the operation failed, or polling gave up.
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
