//! Request recording, so tests can assert what a client sent: method, resource and headers.

use std::collections::VecDeque;

use prost_types::Any;
use tokio::time::Instant;
use tonic::metadata::{KeyAndValueRef, MetadataMap};

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// The gRPC method name, e.g. `"GetOperation"` (see [`method`](crate::method)).
    pub method: &'static str,
    /// The resource the request names: the operation name, the ListOperations parent, or the
    /// starter's parent/name.
    pub resource: String,
    /// Every request header as received, in order (binary `-bin` values in their base64 wire
    /// form), including `authorization`, `x-goog-*` and `user-agent`.
    pub headers: Vec<(String, String)>,
    /// When it arrived, in tokio time.
    pub at: Instant,
    /// The request message, packed; `None` when it was over [`MAX_RECORDED_REQUEST`] bytes
    /// (its size is then in `request_len`).
    pub request: Option<Any>,
    /// The request's encoded size in bytes.
    pub request_len: usize,
}

/// The largest request message a record keeps whole, in bytes.
pub const MAX_RECORDED_REQUEST: usize = 64 * 1024;

impl RecordedRequest {
    /// The request as `M`, if it was kept and is of that type.
    pub fn request_as<M: prost::Message + prost::Name + Default>(&self) -> Option<M> {
        let any = self.request.as_ref()?;
        if !ccai_lro::registry::same_type(&any.type_url, &M::type_url()) {
            return None;
        }
        M::decode(any.value.as_slice()).ok()
    }

    /// The first value of header `name` (lowercase), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The most bytes of one header value a record keeps.
const MAX_HEADER_COPY: usize = 1024;

pub(crate) fn headers(metadata: &MetadataMap) -> Vec<(String, String)> {
    // Bounded copies: a client's huge header values are not kept whole.
    let cut =
        |b: &[u8]| String::from_utf8_lossy(b.get(..MAX_HEADER_COPY).unwrap_or(b)).into_owned();
    metadata
        .iter()
        .map(|kv| match kv {
            KeyAndValueRef::Ascii(k, v) => (k.as_str().to_owned(), cut(v.as_encoded_bytes())),
            KeyAndValueRef::Binary(k, v) => (k.as_str().to_owned(), cut(v.as_encoded_bytes())),
        })
        .collect()
}

/// The most recent requests, bounded so a long-running emulator does not grow without limit.
pub(crate) struct Recorder {
    limit: usize,
    requests: VecDeque<RecordedRequest>,
}

impl Recorder {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            requests: VecDeque::new(),
        }
    }

    /// Whether requests are kept at all.
    pub(crate) fn enabled(&self) -> bool {
        self.limit > 0
    }

    pub(crate) fn push(&mut self, request: RecordedRequest) {
        if !self.enabled() {
            return;
        }
        if self.requests.len() >= self.limit {
            self.requests.pop_front();
        }
        self.requests.push_back(request);
    }

    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        self.requests.iter().cloned().collect()
    }

    pub(crate) fn clear(&mut self) {
        self.requests.clear();
    }
}
