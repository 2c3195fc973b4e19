//! The cap on open TCP connections, and who makes room at it.
//!
//! A connection takes a place when it is accepted and gives it back when it closes. At the cap,
//! the newcomer does not queue behind connections that do nothing: the oldest connection with
//! no request under way is closed (shed) to make room, so a fresh client is served even when
//! every place is held by idle or silent peers. Only when every open connection has a request
//! under way does the newcomer wait for one to close.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::connection::ConnHandle;
use crate::lock::lock;
use crate::memory::Trimmer;

/// How long a newcomer waits for a shed connection to close before it sheds another (a
/// connection closes once its task sees its IO fail, normally within microseconds).
const SHED_PATIENCE: Duration = Duration::from_millis(100);

/// The places of open connections, and the open connections oldest first.
pub(crate) struct ConnectionCap {
    places: Arc<Semaphore>,
    open: Mutex<BTreeMap<u64, ConnHandle>>,
    next: AtomicU64,
    trimmer: Trimmer,
}

impl ConnectionCap {
    /// A cap of `max` connections. Must be called inside a tokio runtime.
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            places: Arc::new(Semaphore::new(max)),
            open: Mutex::new(BTreeMap::new()),
            next: AtomicU64::new(0),
            trimmer: Trimmer::spawn(),
        })
    }

    /// A place for `conn`: a free one, or one made by shedding the oldest idle connection.
    /// Waits only while every open connection has a request under way.
    pub(crate) async fn place(self: &Arc<Self>, conn: ConnHandle) -> Option<Slot> {
        let permit = match self.places.clone().try_acquire_owned() {
            Ok(permit) => permit,
            // With nothing to shed, this waits for a close, looking again now and then: a busy
            // connection may go idle without closing.
            Err(_) => loop {
                self.shed_oldest_idle();
                let wait = self.places.clone().acquire_owned();
                if let Ok(permit) = tokio::time::timeout(SHED_PATIENCE, wait).await {
                    break permit.ok()?;
                }
            },
        };
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        lock(&self.open).insert(id, conn);
        Some(Slot {
            _permit: permit,
            cap: self.clone(),
            id,
        })
    }

    /// Closes the oldest open connection with no request under way, if there is one.
    fn shed_oldest_idle(&self) {
        let open = lock(&self.open);
        if let Some((id, conn)) = open.iter().find(|(_, c)| c.is_idle()) {
            tracing::debug!(
                connection = id,
                "at the connection cap: closing the oldest idle one"
            );
            conn.kill();
        }
    }
}

/// A TCP connection's place under the cap. Freed when the connection closes, and then what
/// the connection used is given back to the system.
pub(crate) struct Slot {
    _permit: OwnedSemaphorePermit,
    cap: Arc<ConnectionCap>,
    id: u64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        lock(&self.cap.open).remove(&self.id);
        self.cap.trimmer.soon();
    }
}
