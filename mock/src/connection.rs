//! A handle on one server-side connection: what handlers, the admission layer and the
//! connection cap know of it (whether it was killed, how many requests are under way), apart
//! from the IO wrapper that enforces it (`transport/io.rs`).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Waker;

use crate::lock::lock;

#[derive(Default)]
struct ConnState {
    killed: AtomicBool,
    reader: Mutex<Option<Waker>>,
    /// Requests under way on the connection, and how many have begun.
    in_flight: AtomicUsize,
    begun: AtomicU64,
}

/// A request under way on a connection, until dropped.
pub(crate) struct InFlight(ConnHandle);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0 .0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A handle on one server-side connection, available to handlers as connect info.
#[derive(Clone, Default)]
pub(crate) struct ConnHandle(Arc<ConnState>);

impl ConnHandle {
    /// Fails the connection's IO from now on and wakes a pending read so hyper notices.
    pub(crate) fn kill(&self) {
        self.0.killed.store(true, Ordering::SeqCst);
        let waker = lock(&self.0.reader).take();
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub(crate) fn killed(&self) -> bool {
        self.0.killed.load(Ordering::SeqCst)
    }

    /// Whether the connection is open with no request under way: what may be shed at the cap.
    pub(crate) fn is_idle(&self) -> bool {
        !self.killed() && self.0.in_flight.load(Ordering::SeqCst) == 0
    }

    /// Counts a request as under way on this connection until the guard is dropped.
    pub(crate) fn begin(&self) -> InFlight {
        self.0.in_flight.fetch_add(1, Ordering::SeqCst);
        self.0.begun.fetch_add(1, Ordering::SeqCst);
        InFlight(self.clone())
    }
}

impl ConnHandle {
    /// Wakes `waker` when the connection is killed (the reader's, so hyper notices at once).
    pub(crate) fn wake_on_kill(&self, waker: &Waker) {
        *lock(&self.0.reader) = Some(waker.clone());
    }

    /// Requests under way now, and how many have begun in all.
    pub(crate) fn requests(&self) -> (usize, u64) {
        (
            self.0.in_flight.load(Ordering::SeqCst),
            self.0.begun.load(Ordering::SeqCst),
        )
    }
}
