//! Google's request headers: routing (AIP-4222), API client, quota project, and the deadline
//! as `grpc-timeout`.

use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use percent_encoding::percent_encode_byte;
use tonic::metadata::MetadataMap;

use super::{call::Kind, Client, OPERATIONS_DEADLINE};

impl Client {
    /// Wraps `message` in a request with Google's headers: routing (`key=value`,
    /// percent-encoded), API client and quota project. Set a deadline with
    /// [`tonic::Request::set_timeout`] if you need one.
    pub fn request<T>(
        &self,
        message: T,
        routing_key: &str,
        routing_value: &str,
    ) -> tonic::Request<T> {
        self.routed(message, routing(routing_key, routing_value))
    }

    /// [`Client::request`] with a routing header value made by [`routing`].
    fn routed<T>(&self, message: T, routing: HeaderValue) -> tonic::Request<T> {
        // Names and the API client value are made at compile time, and the map is sized for
        // every header the call will carry (ours, the token, then tonic's), so it never grows.
        let mut headers = HeaderMap::with_capacity(10);
        headers.insert(
            const { HeaderName::from_static("x-goog-request-params") },
            routing,
        );
        headers.insert(
            const { HeaderName::from_static("x-goog-api-client") },
            const { HeaderValue::from_static(API_CLIENT) },
        );
        if let Some(p) = &self.settings.user_project {
            headers.insert(
                const { HeaderName::from_static("x-goog-user-project") },
                p.clone(),
            );
        }
        let mut req = tonic::Request::new(message);
        *req.metadata_mut() = MetadataMap::from_headers(headers);
        req
    }

    /// WaitOperation's deadline: the server-side wait plus an Operations call's deadline.
    fn wait_deadline(&self, wait: Duration) -> Duration {
        let call = self.settings.timeout.unwrap_or(OPERATIONS_DEADLINE);
        call.max(wait + OPERATIONS_DEADLINE)
    }

    /// [`Client::request`] with the deadline of `kind`, sent as `grpc-timeout`, shortened to
    /// `within` when the call's overall budget has less left.
    pub(crate) fn request_for<T>(
        &self,
        kind: Kind,
        message: T,
        routing: HeaderValue,
        within: Option<Duration>,
    ) -> tonic::Request<T> {
        let mut req = self.routed(message, routing);
        let attempt = self.attempt_deadline(kind);
        let timeout = match within {
            Some(left) if left < attempt => grpc_timeout(left),
            // The common case: a value made once, cloned.
            _ => match kind {
                Kind::Read | Kind::Write => self.settings.api_timeout.clone(),
                Kind::Operations | Kind::Poll => self.settings.operations_timeout.clone(),
                Kind::Wait(_) => grpc_timeout(attempt),
            },
        };
        req.metadata_mut()
            .as_mut()
            .insert(const { HeaderName::from_static("grpc-timeout") }, timeout);
        req
    }

    /// The deadline of one attempt of a call of this kind.
    pub(crate) fn attempt_deadline(&self, kind: Kind) -> Duration {
        match kind {
            Kind::Operations | Kind::Poll => self.settings.timeout.unwrap_or(OPERATIONS_DEADLINE),
            Kind::Read | Kind::Write => self.settings.timeout.unwrap_or(super::API_DEADLINE),
            Kind::Wait(w) => self.wait_deadline(w),
        }
    }
}

/// AIP-4222's unreserved bytes (`A-Z a-z 0-9 - . _ ~`), which routing values keep as they are;
/// a table because `routing` looks up every byte of a name twice per call.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    table
};

fn unreserved(b: u8) -> bool {
    UNRESERVED[usize::from(b)]
}

/// The `x-goog-request-params` value `key=<percent-encoded value>` (AIP-4222: every byte but
/// the unreserved `A-Z a-z 0-9 - . _ ~` is percent-encoded).
///
/// Runs of unreserved bytes are copied whole and only the bytes between them encoded, rather
/// than pushing byte by byte (which was itself cheaper than `utf8_percent_encode` into a
/// `String`). Exactly sized: with a worst-case (3x) buffer 10,000 waits peaked 1 MiB higher,
/// and an iterator's output trimmed by `shrink_to_fit` still 0.3 MiB higher.
pub(crate) fn routing(key: &str, value: &str) -> HeaderValue {
    // Exactly sized: an operation handle keeps this value for its life, and `Bytes` keeps the
    // whole allocation, so slack here is memory held per waiting operation.
    let escaped = value
        .bytes()
        .fold(0, |n, b| n + usize::from(!unreserved(b)));
    let mut params = Vec::with_capacity(key.len() + 1 + value.len() + 2 * escaped);
    params.extend_from_slice(key.as_bytes());
    params.push(b'=');
    // Each part is a run of unreserved bytes, ended by one reserved byte except at the end.
    for part in value.as_bytes().split_inclusive(|&b| !unreserved(b)) {
        match part.split_last() {
            Some((&b, run)) if !unreserved(b) => {
                params.extend_from_slice(run);
                params.extend_from_slice(percent_encode_byte(b).as_bytes());
            }
            _ => params.extend_from_slice(part),
        }
    }
    // Percent-encoding leaves only visible ASCII, so this cannot fail for our keys.
    HeaderValue::try_from(params).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `x-goog-api-client`. tonic exposes no version constant; `tonic-0.14` is the series we build
/// against. A static value costs nothing to clone on every call.
const API_CLIENT: &str = concat!(
    "gl-rust/",
    env!("CCAI_RUSTC_VERSION"),
    " grpc/tonic-0.14 gccl/",
    env!("CARGO_PKG_VERSION")
);

/// A deadline in the `grpc-timeout` wire format (at most 8 digits and a unit).
pub(super) fn grpc_timeout(d: Duration) -> HeaderValue {
    let ms = d.as_millis();
    let text = if ms < 100_000_000 {
        format!("{ms}m")
    } else {
        format!("{}S", d.as_secs().min(99_999_999))
    };
    HeaderValue::try_from(text).unwrap_or_else(|_| HeaderValue::from_static("99999999S"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-at-a-time definition, to hold the run-copying one to.
    fn reference(value: &str) -> String {
        value
            .bytes()
            .map(|b| {
                if unreserved(b) {
                    char::from(b).to_string()
                } else {
                    percent_encode_byte(b).to_owned()
                }
            })
            .collect()
    }

    #[test]
    fn routing_encodes_every_byte_as_the_definition_says() {
        let all: String = (0..=0x7f_u8)
            .map(char::from)
            .chain(['é', '€', '😀'])
            .collect();
        for value in ["", "/", "a", "//", "a/", "/a", "~-._", "a b", &all] {
            let enc = routing("name", value);
            assert_eq!(enc.to_str().unwrap(), format!("name={}", reference(value)));
            assert_eq!(
                enc.len(),
                5 + reference(value).len(),
                "exactly sized: {value:?}"
            );
        }
    }

    #[test]
    fn routing_is_percent_encoded() {
        let enc = routing("name", "projects/p/locations/l/operations/a b~é-_.");
        assert_eq!(
            enc.to_str().unwrap(),
            "name=projects%2Fp%2Flocations%2Fl%2Foperations%2Fa%20b~%C3%A9-_."
        );
    }

    #[test]
    fn grpc_timeout_fits_eight_digits() {
        assert_eq!(grpc_timeout(Duration::from_millis(1500)), "1500m");
        assert_eq!(grpc_timeout(Duration::from_secs(200_000)), "200000S");
    }
}
