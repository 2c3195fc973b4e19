//! Secrets stay secret in errors; UNAUTHENTICATED is an auth error; no credentials in plaintext
//! to remote hosts. (Tracing output: tests/redaction.rs.)

use ccai_lro::{
    auth::Credentials, insights::CreateIssueModelOperation,
    proto::google::cloud::contactcenterinsights::v1::IssueModel, Client, Code, Error,
};
use ccai_lro_mock::{MockServer, Script};

const TOKEN: &str = "ya29.SECRET-TOKEN-do-not-log";
const KEY: &str = "AIzaSECRET-API-KEY";
const NAME: &str = "projects/p/locations/l/operations/sec";

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

#[test]
fn building_outside_a_runtime_is_an_error_not_a_panic() {
    let err = Client::builder()
        .endpoint("http://127.0.0.1:1")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument(m) if m.contains("tokio runtime")),
        "{err:?}"
    );
}
