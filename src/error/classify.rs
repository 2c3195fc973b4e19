//! From a failed tonic call to an [`Error`]: which class, and the cause kept.

use super::Error;
use crate::{auth::AuthError, Code, Status};

impl Error {
    /// Classifies a failed call.
    pub(crate) fn from_call(method: &'static str, status: tonic::Status) -> Error {
        if let Some(auth) = find_source::<AuthError>(&status) {
            return Error::Auth {
                message: format!("{method}: {auth}"),
                status: None,
                source: Some(Box::new(status)),
            };
        }
        if find_source::<tonic::TimeoutExpired>(&status).is_some() {
            // The channel enforced the grpc-timeout we sent: our deadline, not a broken link.
            let status = Status::new(Code::DeadlineExceeded, "no answer within the call deadline");
            return Error::Rpc { method, status };
        }
        if let Some(refused) = find_in_io::<crate::client::proxy::ProxyRefused>(&status) {
            let hint = if refused.status.starts_with("HTTP 407") {
                ": give its credentials in the proxy URL (https_proxy=http://user:password@host:port)"
            } else {
                ""
            };
            return Error::Connection {
                method,
                reason: format!("{refused}{hint}"),
                source: Box::new(status),
            };
        }
        if let Some(reason) = tls_failure(&status) {
            return Error::Connection {
                method,
                reason,
                source: Box::new(status),
            };
        }
        if is_transport(&status) {
            return Error::Transport {
                method,
                message: chain(&status),
                source: Box::new(status),
            };
        }
        let parsed = Status::from_tonic(&status);
        match parsed.code() {
            Code::Unauthenticated => Error::Auth {
                message: method.to_owned(),
                status: Some(parsed),
                source: None,
            },
            Code::Unimplemented => Error::Unsupported {
                method,
                status: parsed,
            },
            _ => Error::Rpc {
                method,
                status: parsed,
            },
        }
    }
}

/// The causes below a status in one line, each piece once: layers often repeat their inner
/// error's text, and tonic's own "transport error" says nothing the causes do not.
fn chain(status: &tonic::Status) -> String {
    let mut pieces: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(status);
    while let Some(s) = source {
        let piece = s.to_string();
        if !pieces.iter().any(|p| p.contains(&piece)) && piece != "transport error" {
            pieces.push(piece);
        }
        source = s.source();
    }
    if pieces.is_empty() {
        pieces.push(status.message().to_owned());
    }
    pieces.join(": ")
}

/// The first error of type `E` in the status's source chain.
fn find_source<E: std::error::Error + 'static>(status: &tonic::Status) -> Option<&E> {
    let mut source = std::error::Error::source(status);
    while let Some(s) = source {
        if let Some(e) = s.downcast_ref::<E>() {
            return Some(e);
        }
        source = s.source();
    }
    None
}

/// A status made up by the client side for a failure below gRPC (connect refused, stream reset).
fn is_transport(status: &tonic::Status) -> bool {
    find_source::<tonic::transport::Error>(status).is_some()
        || find_source::<std::io::Error>(status).is_some()
        || find_source::<h2::Error>(status).is_some()
}

/// The first `E` in the status's causes, looking inside `io::Error`s too (their `source()`
/// skips the error they wrap).
fn find_in_io<E: std::error::Error + 'static>(status: &tonic::Status) -> Option<&E> {
    let mut source = std::error::Error::source(status);
    while let Some(s) = source {
        let inner = s
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|e| e.downcast_ref::<E>());
        if let Some(e) = s.downcast_ref::<E>().or(inner) {
            return Some(e);
        }
        source = s.source();
    }
    None
}

/// Why a TLS handshake failed, and what to do, when the status's causes hold a rustls error.
/// An `io::Error` hides the error it wraps from `source()`, so each is opened by hand.
fn tls_failure(status: &tonic::Status) -> Option<String> {
    use rustls::{AlertDescription, CertificateError, Error as Tls};
    let found = find_in_io::<Tls>(status).cloned();
    // Once the handshake is over (TLS 1.3 sends a refusal of our certificate then), h2 keeps
    // only the text of the error: its alert is read from that.
    let found = found.or_else(|| {
        let text = chain(status);
        let alert = text.split("received fatal alert: ").nth(1)?;
        let name = alert.split(|c: char| !c.is_ascii_alphanumeric()).next()?;
        [
            AlertDescription::CertificateRequired,
            AlertDescription::BadCertificate,
            AlertDescription::UnknownCA,
            AlertDescription::CertificateUnknown,
            AlertDescription::CertificateExpired,
            AlertDescription::HandshakeFailure,
        ]
        .into_iter()
        .find(|a| format!("{a:?}") == name)
        .map(Tls::AlertReceived)
    });
    const TRUST: &str = "add its CA with --ca-file (ClientBuilder::ca_certificate), or put it in \
                         the system store or SSL_CERT_FILE";
    let reason = "TLS: ".to_owned()
        + &match found? {
            Tls::InvalidCertificate(CertificateError::UnknownIssuer) => {
                format!("the server's certificate is signed by an unknown issuer: {TRUST}")
            }
            Tls::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. },
            ) => "the server's certificate has expired".to_owned(),
            Tls::InvalidCertificate(
                e @ (CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. }),
            ) => format!("the server's certificate does not name the host it was reached at ({e})"),
            Tls::InvalidCertificate(e) => format!("the server's certificate does not verify: {e}"),
            Tls::AlertReceived(AlertDescription::CertificateRequired) => {
                "the server asked for a client certificate: give one with --client-cert and \
             --client-key (ClientBuilder::client_identity)"
                    .to_owned()
            }
            Tls::AlertReceived(
                a @ (AlertDescription::BadCertificate
                | AlertDescription::UnknownCA
                | AlertDescription::CertificateUnknown
                | AlertDescription::CertificateExpired),
            ) => {
                format!("the server refused our client certificate ({a:?})")
            }
            // A plaintext server answers a ClientHello with bytes that are no TLS record.
            Tls::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
                "the server answered in plaintext, not TLS: for a plaintext server such as an \
                 emulator, write the endpoint as http://HOST:PORT"
                    .to_owned()
            }
            other => format!("the handshake failed: {other}"),
        };
    Some(reason)
}
