//! The client against the emulator over TLS on loopback, with certificates made here: a
//! trusted CA (given, or through SSL_CERT_FILE's store), an untrusted one, an expired
//! certificate, a wrong name, and mTLS with and without a client certificate. Failures end at
//! once with `Error::Connection`, without retries.

use std::time::{Duration, Instant};

use ccai_lro::{Client, Code, Error, RetryPolicy};
use ccai_lro_mock::{MockServer, TlsConfig};
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};

use super::op_name;

/// A CA: its certificate (PEM) and what signs with it.
struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).unwrap();
        Ca { cert, key }
    }

    fn pem(&self) -> String {
        self.cert.pem()
    }

    /// A leaf for `names`, for `usage`; `expired` puts its validity in the past.
    fn issue(
        &self,
        names: &[&str],
        usage: ExtendedKeyUsagePurpose,
        expired: bool,
    ) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.extended_key_usages = vec![usage];
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

/// An emulator on loopback over TLS, holding one operation.
async fn server(cert: &(String, String), client_ca: Option<&Ca>) -> MockServer {
    server_counting(cert, client_ca).await.0
}

/// [`server`], and its TLS settings, whose handshake counts the test reads.
async fn server_counting(
    cert: &(String, String),
    client_ca: Option<&Ca>,
) -> (MockServer, TlsConfig) {
    let client_ca = client_ca.map(Ca::pem);
    let tls = TlsConfig::from_pem(
        cert.0.as_bytes(),
        cert.1.as_bytes(),
        client_ca.as_deref().map(str::as_bytes),
    )
    .unwrap();
    let server = super::on_loopback(MockServer::builder().tls(tls.clone()), "tls").await;
    (server, tls)
}

fn endpoint(server: &MockServer, host: &str) -> String {
    let port = server.local_addr().unwrap().port();
    format!("https://{host}:{port}")
}

fn builder(server: &MockServer, host: &str) -> ccai_lro::ClientBuilder {
    Client::builder()
        .endpoint(endpoint(server, host))
        .credentials(ccai_lro::auth::Credentials::access_token("t").unwrap())
        // Retries would show here: a TLS failure must not be retried.
        .retry(RetryPolicy::default())
}

/// The TLS reason of a failed call; any other error fails the test.
async fn tls_failure(client: &Client) -> String {
    let started = Instant::now();
    let err = client.get_operation(&op_name("tls")).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "ends at once, no retries: {:?}",
        started.elapsed()
    );
    assert_eq!(err.code(), Code::Unavailable);
    assert!(!err.is_retryable(), "{err}");
    match err {
        Error::Connection { reason, .. } => reason,
        other => panic!("not a TLS error: {other:?}"),
    }
}

#[tokio::test]
async fn a_server_signed_by_a_given_ca_is_trusted() {
    let ca = Ca::new("Test CA");
    let server = server(
        &ca.issue(
            &["localhost", "127.0.0.1"],
            ExtendedKeyUsagePurpose::ServerAuth,
            false,
        ),
        None,
    )
    .await;
    for host in ["127.0.0.1", "localhost"] {
        let client = builder(&server, host)
            .ca_certificate(ca.pem())
            .build()
            .unwrap();
        let op = client.get_operation(&op_name("tls")).await.unwrap();
        assert_eq!(op.name, op_name("tls"), "{host}");
    }
}

#[tokio::test]
async fn a_reconnect_resumes_the_tls_session() {
    let ca = Ca::new("Test CA");
    let cert = ca.issue(&["127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth, false);
    let (server, tls) = server_counting(&cert, None).await;
    let client = builder(&server, "127.0.0.1")
        .ca_certificate(ca.pem())
        .build()
        .unwrap();
    client.get_operation(&op_name("tls")).await.unwrap();
    assert_eq!(tls.handshakes(), (1, 0), "one full handshake");
    // The server kills the connection under the next call; the client reconnects (a read is
    // retried) and resumes the session its first handshake left.
    for round in 1..=3 {
        server.fail_sequence(
            ccai_lro_mock::method::GET_OPERATION,
            [ccai_lro_mock::Fault::DropConnection],
        );
        client.get_operation(&op_name("tls")).await.unwrap();
        let (full, resumed) = tls.handshakes();
        assert_eq!(
            full, 1,
            "round {round}: no new full handshake ({full}, {resumed})"
        );
        assert_eq!(resumed, round, "round {round}");
    }
}

#[tokio::test]
async fn an_untrusted_expired_or_misnamed_certificate_fails_at_once_naming_why() {
    let ca = Ca::new("Test CA");
    let other = Ca::new("Another CA");
    let good = &["localhost", "127.0.0.1"];
    let untrusted = server(
        &other.issue(good, ExtendedKeyUsagePurpose::ServerAuth, false),
        None,
    )
    .await;
    let client = builder(&untrusted, "127.0.0.1")
        .ca_certificate(ca.pem())
        .build()
        .unwrap();
    let reason = tls_failure(&client).await;
    assert!(reason.contains("unknown issuer"), "{reason}");
    assert!(reason.contains("--ca-file"), "says what to do: {reason}");

    let expired = server(
        &ca.issue(good, ExtendedKeyUsagePurpose::ServerAuth, true),
        None,
    )
    .await;
    let client = builder(&expired, "127.0.0.1")
        .ca_certificate(ca.pem())
        .build()
        .unwrap();
    assert!(tls_failure(&client).await.contains("expired"));

    let misnamed = server(
        &ca.issue(
            &["other.example"],
            ExtendedKeyUsagePurpose::ServerAuth,
            false,
        ),
        None,
    )
    .await;
    let client = builder(&misnamed, "127.0.0.1")
        .ca_certificate(ca.pem())
        .build()
        .unwrap();
    let reason = tls_failure(&client).await;
    assert!(reason.contains("does not name the host"), "{reason}");
    assert!(reason.contains("127.0.0.1"), "names the host: {reason}");
}

#[tokio::test]
async fn mtls_serves_a_client_with_its_certificate_and_refuses_one_without() {
    let ca = Ca::new("Test CA");
    let clients = Ca::new("Client CA");
    let server = server(
        &ca.issue(&["127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth, false),
        Some(&clients),
    )
    .await;
    let (cert, key) = clients.issue(
        &["backend.example"],
        ExtendedKeyUsagePurpose::ClientAuth,
        false,
    );
    let with = builder(&server, "127.0.0.1")
        .ca_certificate(ca.pem())
        .client_identity(&cert, &key);
    assert!(
        !format!("{with:?}").contains("PRIVATE KEY"),
        "the key never shows in Debug"
    );
    let op = with
        .build()
        .unwrap()
        .get_operation(&op_name("tls"))
        .await
        .unwrap();
    assert_eq!(op.name, op_name("tls"));

    let without = builder(&server, "127.0.0.1")
        .ca_certificate(ca.pem())
        .build()
        .unwrap();
    let reason = tls_failure(&without).await;
    assert!(
        reason.contains("asked for a client certificate"),
        "{reason}"
    );

    // A certificate from a CA the server does not trust is refused too.
    let (cert, key) = ca.issue(
        &["backend.example"],
        ExtendedKeyUsagePurpose::ClientAuth,
        false,
    );
    let wrong = builder(&server, "127.0.0.1")
        .ca_certificate(ca.pem())
        .client_identity(&cert, &key)
        .build()
        .unwrap();
    let reason = tls_failure(&wrong).await;
    assert!(
        reason.contains("refused our client certificate"),
        "{reason}"
    );
}

#[tokio::test]
async fn bad_tls_files_are_refused_naming_the_problem() {
    let ca = Ca::new("Test CA");
    let (cert, key) = ca.issue(&["127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth, false);
    let err = TlsConfig::from_pem(b"not pem", key.as_bytes(), None).unwrap_err();
    assert!(err.starts_with("certificate:"), "{err}");
    let err = TlsConfig::from_pem(cert.as_bytes(), b"", None).unwrap_err();
    assert!(err.starts_with("key:"), "{err}");
    let other = Ca::new("Other");
    let (_, other_key) = other.issue(&["x"], ExtendedKeyUsagePurpose::ServerAuth, false);
    let err = TlsConfig::from_pem(cert.as_bytes(), other_key.as_bytes(), None).unwrap_err();
    assert!(err.contains("do not go together"), "{err}");
    let err = TlsConfig::from_pem(cert.as_bytes(), key.as_bytes(), Some(b"junk")).unwrap_err();
    assert!(err.starts_with("client CA:"), "{err}");
    let err = Client::builder()
        .endpoint("https://127.0.0.1:1")
        .credentials(ccai_lro::auth::Credentials::access_token("t").unwrap())
        .ca_certificate("not a certificate")
        .build()
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err}");
}

#[tokio::test]
async fn an_unreachable_server_is_named_in_the_error() {
    let (client, port) = super::client_of_a_closed_port();
    let err = client.get_operation(&op_name("x")).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("http://127.0.0.1:{port}")),
        "{err}"
    );
}

/// `https://` to a plaintext server (the emulator without `--tls-cert`): the line says the
/// server answered in plaintext and what to write instead, not rustls's record error.
#[tokio::test]
async fn https_to_a_plaintext_server_says_to_use_http() {
    let server = super::on_loopback(MockServer::builder(), "tls").await;
    let client = builder(&server, "127.0.0.1").build().unwrap();
    let reason = tls_failure(&client).await;
    assert!(reason.contains("answered in plaintext"), "{reason}");
    assert!(reason.contains("http://HOST:PORT"), "{reason}");
}
