//! Start an operation in one process, resume it by name in another.
//!
//! ```sh
//! cargo run --example resume
//! ```
//!
//! The name is all that needs to survive: store it in a database or a queue, and any process,
//! on any day, turns it back into a typed handle. Here the "other process" is a second client on
//! the same in-process mock.

use std::time::Duration;

use ccai_lro::insights::{CreateIssueModelOperation, InsightsClient};
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::CreateIssueModelRequest;
use ccai_lro::{Error, PollPolicy};
use ccai_lro_mock::MockServer;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let server = MockServer::start().await;

    // Process 1: start, keep the name, go away.
    let name = {
        let insights = InsightsClient::new(server.client());
        let request = CreateIssueModelRequest {
            parent: "projects/my-project/locations/us-central1".into(),
            issue_model: None,
        };
        insights
            .create_issue_model(request)
            .await?
            .name()
            .to_owned()
    };
    println!("stored {name}");

    // Process 2: a new client, the stored name, the same types.
    let client = server.client();
    let op = CreateIssueModelOperation::from_name(client, &name)?;
    let policy = PollPolicy::default().with_deadline(Duration::from_secs(60));
    match op.wait_with(policy).await {
        Ok(model) => println!("resumed and finished: {}", model.name),
        Err(Error::Timeout { name, .. }) => println!("{name} still running; try again later"),
        Err(e) => return Err(e),
    }
    Ok(())
}
