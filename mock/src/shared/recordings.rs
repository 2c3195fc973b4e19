//! What the server recorded: the requests it received and the notifications it delivered
//! (and the queue that publishes them to Pub/Sub).

use std::sync::Mutex;

use crate::lock::{lock_at, Level};
use crate::notify::{self, publish::Publisher, Notification};
use crate::record::{RecordedRequest, Recorder};

pub(crate) struct Recordings {
    requests: Mutex<Recorder>,
    notifications: Mutex<notify::Record>,
    /// The queue to the Pub/Sub emulator, when one is configured.
    publisher: Option<Publisher>,
}

impl Recordings {
    pub(crate) fn new(requests: Recorder, publisher: Option<Publisher>) -> Recordings {
        Recordings {
            requests: Mutex::new(requests),
            notifications: Mutex::new(notify::Record::default()),
            publisher,
        }
    }

    /// Records the request `make` builds; with recording off (benchmarks) `make` is not run.
    pub(crate) fn record(&self, make: impl FnOnce() -> RecordedRequest) {
        let mut requests = lock_at(&self.requests, Level::Leaf);
        if requests.enabled() {
            requests.push(make());
        }
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock_at(&self.requests, Level::Leaf).snapshot()
    }

    pub(crate) fn clear_requests(&self) {
        lock_at(&self.requests, Level::Leaf).clear();
    }

    /// Records `notes` and queues them for Pub/Sub; never waits (a full queue drops and
    /// counts). Taken while the engine is held, so after it in the order.
    pub(crate) fn deliver(&self, notes: impl Iterator<Item = Notification>) {
        let mut record = lock_at(&self.notifications, Level::Notifications);
        for n in notes {
            match &self.publisher {
                Some(publisher) => {
                    record.push(n.clone());
                    publisher.send(n);
                }
                None => record.push(n),
            }
        }
    }

    pub(crate) fn notifications(&self) -> Vec<Notification> {
        lock_at(&self.notifications, Level::Notifications).snapshot()
    }

    pub(crate) fn clear_notifications(&self) {
        lock_at(&self.notifications, Level::Notifications).clear();
    }

    /// (published, dropped) by the Pub/Sub queue, when there is one.
    pub(crate) fn published(&self) -> Option<(u64, u64)> {
        self.publisher.as_ref().map(|p| p.counts())
    }
}
