//! One or more HTTP/2 connections to the endpoint, opened as the load needs them.
//!
//! A server's SETTINGS cap the streams of one connection (Google's front ends allow 100);
//! calls beyond the cap wait for a stream of that connection. With
//! [`ClientBuilder::connections`](crate::ClientBuilder::connections) above 1, a call goes to
//! the first connection with fewer calls under way than
//! [`ClientBuilder::streams_per_connection`](crate::ClientBuilder::streams_per_connection)
//! (100 by default), else to the least busy one. Connections connect lazily, so the second one
//! opens only when the first is full: a quiet client keeps one connection, and 1,000 calls in
//! flight run on ten instead of queueing behind one.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    task::{Context, Poll},
};

use tonic::{body::Body, transport::Channel};
use tower::Service;

/// The streams a connection is taken to allow before the next one is used: Google's front
/// ends' cap.
pub const STREAMS_PER_CONNECTION: usize = 100;

/// The connections of one client. Cloning shares them; a clone has no call prepared.
#[derive(Debug)]
pub struct Pool(Connections);

#[derive(Debug)]
struct Slot {
    channel: Channel,
    /// Calls under way on this connection.
    busy: Arc<AtomicUsize>,
    /// Whether it has carried a call (and so connected).
    used: AtomicBool,
}

#[derive(Debug)]
enum Connections {
    /// The default: one connection, used as tonic uses a channel (nothing added per call).
    One(Channel),
    /// Several, the next used when the ones before it are full.
    Many {
        /// The first connection, also in `slots`: what a call falls back to.
        first: Channel,
        slots: Arc<[Slot]>,
        /// Calls a connection takes before the next is used.
        per_connection: usize,
        /// The connection `poll_ready` chose and polled, which the next `call` uses; its place
        /// is counted from the choice on, so calls that wait between the two (for a token)
        /// still spread.
        ready: Option<(usize, Channel)>,
    },
}

impl Clone for Pool {
    fn clone(&self) -> Pool {
        Pool(match &self.0 {
            Connections::One(c) => Connections::One(c.clone()),
            Connections::Many {
                first,
                slots,
                per_connection,
                ..
            } => Connections::Many {
                first: first.clone(),
                slots: slots.clone(),
                per_connection: *per_connection,
                ready: None,
            },
        })
    }
}

impl Pool {
    /// A pool over `first` and `more` (lazily connecting channels to one endpoint), each taking
    /// `per_connection` calls before the next is used.
    pub(crate) fn new(first: Channel, more: Vec<Channel>, per_connection: usize) -> Pool {
        if more.is_empty() {
            return Pool(Connections::One(first));
        }
        let slots: Vec<Slot> = std::iter::once(first.clone())
            .chain(more)
            .map(|channel| Slot {
                channel,
                busy: Arc::new(AtomicUsize::new(0)),
                used: AtomicBool::new(false),
            })
            .collect();
        Pool(Connections::Many {
            first,
            slots: slots.into(),
            per_connection: per_connection.max(1),
            ready: None,
        })
    }

    /// How many connections the pool may spread calls over.
    pub fn connections(&self) -> usize {
        match &self.0 {
            Connections::One(_) => 1,
            Connections::Many { slots, .. } => slots.len(),
        }
    }

    /// How many connections have carried a call (each connects on its first): more than one
    /// only once calls beyond `streams_per_connection` were under way together.
    pub fn connections_used(&self) -> usize {
        match &self.0 {
            Connections::One(_) => 1,
            Connections::Many { slots, .. } => slots
                .iter()
                .filter(|s| s.used.load(Ordering::Relaxed))
                .count()
                .max(1),
        }
    }
}

/// The first slot with room, else the least busy.
fn choose(slots: &[Slot], per_connection: usize) -> usize {
    let load = |s: &Slot| s.busy.load(Ordering::Relaxed);
    slots
        .iter()
        .position(|s| load(s) < per_connection)
        .or_else(|| {
            slots
                .iter()
                .enumerate()
                .min_by_key(|(_, s)| load(s))
                .map(|(i, _)| i)
        })
        .unwrap_or(0)
}

/// A call under way on one connection of a pool: its count drops when the answer's head has
/// arrived (a unary answer's body follows at once), or when the call fails or is dropped.
pub struct PoolFuture {
    inner: <Channel as Service<http::Request<Body>>>::Future,
    busy: Option<Arc<AtomicUsize>>,
}

impl Drop for PoolFuture {
    fn drop(&mut self) {
        if let Some(busy) = self.busy.take() {
            busy.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Future for PoolFuture {
    type Output = Result<http::Response<Body>, tonic::transport::Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

impl std::fmt::Debug for PoolFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolFuture").finish_non_exhaustive()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // A connection chosen by `poll_ready` whose call never came: give its place back.
        if let Connections::Many { slots, ready, .. } = &mut self.0 {
            if let Some(slot) = ready.take().and_then(|(i, _)| slots.get(i)) {
                slot.busy.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

impl Service<http::Request<Body>> for Pool {
    type Response = http::Response<Body>;
    type Error = tonic::transport::Error;
    type Future = PoolFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match &mut self.0 {
            Connections::One(c) => c.poll_ready(cx),
            Connections::Many {
                first,
                slots,
                per_connection,
                ready,
            } => {
                let (_, channel) = ready.get_or_insert_with(|| {
                    let i = choose(slots, *per_connection);
                    match slots.get(i) {
                        // Counted from the choice: a call that waits between here and `call`
                        // (for a token) still holds its place.
                        Some(slot) => {
                            slot.busy.fetch_add(1, Ordering::Relaxed);
                            (i, slot.channel.clone())
                        }
                        None => (usize::MAX, first.clone()),
                    }
                });
                channel.poll_ready(cx)
            }
        }
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        match &mut self.0 {
            Connections::One(c) => PoolFuture {
                inner: c.call(request),
                busy: None,
            },
            Connections::Many {
                first,
                slots,
                ready,
                ..
            } => {
                // tower's contract: `call` follows a successful `poll_ready` on this value, which
                // counted the call on its connection; the future now holds that count.
                let (i, mut channel) = ready.take().unwrap_or_else(|| (usize::MAX, first.clone()));
                let busy = slots.get(i).map(|slot| {
                    slot.used.store(true, Ordering::Relaxed);
                    slot.busy.clone()
                });
                PoolFuture {
                    inner: channel.call(request),
                    busy,
                }
            }
        }
    }
}
