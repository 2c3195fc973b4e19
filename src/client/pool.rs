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
pub struct Pool {
    first: Channel,
    rest: Arc<[Channel]>,
    next: Arc<AtomicUsize>,
    /// The connection `poll_ready` found ready, which the next `call` uses.
    ready: Option<Channel>,
}

impl Clone for Pool {
    fn clone(&self) -> Pool {
        Pool {
            first: self.first.clone(),
            rest: self.rest.clone(),
            next: self.next.clone(),
            ready: None,
        }
    }
}

impl Pool {
    /// A pool over `first` and `more` (lazily connecting channels to one endpoint).
    pub(crate) fn new(first: Channel, more: Vec<Channel>) -> Pool {
        Pool {
            first,
            rest: more.into(),
            next: Arc::new(AtomicUsize::new(0)),
            ready: None,
        }
    }

    /// How many connections the pool spreads calls over.
    pub fn connections(&self) -> usize {
        1 + self.rest.len()
    }

    /// The connection the next call goes to.
    fn pick(&self) -> Channel {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.connections();
        match i.checked_sub(1).and_then(|j| self.rest.get(j)) {
            Some(c) => c.clone(),
            None => self.first.clone(),
        }
    }
}

impl Service<http::Request<Body>> for Pool {
    type Response = http::Response<Body>;
    type Error = tonic::transport::Error;
    type Future = <Channel as Service<http::Request<Body>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let channel = match &mut self.ready {
            Some(c) => c,
            None => self.ready.insert(self.pick()),
        };
        channel.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        // tower's contract: `call` follows a successful `poll_ready` on this value.
        let mut channel = self.ready.take().unwrap_or_else(|| self.pick());
        channel.call(request)
    }
}
