//! Secrets stay secret: never in Debug, Display, errors or tracing output; UNAUTHENTICATED is an
//! auth error.

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::Duration,
};

use ccai_lro::{
    auth::Credentials,
    backoff::Backoff,
    insights::CreateIssueModelOperation,
    mock::{MockServer, Script},
    proto::google::cloud::contactcenterinsights::v1::IssueModel,
    Client, Code, Error, PollPolicy,
};

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
    let policy = PollPolicy::default().with_backoff(Backoff {
        initial: Duration::from_secs(1),
        multiplier: 1.0,
        max: Duration::from_secs(1),
        jitter: 0.0,
    });
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

#[tokio::test(start_paused = true)]
async fn unauthenticated_is_an_auth_error_without_the_token() {
    let server = MockServer::builder()
        .require_bearer("the-right-one")
        .start()
        .await;
    server.insert(NAME, Script::new().respond(&IssueModel::default()));
    let client = Client::builder()
        .credentials(Credentials::access_token(TOKEN).unwrap())
        .build_with_channel(server.channel())
        .unwrap();
    let err = CreateIssueModelOperation::resume(&client, NAME)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_eq!(err.code(), Code::Unauthenticated);
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("SECRET"), "{text}");
    }
}

#[test]
fn plaintext_credentials_to_remote_hosts_are_refused() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for creds in [
            Credentials::access_token(TOKEN).unwrap(),
            Credentials::api_key(KEY).unwrap(),
        ] {
            let err = Client::builder()
                .endpoint("http://192.0.2.10:443")
                .credentials(creds)
                .build()
                .unwrap_err();
            assert!(
                err.to_string()
                    .contains("refusing to send credentials in plaintext"),
                "{err}"
            );
            assert!(!err.to_string().contains("SECRET"));
        }
    });
}
