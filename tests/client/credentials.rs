//! Credentials: they reach the server, their failures are auth errors, and they never go over
//! plaintext to a host that is not loopback.

use ccai_lro::{
    auth::{AuthError, BoxFuture, Credentials, CredentialsProvider},
    proto::google::cloud::contactcenterinsights::v1::IssueModel,
    Client, Code, Error,
};
use ccai_lro_mock::{MockServer, Script};

use crate::op_name;

struct FakeProvider(&'static str);
impl CredentialsProvider for FakeProvider {
    fn headers(&self) -> BoxFuture<'_, Result<http::HeaderMap, AuthError>> {
        Box::pin(async move {
            let mut h = http::HeaderMap::new();
            h.insert(
                http::header::AUTHORIZATION,
                format!("Bearer {}", self.0).parse().unwrap(),
            );
            Ok(h)
        })
    }
}

struct BrokenProvider;
impl CredentialsProvider for BrokenProvider {
    fn headers(&self) -> BoxFuture<'_, Result<http::HeaderMap, AuthError>> {
        Box::pin(async { Err(AuthError::new("metadata server unreachable")) })
    }
}

#[tokio::test(start_paused = true)]
async fn credentials_reach_the_server_and_failures_are_auth_errors() {
    let server = MockServer::builder()
        .require_bearer("s3cret-token")
        .start()
        .await;
    let name = op_name("auth");
    server.insert(&name, Script::new().respond(&IssueModel::default()));

    let good = Client::builder()
        .credentials(Credentials::from_provider(FakeProvider("s3cret-token")))
        .quota_project("billing-project")
        .build_with_channel(server.channel())
        .unwrap();
    good.get_operation(&name).await.unwrap();
    let req = &server.requests()[0];
    assert_eq!(req.header("authorization"), Some("Bearer s3cret-token"));
    assert_eq!(req.header("x-goog-user-project"), Some("billing-project"));
    let routing = format!("name={}", name.replace('/', "%2F"));
    assert_eq!(req.header("x-goog-request-params"), Some(routing.as_str()));
    let api_client = req.header("x-goog-api-client").unwrap();
    assert!(
        api_client.starts_with("gl-rust/")
            && api_client.contains(&format!("gccl/{}", env!("CARGO_PKG_VERSION"))),
        "{api_client}"
    );

    let anonymous = Client::from_channel(server.channel());
    let err = anonymous.get_operation(&name).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                status: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), Code::Unauthenticated);

    let broken = Client::builder()
        .credentials(Credentials::from_provider(BrokenProvider))
        .build_with_channel(server.channel())
        .unwrap();
    let err = broken.get_operation(&name).await.unwrap_err();
    assert!(
        matches!(&err, Error::Auth { status: None, message, .. } if message.contains("metadata server")),
        "{err:?}"
    );
    assert!(!format!("{good:?}").contains("s3cret-token"));
}

#[tokio::test]
async fn credentials_are_never_sent_in_plaintext_to_other_hosts() {
    for endpoint in ["http://10.1.2.3:8080", "http://example.com"] {
        let err = Client::builder()
            .endpoint(endpoint)
            .credentials(Credentials::access_token("tok").unwrap())
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument(m) if m.contains("plaintext")),
            "{err:?}"
        );
        assert!(!err.to_string().contains("tok\""));
    }
    // Loopback emulators and anonymous plaintext are fine.
    Client::builder()
        .endpoint("http://127.0.0.1:9")
        .credentials(Credentials::access_token("t").unwrap())
        .build()
        .unwrap();
    Client::builder()
        .endpoint("http://example.com")
        .credentials(Credentials::anonymous())
        .build()
        .unwrap();
}

/// Credentials that say which universe they belong to.
struct UniverseProvider(&'static str);
impl CredentialsProvider for UniverseProvider {
    fn headers(&self) -> BoxFuture<'_, Result<http::HeaderMap, AuthError>> {
        Box::pin(async { Ok(http::HeaderMap::new()) })
    }
    fn universe_domain(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async move { Some(self.0.to_owned()) })
    }
}

/// With the default endpoint, credentials of another universe are refused before any RPC
/// (nothing is dialled: the channel connects lazily, and no name is resolved). A channel or
/// endpoint of the caller's has no universe to compare with: its calls go through.
#[tokio::test]
async fn credentials_from_another_universe_are_refused_before_any_rpc() {
    let client = Client::builder()
        .universe_domain("example-cloud.test")
        .credentials(Credentials::from_provider(UniverseProvider(
            "googleapis.com",
        )))
        .build()
        .unwrap();
    assert_eq!(
        client.endpoint(),
        "https://contactcenterinsights.example-cloud.test"
    );
    let err = client.get_operation(&op_name("u")).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("universe googleapis.com") && text.contains("example-cloud.test"),
        "{text}"
    );

    // A channel of the caller's (here: the mock's): no universe, no check.
    let server = MockServer::builder().start().await;
    server.insert(&op_name("u"), Script::new().respond(&IssueModel::default()));
    let same = Client::builder()
        .credentials(Credentials::from_provider(UniverseProvider(
            "googleapis.com",
        )))
        .build_with_channel(server.channel())
        .unwrap();
    assert!(same.get_operation(&op_name("u")).await.is_ok());
}

/// The line the emulator prints (`127.0.0.1:PORT`) works as an endpoint as it is: plaintext and
/// no credentials, as `CONTACT_CENTER_INSIGHTS_EMULATOR_HOST` means it.
#[tokio::test]
async fn the_emulators_host_and_port_is_an_endpoint() {
    let server = crate::on_loopback(MockServer::builder(), "bare").await;
    let addr = server.local_addr().unwrap();
    let client = Client::builder()
        .endpoint(addr.to_string())
        .build()
        .unwrap();
    let op = client.get_operation(&op_name("bare")).await.unwrap();
    assert_eq!(op.name, op_name("bare"));
    let requests = server.requests();
    assert!(!requests.is_empty());
    assert!(requests
        .iter()
        .all(|r| r.headers.iter().all(|(k, _)| k != "authorization")));
}
