//! One HTTP/1.1 exchange with a server the emulator talks to (a storage emulator, a Pub/Sub
//! emulator): a fresh connection, one request, the answer's body read up to a bound, all within
//! a deadline. Those servers are untrusted like any peer: nothing here waits or reads without
//! a bound.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};

/// The `host:port` a `*_EMULATOR_HOST` value names (`host:port` or `http://host:port`, as
/// Google's clients read those variables); `what` names the setting in the error.
pub(crate) fn authority(host: &str, what: &str) -> Result<String, String> {
    let trimmed = host.trim().trim_end_matches('/');
    let authority = match trimmed.split_once("://") {
        Some(("http", rest)) => rest,
        Some((scheme, _)) => {
            return Err(format!(
                "{what} {host:?}: the scheme {scheme:?} is not served; write http://HOST:PORT"
            ))
        }
        None => trimmed,
    };
    let valid = authority
        .rsplit_once(':')
        .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
        && !authority.contains(['/', '@', '?', '#']);
    if valid {
        Ok(authority.to_owned())
    } else {
        Err(format!(
            "{what} {host:?}: expected http://HOST:PORT or HOST:PORT"
        ))
    }
}

/// Why an exchange failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No answer: the connection, the handshake, the request or the deadline failed (why).
    Down(String),
    /// The answer's body was longer than the bound.
    TooLong,
}

/// Sends `method path` with `body` (JSON when given) to `authority` (`host:port`) and reads the
/// status and up to `max_body` bytes of the answer, within `deadline`.
pub(crate) async fn exchange(
    authority: &str,
    method: http::Method,
    path: &str,
    body: Option<String>,
    max_body: usize,
    deadline: Duration,
) -> Result<(u16, Bytes), Failure> {
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(authority)
            .await
            .map_err(|e| Failure::Down(format!("cannot connect ({e})")))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| Failure::Down(format!("HTTP handshake failed ({e})")))?;
        // Ends when the request is answered and `sender` dropped, or is stopped below.
        let driver = tokio::spawn(connection);
        let mut request = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, authority);
        if body.is_some() {
            request = request.header(http::header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| Failure::Down(format!("request {path:?}: {e}")))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| Failure::Down(format!("no answer ({e})")))?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), max_body)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    Failure::TooLong
                } else {
                    Failure::Down(format!("the answer broke off ({e})"))
                }
            })?
            .to_bytes();
        driver.abort();
        Ok((status, body))
    };
    tokio::time::timeout(deadline, exchange)
        .await
        .unwrap_or_else(|_| {
            Err(Failure::Down(format!(
                "no whole answer within {} s",
                deadline.as_secs()
            )))
        })
}
