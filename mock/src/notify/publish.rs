//! Publishing to Google's Pub/Sub emulator through its REST API
//! (`POST /v1/projects/P/topics/T:publish`), from a bounded queue.
//!
//! Enqueueing never waits: a full queue drops the message (counted). One task publishes in
//! order, so messages reach each topic in the order their events happened. A publish that fails
//! is tried [`ATTEMPTS`] times in all, [`PUBLISH_TIMEOUT`] each; then one log line names the
//! topic and the status, the message is dropped and counted. Nothing grows without bound.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use tokio::sync::mpsc;

use super::Notification;

/// Messages waiting to be published; past it, new ones are dropped and counted.
pub const MAX_QUEUED: usize = 10_000;
/// Attempts per message.
pub const ATTEMPTS: u32 = 3;
/// One publish request, its answer included.
pub const PUBLISH_TIMEOUT: Duration = Duration::from_secs(5);

/// The sending side of the queue, and what was dropped.
#[derive(Debug)]
pub(crate) struct Publisher {
    queue: mpsc::Sender<Notification>,
    dropped: Arc<AtomicU64>,
    published: Arc<AtomicU64>,
}

impl Publisher {
    /// Starts the publishing task for the Pub/Sub emulator at `authority` (`host:port`).
    /// Must be called inside a tokio runtime.
    pub(crate) fn start(authority: String) -> Publisher {
        let (queue, mut receiver) = mpsc::channel::<Notification>(MAX_QUEUED);
        let dropped = Arc::new(AtomicU64::new(0));
        let published = Arc::new(AtomicU64::new(0));
        let (d, p) = (dropped.clone(), published.clone());
        tokio::spawn(async move {
            while let Some(n) = receiver.recv().await {
                match publish_with_retries(&authority, &n).await {
                    Ok(()) => {
                        p.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(why) => {
                        d.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(
                            "pubsub: dropped a message for {}: {why}",
                            crate::names::quote(&n.topic)
                        );
                    }
                }
            }
        });
        Publisher {
            queue,
            dropped,
            published,
        }
    }

    /// Queues `n`; drops it (counted) if the queue is full.
    pub(crate) fn send(&self, n: Notification) {
        if self.queue.try_send(n).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// (published, dropped) so far.
    pub(crate) fn counts(&self) -> (u64, u64) {
        (
            self.published.load(Ordering::Relaxed),
            self.dropped.load(Ordering::Relaxed),
        )
    }
}

/// The `host:port` a `PUBSUB_EMULATOR_HOST` value names (`host:port` or `http://host:port`).
pub(crate) fn authority(host: &str) -> Result<String, String> {
    crate::http1::authority(host, "pubsub emulator host")
}

async fn publish_with_retries(authority: &str, n: &Notification) -> Result<(), String> {
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
        }
        match publish(authority, n).await {
            Ok(()) => return Ok(()),
            // A missing topic stays missing: no retry.
            Err((Some(404), why)) => return Err(why),
            Err((_, why)) => last = why,
        }
    }
    Err(last)
}

/// One publish; on failure the HTTP status (if there was one) and why.
async fn publish(authority: &str, n: &Notification) -> Result<(), (Option<u16>, String)> {
    let data = base64::engine::general_purpose::STANDARD.encode(n.data.to_string());
    let body = serde_json::json!({"messages": [{"data": data, "attributes": n.attributes}]});
    let path = format!("/v1/{}:publish", n.topic);
    // What it answers is read only to be dropped, and only so much of it.
    let answer = crate::http1::exchange(
        authority,
        http::Method::POST,
        &path,
        Some(body.to_string()),
        64 * 1024,
        PUBLISH_TIMEOUT,
    )
    .await;
    match answer {
        Ok((status, _)) if (200..300).contains(&status) => Ok(()),
        Ok((status, _)) => Err((
            Some(status),
            format!("Pub/Sub at http://{authority} answered HTTP {status}"),
        )),
        Err(crate::http1::Failure::TooLong) => Ok(()),
        Err(crate::http1::Failure::Down(why)) => {
            Err((None, format!("Pub/Sub at http://{authority}: {why}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn hosts_are_host_and_port_or_an_http_url() {
        assert_eq!(authority("127.0.0.1:8085").unwrap(), "127.0.0.1:8085");
        assert_eq!(
            authority("http://localhost:8085/").unwrap(),
            "localhost:8085"
        );
        for bad in ["https://x:1", "x", "x:y", "a/b:1", ""] {
            assert!(authority(bad).is_err(), "{bad}");
        }
    }

    /// Past [`MAX_QUEUED`] messages waiting (the Pub/Sub emulator stalls), new ones are dropped
    /// and counted, and sending never waits.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_drops_and_counts_without_waiting() {
        let stalled = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let publisher = Publisher::start(stalled.local_addr().unwrap().to_string());
        let note = Notification {
            topic: "projects/p/topics/t".into(),
            data: serde_json::Value::Null,
            attributes: BTreeMap::new(),
        };
        let started = std::time::Instant::now();
        for _ in 0..MAX_QUEUED + 2 {
            publisher.send(note.clone());
        }
        assert!(started.elapsed() < Duration::from_secs(2), "never waits");
        let (published, dropped) = publisher.counts();
        assert_eq!(published, 0);
        assert!((1..=2).contains(&dropped), "{dropped}");
        drop(stalled);
    }
}
