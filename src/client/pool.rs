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
//!
//! The connection is chosen when the call is made, and the call's future holds its place
//! (a [`Place`]) until the answer's head arrives or the call is dropped: nothing is reserved
//! between `poll_ready` and `call`, so a clone of the pool is an ordinary clone.

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
use tower::{util::Oneshot, Service, ServiceExt};

/// The streams a connection is taken to allow before the next one is used: Google's front
/// ends' cap.
pub const STREAMS_PER_CONNECTION: usize = 100;

/// The connections of one client. Cloning shares them.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    /// The default: one connection, used as tonic uses a channel (nothing added per call).
    One(Channel),
    /// Several, the next used when the ones before it are full.
    Many(Arc<Slots>, usize),
}

/// Two or more connections: the first, and the ones opened after it.
#[derive(Debug)]
pub(crate) struct Slots {
    first: Slot,
    more: Box<[Slot]>,
}

#[derive(Debug)]
struct Slot {
    channel: Channel,
    /// Calls under way on this connection.
    busy: Arc<AtomicUsize>,
    /// Whether it has carried a call (and so connected).
    used: AtomicBool,
}

impl Slot {
    fn new(channel: Channel) -> Slot {
        Slot {
            channel,
            busy: Arc::new(AtomicUsize::new(0)),
            used: AtomicBool::new(false),
        }
    }

    fn load(&self) -> usize {
        self.busy.load(Ordering::Relaxed)
    }
}

impl Slots {
    fn iter(&self) -> impl Iterator<Item = &Slot> {
        std::iter::once(&self.first).chain(self.more.iter())
    }

    /// The first connection with room, else the least busy (the earliest among equals).
    fn choose(&self, per_connection: usize) -> &Slot {
        self.iter()
            .find(|s| s.load() < per_connection)
            .or_else(|| self.iter().min_by_key(|s| s.load()))
            .unwrap_or(&self.first)
    }
}

/// One call's place on a connection: counted when the connection is chosen, given back when
/// dropped, with the call's future.
#[derive(Debug)]
struct Place(Arc<AtomicUsize>);

impl Place {
    fn take(slot: &Slot) -> Place {
        slot.busy.fetch_add(1, Ordering::Relaxed);
        slot.used.store(true, Ordering::Relaxed);
        Place(slot.busy.clone())
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Pool {
    /// A pool over `first` and `more` (lazily connecting channels to one endpoint), each taking
    /// `per_connection` calls before the next is used.
    pub(crate) fn new(first: Channel, more: Vec<Channel>, per_connection: usize) -> Pool {
        if more.is_empty() {
            return Pool::One(first);
        }
        let slots = Slots {
            first: Slot::new(first),
            more: more.into_iter().map(Slot::new).collect(),
        };
        Pool::Many(Arc::new(slots), per_connection.max(1))
    }

    /// How many connections the pool may spread calls over.
    pub(crate) fn connections(&self) -> usize {
        match self {
            Pool::One(_) => 1,
            Pool::Many(slots, _) => slots.iter().count(),
        }
    }

    /// How many connections have carried a call (each connects on its first): more than one
    /// only once calls beyond `streams_per_connection` were under way together.
    pub(crate) fn connections_used(&self) -> usize {
        match self {
            Pool::One(_) => 1,
            Pool::Many(slots, _) => slots
                .iter()
                .filter(|s| s.used.load(Ordering::Relaxed))
                .count()
                .max(1),
        }
    }
}

pin_project_lite::pin_project! {
    /// A call under way on one connection of a pool, holding its place there until the
    /// answer's head has arrived (a unary answer's body follows at once), or until the call
    /// fails or is dropped.
    #[project = Projected]
    pub(crate) enum PoolFuture {
        /// On the one connection: tonic's own future.
        One { #[pin] call: <Channel as Service<http::Request<Body>>>::Future },
        /// On a chosen connection: ready, then called, then answered.
        Many {
            #[pin]
            call: Oneshot<Channel, http::Request<Body>>,
            place: Option<Place>,
        },
    }
}

impl Future for PoolFuture {
    type Output = Result<http::Response<Body>, tonic::transport::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            Projected::One { call } => call.poll(cx),
            Projected::Many { call, place } => {
                let answer = std::task::ready!(call.poll(cx));
                drop(place.take());
                Poll::Ready(answer)
            }
        }
    }
}

impl std::fmt::Debug for PoolFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolFuture").finish_non_exhaustive()
    }
}

impl Service<http::Request<Body>> for Pool {
    type Response = http::Response<Body>;
    type Error = tonic::transport::Error;
    type Future = PoolFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match self {
            Pool::One(c) => c.poll_ready(cx),
            // The chosen connection's readiness is awaited in the call's future.
            Pool::Many(..) => Poll::Ready(Ok(())),
        }
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        match self {
            Pool::One(c) => PoolFuture::One {
                call: c.call(request),
            },
            Pool::Many(slots, per_connection) => {
                let slot = slots.choose(*per_connection);
                PoolFuture::Many {
                    place: Some(Place::take(slot)),
                    call: slot.channel.clone().oneshot(request),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lazy() -> Channel {
        tonic::transport::Endpoint::from_static("http://pool.invalid").connect_lazy()
    }

    fn many(n: usize, per_connection: usize) -> Arc<Slots> {
        match Pool::new(lazy(), (1..n).map(|_| lazy()).collect(), per_connection) {
            Pool::Many(slots, _) => slots,
            Pool::One(_) => panic!("{n} connections make a Many"),
        }
    }

    #[tokio::test]
    async fn a_call_takes_the_first_connection_with_room_and_its_place_goes_with_it() {
        let slots = many(3, 2);
        let loads = |s: &Slots| s.iter().map(Slot::load).collect::<Vec<_>>();
        let places: Vec<Place> = (0..5).map(|_| Place::take(slots.choose(2))).collect();
        assert_eq!(loads(&slots), [2, 2, 1]);
        drop(places);
        assert_eq!(
            loads(&slots),
            [0, 0, 0],
            "each place is given back when dropped"
        );
    }

    #[tokio::test]
    async fn when_every_connection_is_full_the_least_busy_takes_the_call() {
        let slots = many(2, 1);
        let _a = Place::take(slots.choose(1));
        let _b = Place::take(slots.choose(1));
        let _c = Place::take(&slots.first);
        assert!(std::ptr::eq(slots.choose(1), &slots.more[0]));
    }

    #[tokio::test]
    async fn a_dropped_call_gives_its_place_back() {
        let mut pool = Pool::new(lazy(), vec![lazy()], 1);
        let Pool::Many(slots, _) = pool.clone() else {
            panic!("two connections")
        };
        let call = pool.call(http::Request::new(Body::empty()));
        assert_eq!(slots.first.load(), 1);
        assert_eq!(pool.connections_used(), 1);
        drop(call);
        assert_eq!(slots.first.load(), 0);
    }
}
