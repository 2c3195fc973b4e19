//! Transports: in-memory duplex pipes for tests, TCP for the emulator, and the kill switch
//! behind [`Fault::DropConnection`](crate::Fault::DropConnection).
//!
//! Every server-side connection is wrapped in [`MockIo`], which tonic hands to each request as
//! connect info ([`ConnHandle`]). Killing the handle makes the connection's reads and writes
//! fail, so hyper tears the connection down and the client sees a transport error, exactly as
//! when a load balancer resets a connection.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};
use tokio::sync::mpsc;
use tokio::time::Sleep;
use tonic::transport::server::Connected;
use tonic::transport::{Channel, Endpoint};

use super::connection_cap::Slot;
use crate::connection::ConnHandle;

/// Size of each in-memory pipe direction; big enough for a page of 1000 operations to flow
/// without stalling on a reader.
const PIPE_BYTES: usize = 1 << 20;

/// The most bytes an HTTP/1.1 client may send while it has no request under way: a request
/// head, in practice. (hyper would buffer about 400 KB of one, which tonic does not let us
/// configure; HTTP/2 header lists have their own limit.)
pub const MAX_HTTP1_HEAD: usize = 64 << 10;

/// What an HTTP/1.1 connection has sent with no request under way, since the last began.
#[derive(Default)]
struct Between {
    /// The first bytes the client sent, until there are three: `PRI` is HTTP/2's preface.
    first: Vec<u8>,
    http2: bool,
    bytes: usize,
    begun: u64,
}

impl Between {
    /// Counts `read`; false once a client with no request under way has sent too much.
    fn heard(&mut self, read: &[u8], conn: &ConnHandle) -> bool {
        if self.first.len() < 3 {
            let more = read.len().min(3 - self.first.len());
            self.first.extend_from_slice(&read[..more]);
            self.http2 = self.first.starts_with(b"PRI");
        }
        if self.http2 {
            return true;
        }
        let (in_flight, begun) = conn.requests();
        if begun != self.begun {
            (self.begun, self.bytes) = (begun, 0);
        }
        if in_flight == 0 {
            self.bytes += read.len();
        }
        self.bytes <= MAX_HTTP1_HEAD
    }
}

fn reset() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "connection dropped by the mock server",
    )
}

/// HTTP/2's connection preface: this magic, then the client's SETTINGS frame.
const MAGIC: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// The magic and a frame header: the preface counts as complete once its SETTINGS frame has
/// begun (hyper refuses a connection whose first frame is anything else).
const PREFACE: usize = MAGIC.len() + 9;

/// The start of a connection, until its client has said which protocol it speaks: HTTP/2's
/// preface, or an HTTP/1 request line. Its deadline counts from accept, not from the last byte,
/// so a client that sends a byte now and then cannot stretch it.
struct Handshake {
    limit: Duration,
    deadline: Pin<Box<Sleep>>,
    /// The first bytes the client sent, up to [`PREFACE`].
    seen: Vec<u8>,
}

impl Handshake {
    /// Counts `read`; true once the handshake is complete.
    fn complete_after(&mut self, read: &[u8]) -> bool {
        let more = read.len().min(PREFACE.saturating_sub(self.seen.len()));
        self.seen
            .extend_from_slice(read.get(..more).unwrap_or_default());
        let start = self.seen.get(..MAGIC.len()).unwrap_or(&self.seen);
        if MAGIC.starts_with(start) {
            self.seen.len() >= PREFACE
        } else {
            // HTTP/1, or bytes of no protocol (hyper answers those): a line has ended.
            read.contains(&b'\n')
        }
    }
}

/// A server-side connection that can be killed from a handler, and closed when its peer has
/// sent nothing for a while.
pub(crate) struct MockIo<T> {
    inner: T,
    conn: ConnHandle,
    /// How long the peer may stay silent, and when that runs out.
    silence: Option<(Duration, Pin<Box<Sleep>>)>,
    /// The connection's place under the cap on open connections, freed when it closes.
    slot: Option<Slot>,
    /// Until the client has begun speaking a protocol, and how long it may take.
    handshake: Option<Handshake>,
    /// When the connection is closed whatever it is doing.
    end_of_life: Option<Pin<Box<Sleep>>>,
    /// What an HTTP/1.1 client sends between requests, when bounded.
    between: Option<Between>,
}

impl<T> MockIo<T> {
    pub(crate) fn new(inner: T) -> Self {
        Self {
            inner,
            conn: ConnHandle::default(),
            silence: None,
            slot: None,
            handshake: None,
            end_of_life: None,
            between: None,
        }
    }

    /// A connection closed once its peer sends nothing for `limit`: a client that connects and
    /// never speaks does not hold a task and a descriptor forever. (A live HTTP/2 peer answers
    /// the server's keepalive pings, which counts as speaking.)
    pub(crate) fn closing_after_silence(inner: T, limit: Duration) -> Self {
        Self {
            inner,
            conn: ConnHandle::default(),
            silence: Some((limit, Box::pin(tokio::time::sleep(limit)))),
            slot: None,
            handshake: None,
            end_of_life: None,
            between: None,
        }
    }

    /// Closes the connection if its client has not sent HTTP/2's preface or an HTTP/1 request
    /// line `limit` after now: a socket that connects and stays silent, or trickles bytes,
    /// holds a place under the cap for no longer than that.
    pub(crate) fn handshake_within(mut self, limit: Duration) -> Self {
        self.handshake = Some(Handshake {
            limit,
            deadline: Box::pin(tokio::time::sleep(limit)),
            seen: Vec::new(),
        });
        self
    }

    /// The handle handlers see, which kills the connection.
    pub(crate) fn handle(&self) -> ConnHandle {
        self.conn.clone()
    }

    /// Holds `slot` for as long as the connection is open.
    pub(crate) fn holding(mut self, slot: Slot) -> Self {
        self.slot = Some(slot);
        self
    }

    /// Closes the connection `life` from now, whatever it is doing: the bound on a client that
    /// keeps a stream open, or never reads its answers, past the graceful close at its age.
    pub(crate) fn living(mut self, life: Duration) -> Self {
        self.end_of_life = Some(Box::pin(tokio::time::sleep(life)));
        self
    }

    /// Bounds what an HTTP/1.1 client sends while no request of its is under way
    /// ([`MAX_HTTP1_HEAD`]); needs the admission layer to count requests.
    pub(crate) fn bounding_heads(mut self) -> Self {
        self.between = Some(Between::default());
        self
    }

    /// Whether the connection has lived its life (registering `cx` to be woken when it has).
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.end_of_life
            .as_mut()
            .is_some_and(|end| end.as_mut().poll(cx).is_ready())
    }
}

fn too_old() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the connection lived its life")
}

impl<T> Connected for MockIo<T> {
    type ConnectInfo = ConnHandle;

    fn connect_info(&self) -> ConnHandle {
        self.conn.clone()
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for MockIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.conn.killed() {
            return Poll::Ready(Err(reset()));
        }
        if self.expired(cx) {
            return Poll::Ready(Err(too_old()));
        }
        self.conn.wake_on_kill(cx.waker());
        // Re-check after registering so a kill between the check and the store is not lost.
        if self.conn.killed() {
            return Poll::Ready(Err(reset()));
        }
        let before = buf.filled().len();
        let read = Pin::new(&mut self.inner).poll_read(cx, buf);
        let heard = buf.filled().len() > before;
        let this = &mut *self;
        if let Some(handshake) = this.handshake.as_mut() {
            if heard && handshake.complete_after(&buf.filled()[before..]) {
                this.handshake = None;
            } else if read.is_pending() && handshake.deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "no HTTP/2 preface or HTTP/1 request line within {:?}",
                        handshake.limit
                    ),
                )));
            }
        }
        if let Some(between) = this.between.as_mut() {
            if heard && !between.heard(&buf.filled()[before..], &this.conn) {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("a request head over {MAX_HTTP1_HEAD} bytes"),
                )));
            }
        }
        let Some((limit, timer)) = self.silence.as_mut() else {
            return read;
        };
        match read {
            Poll::Ready(Ok(())) if heard => {
                let at = tokio::time::Instant::now() + *limit;
                timer.as_mut().reset(at);
                Poll::Ready(Ok(()))
            }
            Poll::Pending if timer.as_mut().poll(cx).is_ready() => {
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client sent nothing for too long",
                )))
            }
            other => other,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for MockIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.conn.killed() {
            return Poll::Ready(Err(reset()));
        }
        if self.expired(cx) {
            return Poll::Ready(Err(too_old()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.conn.killed() {
            return Poll::Ready(Err(reset()));
        }
        if self.expired(cx) {
            return Poll::Ready(Err(too_old()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A lazily connecting channel whose every connection is a fresh in-memory pipe handed to
/// the server through `connections`. Reconnects (after a dropped connection) just make
/// another pipe.
pub(crate) fn in_memory_channel(connections: mpsc::UnboundedSender<DuplexStream>) -> Channel {
    // The URI only names the authority in requests; nothing resolves it.
    Endpoint::from_static("http://mock.ccai-lro.invalid").connect_with_connector_lazy(
        tower::service_fn(move |_: tonic::codegen::http::Uri| {
            let connections = connections.clone();
            async move {
                let (client, server) = tokio::io::duplex(PIPE_BYTES);
                connections.send(server).map_err(|_| {
                    io::Error::new(io::ErrorKind::ConnectionRefused, "mock server stopped")
                })?;
                Ok::<_, io::Error>(TokioIo::new(client))
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handshake() -> Handshake {
        Handshake {
            limit: Duration::from_secs(10),
            deadline: Box::pin(tokio::time::sleep(Duration::from_secs(10))),
            seen: Vec::new(),
        }
    }

    /// Feeds `chunks` one read at a time; the index of the read that completed it.
    fn completes_at(chunks: &[&[u8]]) -> Option<usize> {
        let mut h = handshake();
        chunks.iter().position(|c| h.complete_after(c))
    }

    #[tokio::test]
    async fn a_preface_completes_with_its_settings_frame_header_however_it_is_split() {
        let mut preface = MAGIC.to_vec();
        preface.extend([0, 0, 0, 4, 0, 0, 0, 0, 0]);
        assert_eq!(completes_at(&[&preface]), Some(0));
        let bytes: Vec<&[u8]> = preface.chunks(1).collect();
        assert_eq!(completes_at(&bytes), Some(PREFACE - 1));
        // The magic alone, even with its `\n`s, is not a request line.
        assert_eq!(completes_at(&[MAGIC]), None);
    }

    #[tokio::test]
    async fn an_http1_request_line_completes_at_its_end_of_line() {
        assert_eq!(completes_at(&[b"GET /v1/x HTTP/1.1", b"\r\n"]), Some(1));
        assert_eq!(completes_at(&[b"GET /v1/x HTTP/1.1"]), None);
        // Bytes of no protocol end a line too; hyper answers them, the deadline need not.
        assert_eq!(completes_at(&[b"\x16\x03\x01", b"\n"]), Some(1));
        // A first line past the preface's length is still read for its end.
        let long = [b'a'; 100];
        assert_eq!(completes_at(&[&long, b"b\n"]), Some(1));
    }
}
