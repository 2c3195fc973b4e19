//! Secrets never reach tracing output, Debug or Display. Alone in its binary: tracing caches
//! each callsite's interest process-wide, so tests without a subscriber running beside this one
//! could hide its spans.

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::Duration,
};

use ccai_lro::{
    auth::Credentials, backoff::Backoff,
    proto::google::cloud::contactcenterinsights::v1::IssueModel, Client, PollPolicy,
};
use ccai_lro_mock::{MockServer, Script};

const TOKEN: &str = "ya29.SECRET-TOKEN-do-not-log";
const KEY: &str = "AIzaSECRET-API-KEY";
const NAME: &str = "projects/p/locations/l/operations/sec";

/// Captures everything tracing writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn tokens_never_reach_debug_display_or_traces() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::builder().require_bearer(TOKEN).start().await;
    server.insert(
        NAME,
        Script::new()
            .metadata(&IssueModel::default())
            .respond(&IssueModel::default()),
    );
    let creds = Credentials::access_token(TOKEN).unwrap();
    let client = Client::builder()
        .credentials(creds.clone())
        .build_with_channel(server.channel())
        .unwrap();
    let policy = PollPolicy::new(Backoff::new(
        Duration::from_secs(1),
        1.0,
        Duration::from_secs(1),
    ));
    let raw = client.get_operation(NAME).await.unwrap();
    let op = ccai_lro::UntypedOperation::new(client.clone(), raw);
    op.wait_with(policy).await.unwrap();
    // The server did receive the token...
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );

    // ...and nothing we print or trace shows it.
    let traces = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        traces.contains("GetOperation"),
        "the rpc span was traced: {traces}"
    );
    let key = Credentials::api_key(KEY).unwrap();
    for text in [
        traces,
        format!("{creds:?}"),
        format!("{key:?}"),
        format!("{client:?}"),
    ] {
        assert!(!text.contains("SECRET"), "secret leaked into: {text}");
    }
}
