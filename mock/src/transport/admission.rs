//! What the emulator takes in from all its network clients at once: requests under way, and the
//! bytes of request bodies held while they arrive.
//!
//! A request's body is received whole, within its budget, before any handler sees it. That is
//! what keeps memory to what clients really sent: tonic's decoder reserves a message's declared
//! length as soon as its 5-byte prefix arrives, so 10,240 streams that each announce 4 MiB and
//! send a few bytes would otherwise make it reserve 40 GiB.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use bytes::BytesMut;
use futures_util::StreamExt;
use http_body::Body as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::Status;

use super::rest::{self, MAX_BODY};
use crate::connection::{ConnHandle, InFlight};

/// Requests under way at once, from all clients; past it, RESOURCE_EXHAUSTED at once.
pub const MAX_REQUESTS: usize = 4096;
/// Bytes of request bodies held at once while they arrive, from all clients.
pub const MAX_RECEIVING: usize = 32 << 20;
/// Bytes of answers being sent at once, to all clients. An answer holds its bytes until its
/// client has read it; past the budget, a gRPC answer becomes RESOURCE_EXHAUSTED (in trailers)
/// and a REST answer is reset, so clients that never read cannot make the emulator hold more.
pub const MAX_SENDING: usize = 64 << 20;
/// The largest gRPC request message (tonic's default limit), plus its 5-byte prefix.
const MAX_GRPC_BODY: usize = (4 << 20) + 5;
/// Streaming calls open at once (server reflection, health `Watch`): they last as long as
/// their client wants, so they are counted until their answer's stream ends. Reflection's
/// requests stream too, so its bodies cannot be received whole first; each of its messages is
/// at most 64 KiB.
pub const MAX_STREAMING_CALLS: usize = 64;
/// The largest reflection request message, in bytes (they name a symbol or a file).
pub const MAX_REFLECTION_MESSAGE: usize = 64 << 10;

pub(crate) struct Admission {
    requests: Arc<Semaphore>,
    bytes: Arc<Semaphore>,
    sending: Arc<Semaphore>,
    streaming: Arc<Semaphore>,
}

impl Default for Admission {
    fn default() -> Self {
        Self {
            requests: Arc::new(Semaphore::new(MAX_REQUESTS)),
            bytes: Arc::new(Semaphore::new(MAX_RECEIVING)),
            sending: Arc::new(Semaphore::new(MAX_SENDING)),
            streaming: Arc::new(Semaphore::new(MAX_STREAMING_CALLS)),
        }
    }
}

/// Admits a request within the limits, its body received whole first, or answers it with the
/// limit it hit (gRPC status or REST error body, as the client speaks).
pub(crate) async fn admit(
    State(admission): State<Arc<Admission>>,
    request: Request,
    next: Next,
) -> Response {
    let grpc = request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
    let refuse = |status: Status| {
        if grpc {
            status.into_http()
        } else {
            rest::error_response(&status)
        }
    };
    // While it is under way, its connection may send a body of any length (HTTP/1.1 heads are
    // bounded between requests).
    let on_connection = request
        .extensions()
        .get::<ConnHandle>()
        .map(ConnHandle::begin);
    let Ok(call) = admission.requests.clone().try_acquire_owned() else {
        return refuse(Status::resource_exhausted(format!(
            "the emulator is serving {MAX_REQUESTS} requests, its limit; retry"
        )));
    };
    let path = request.uri().path();
    // Only gRPC streams there; anything else is received whole like any request.
    let reflection = grpc && path.starts_with("/grpc.reflection.");
    let stream = if reflection || path == "/grpc.health.v1.Health/Watch" {
        let Ok(stream) = admission.streaming.clone().try_acquire_owned() else {
            return refuse(Status::resource_exhausted(format!(
                "{MAX_STREAMING_CALLS} streaming calls are open, the emulator's limit"
            )));
        };
        Some(stream)
    } else {
        None
    };
    let response = if reflection {
        next.run(request).await
    } else {
        let (parts, body) = request.into_parts();
        // As each side's clients expect an oversized request to be answered.
        let (limit, too_big): (_, fn(String) -> Status) = if grpc {
            (MAX_GRPC_BODY, Status::resource_exhausted)
        } else {
            (MAX_BODY, Status::invalid_argument)
        };
        let too_big = too_big(format!("request body over {limit} bytes"));
        match receive(body, limit, too_big, &admission.bytes).await {
            Ok((body, _held)) => next.run(Request::from_parts(parts, body)).await,
            Err(status) => return refuse(status),
        }
    };
    // The call counts until its answer has been sent, streams included.
    let sending = admission.sending.clone();
    response.map(|body| {
        Body::new(Holding {
            body,
            _permits: (call, stream),
            _on_connection: on_connection,
            sending,
            sent: None,
            grpc,
            refused: false,
        })
    })
}

/// An answer's body that keeps its call's places until it is sent or dropped, and pays for its
/// bytes from the sending budget until then.
struct Holding {
    body: Body,
    _permits: (OwnedSemaphorePermit, Option<OwnedSemaphorePermit>),
    _on_connection: Option<InFlight>,
    sending: Arc<Semaphore>,
    sent: Option<OwnedSemaphorePermit>,
    grpc: bool,
    /// The budget was spent: the answer ended with an error instead of its data.
    refused: bool,
}

impl Holding {
    /// Pays for `bytes` of the answer, or says the budget is spent.
    fn pay(&mut self, bytes: usize) -> bool {
        let Some(permit) = u32::try_from(bytes)
            .ok()
            .and_then(|n| self.sending.clone().try_acquire_many_owned(n).ok())
        else {
            return false;
        };
        match self.sent.as_mut() {
            Some(sent) => sent.merge(permit),
            None => self.sent = Some(permit),
        }
        true
    }

    /// What ends an answer the budget cannot pay for.
    fn refusal(&self) -> Result<http_body::Frame<bytes::Bytes>, axum::Error> {
        let message = format!(
            "the emulator holds {} MiB of answers its clients have not read, its limit; retry",
            MAX_SENDING >> 20
        );
        if !self.grpc {
            return Err(axum::Error::new(message));
        }
        let mut trailers = http::HeaderMap::new();
        Status::resource_exhausted(message)
            .add_header(&mut trailers)
            .map_err(axum::Error::new)?;
        Ok(http_body::Frame::trailers(trailers))
    }
}

impl http_body::Body for Holding {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if self.refused {
            return std::task::Poll::Ready(None);
        }
        let frame = std::task::ready!(std::pin::Pin::new(&mut self.body).poll_frame(cx));
        let bytes = match &frame {
            Some(Ok(frame)) => frame.data_ref().map_or(0, bytes::Bytes::len),
            _ => 0,
        };
        if bytes > 0 && !self.pay(bytes) {
            self.refused = true;
            return std::task::Poll::Ready(Some(self.refusal()));
        }
        std::task::Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.refused || self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The whole body, paid for from `budget` as it arrives; the permit is held until the request
/// is answered.
async fn receive(
    body: Body,
    limit: usize,
    too_big: Status,
    budget: &Arc<Semaphore>,
) -> Result<(Body, Option<OwnedSemaphorePermit>), Status> {
    if body.size_hint().lower() > limit as u64 {
        return Err(too_big);
    }
    let (mut received, mut held) = (BytesMut::new(), None::<OwnedSemaphorePermit>);
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk =
            chunk.map_err(|e| Status::cancelled(format!("request body unreadable: {e}")))?;
        if received.len() + chunk.len() > limit {
            return Err(too_big);
        }
        received.extend_from_slice(&chunk);
        // Paid by capacity, not length: growing the buffer may double it.
        let paid = held.as_ref().map_or(0, OwnedSemaphorePermit::num_permits);
        let owed = received.capacity().saturating_sub(paid);
        if owed == 0 {
            continue;
        }
        let permit = u32::try_from(owed)
            .ok()
            .and_then(|n| budget.clone().try_acquire_many_owned(n).ok())
            .ok_or_else(|| {
                Status::resource_exhausted(format!(
                    "the emulator is receiving {} MiB of requests, its limit; retry",
                    MAX_RECEIVING >> 20
                ))
            })?;
        match held.as_mut() {
            Some(h) => h.merge(permit),
            None => held = Some(permit),
        }
    }
    Ok((Body::from(received.freeze()), held))
}
