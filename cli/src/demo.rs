//! `ccai-lro demo`: the main job end to end on the embedded emulator, no network, no credentials.

use std::time::Duration;

use ccai_lro::{
    backoff::Backoff, insights::InsightsClient, proto::google::cloud::contactcenterinsights::v1,
    Client, PollPolicy,
};
use ccai_lro_mock::MockServer;

use crate::{exit::Failure, watch, Cli};

const PARENT: &str = "projects/demo-project/locations/us-central1";

/// Starts the mock in-process, creates an issue model as the seed does, waits, prints the result.
pub async fn run(cli: &Cli) -> Result<(), Failure> {
    let server = MockServer::start().await;
    let client = Client::from_channel(server.channel());
    eprintln!("demo: embedded emulator started (in-memory transport, no credentials)");
    let insights = InsightsClient::new(client);
    let request = v1::CreateIssueModelRequest {
        parent: PARENT.to_owned(),
        issue_model: Some(v1::IssueModel {
            display_name: "Support chat topics".to_owned(),
            input_data_config: Some(v1::issue_model::InputDataConfig {
                medium: v1::conversation::Medium::Chat as i32,
                filter: "medium=\"CHAT\" AND turn_count > 4".to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        }),
    };
    let op = insights.create_issue_model(request).await?;
    eprintln!("demo: started {}", op.name());
    // The emulator's operations take a couple of seconds; poll briskly so the demo shows steps.
    let policy = PollPolicy::default()
        .with_backoff(
            Backoff::new(Duration::from_millis(250), 1.5, Duration::from_secs(1)).with_jitter(0.2),
        )
        .with_deadline(Duration::from_secs(60));
    let untyped = ccai_lro::UntypedOperation::new(op.client().clone(), op.into_raw());
    let how = watch::Watch {
        policy,
        cancel_on_interrupt: false,
    };
    watch::wait(cli, untyped, how).await
}
