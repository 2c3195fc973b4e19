//! One or more HTTP/2 connections to the endpoint, calls spread over them round-robin.
//!
//! A server's SETTINGS cap the streams of one connection (Google's front ends allow 100);
//! calls beyond the cap wait for a stream of that connection. With
//! [`ClientBuilder::connections`](crate::ClientBuilder::connections) above 1 the client opens
//! that many and hands each call to the next, so 1,000 calls in flight run on ten connections
//! instead of queueing behind one.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    task::{Context, Poll},
};

use tonic::{body::Body, transport::Channel};
use tower::Service;

/// The connections of one client. Cloning shares them; a clone has no call prepared.
#[derive(Debug)]
pub struct Pool(Connections);

#[derive(Debug)]
enum Connections {
    /// The default: one connection, used as tonic uses a channel (nothing added per call).
    One(Channel),
    /// Several, handed out in turn.
    Many {
        /// The first connection, also at `channels[0]`: what a call falls back to.
        first: Channel,
        channels: Arc<[Channel]>,
        next: Arc<AtomicUsize>,
        /// The connection `poll_ready` found ready, which the next `call` uses.
        ready: Option<Channel>,
    },
}

impl Clone for Pool {
    fn clone(&self) -> Pool {
        Pool(match &self.0 {
            Connections::One(c) => Connections::One(c.clone()),
            Connections::Many {
                first,
                channels,
                next,
                ..
            } => Connections::Many {
                first: first.clone(),
                channels: channels.clone(),
                next: next.clone(),
                ready: None,
            },
        })
    }
}

impl Pool {
    /// A pool over `first` and `more` (lazily connecting channels to one endpoint).
    pub(crate) fn new(first: Channel, more: Vec<Channel>) -> Pool {
        if more.is_empty() {
            return Pool(Connections::One(first));
        }
        let channels: Vec<Channel> = std::iter::once(first.clone()).chain(more).collect();
        Pool(Connections::Many {
            first,
            channels: channels.into(),
            next: Arc::new(AtomicUsize::new(0)),
            ready: None,
        })
    }

    /// How many connections the pool spreads calls over.
    pub fn connections(&self) -> usize {
        match &self.0 {
            Connections::One(_) => 1,
            Connections::Many { channels, .. } => channels.len(),
        }
    }
}

impl Service<http::Request<Body>> for Pool {
    type Response = http::Response<Body>;
    type Error = tonic::transport::Error;
    type Future = <Channel as Service<http::Request<Body>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match &mut self.0 {
            Connections::One(c) => c.poll_ready(cx),
            Connections::Many {
                first,
                channels,
                next,
                ready,
            } => {
                let channel = match ready {
                    Some(c) => c,
                    None => {
                        let i = next.fetch_add(1, Ordering::Relaxed) % channels.len().max(1);
                        ready.insert(channels.get(i).unwrap_or(first).clone())
                    }
                };
                channel.poll_ready(cx)
            }
        }
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        match &mut self.0 {
            Connections::One(c) => c.call(request),
            Connections::Many { first, ready, .. } => {
                // tower's contract: `call` follows a successful `poll_ready` on this value.
                let mut channel = ready.take().unwrap_or_else(|| first.clone());
                channel.call(request)
            }
        }
    }
}
