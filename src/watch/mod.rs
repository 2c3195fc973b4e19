//! Thousands of operations on one poll budget.
//!
//! A [`Watcher`] holds a set of operations and yields each one once, as it finishes, with its
//! typed outcome ([`Finished`]). It does not poll every operation on its own: for each location
//! (`projects/{p}/locations/{l}`) it either sweeps the location with ListOperations, one page
//! answering for up to a thousand operations, or polls each operation with GetOperation,
//! whichever makes fewer calls for the same lag, and it keeps choosing as operations come and
//! go. It learns what a sweep costs from the sweeps it makes (a location may also hold
//! thousands of finished operations from earlier days), matches what it lists by name, and
//! never trusts a server to have applied a filter (it sends none). Every call draws from the
//! client's poll budget ([`ClientBuilder::max_polls_per_second`]), shared with every wait on
//! the same client.
//!
//! With feature `json`, the watched set can be saved and restored as JSON Lines
//! (`Watcher::export`, `Watcher::import`), so a process that restarts resumes where it was.
//!
//! ```
//! use ccai_lro_mock::{MockServer, Script};
//! use ccai_lro::proto::google::cloud::contactcenterinsights::v1::IssueModel;
//! use ccai_lro::watch::Watcher;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), ccai_lro::Error> {
//! let server = MockServer::start().await;
//! let mut watcher: Watcher<IssueModel> = Watcher::new(server.client());
//! for i in 0..100 {
//!     let name = format!("projects/p/locations/l/operations/{i}");
//!     server.insert(&name, Script::new().respond(&IssueModel::default()));
//!     watcher.add(&name)?;
//! }
//! while let Some(finished) = watcher.next().await {
//!     let model = finished.outcome?;
//!     # let _ = model;
//! }
//! // 100 operations, one ListOperations page.
//! assert_eq!(watcher.stats().pages, 1);
//! # Ok(()) }
//! ```
//!
//! [`ClientBuilder::max_polls_per_second`]: crate::ClientBuilder::max_polls_per_second

#[cfg(feature = "json")]
mod journal;
mod plan;

use std::{
    collections::VecDeque,
    marker::PhantomData,
    sync::{Arc, Mutex},
    time::Duration,
};

use futures_util::{stream, Stream, StreamExt, TryStreamExt};
use prost::Message;
use tokio::time::Instant;

use crate::{
    backoff::Backoff,
    client::{call::Kind, target::NameRule},
    operation::{Payload, Untyped},
    proto::google::longrunning::Operation as RawOperation,
    sync::lock,
    Client, Error, ListOptions, Operation,
};
use plan::{next_get_delay, Registry};

/// The most pages one sweep reads: past it the location is polled operation by operation (a
/// million operations of history, or a server handing out fresh page tokens forever).
pub const MAX_SWEEP_PAGES: u32 = 1000;
/// Sweeps failing this many times in a row turn a location over to polls, one per operation.
const MAX_SWEEP_FAILURES: u32 = 5;

/// How a watcher works.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WatchOptions {
    /// The longest time between two looks at an operation: a finished operation is reported at
    /// most this long after it finished (a little more when the poll budget is tight).
    pub lag: Duration,
    /// Delays between two GetOperation polls of one operation, and between two sweeps of one
    /// location, capped at `lag`.
    pub backoff: Backoff,
    /// Operations per ListOperations page asked for (the server may send fewer).
    pub page_size: u32,
    /// GetOperation polls in flight at once.
    pub concurrency: usize,
}

impl Default for WatchOptions {
    /// A lag of 15 s (the 95th percentile of detection lag stays under 15 s, better than every
    /// other client library's polling default, see BENCHMARKS.md), polls at 1 s ×2, pages of
    /// 1,000 (the most Insights returns), 64 polls in flight.
    fn default() -> Self {
        WatchOptions {
            lag: Duration::from_secs(15),
            backoff: Backoff::new(Duration::from_secs(1), 2.0, Duration::from_secs(15))
                .with_jitter(0.1),
            page_size: 1000,
            concurrency: 64,
        }
    }
}

impl WatchOptions {
    /// The same options with another lag target.
    pub fn with_lag(mut self, lag: Duration) -> Self {
        self.lag = lag;
        self
    }
}

/// One finished operation, reported once.
#[derive(Debug)]
#[non_exhaustive]
pub struct Finished<R> {
    /// The operation's name.
    pub name: String,
    /// Its typed response, or why there is none: the operation failed
    /// ([`Error::OperationFailed`]), its payload is not an `R`, or polling it failed for good
    /// (e.g. NOT_FOUND).
    pub outcome: Result<R, Error>,
    /// The finished operation as the server sent it, when it sent one.
    pub operation: Option<RawOperation>,
}

/// What a watcher has cost so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WatchStats {
    /// GetOperation calls.
    pub polls: u64,
    /// ListOperations pages.
    pub pages: u64,
    /// Bytes of answers received (encoded messages, without transport framing).
    pub bytes: u64,
}

/// Watches many operations whose response is `R` and metadata `M`. See the [module](self).
pub struct Watcher<R = Untyped, M = Untyped> {
    client: Client,
    options: WatchOptions,
    registry: Arc<Mutex<Registry>>,
    ready: VecDeque<Finished<R>>,
    stats: WatchStats,
    types: PhantomData<fn() -> (R, M)>,
}

/// Adds to and removes from a [`Watcher`] from elsewhere (another task), while it runs.
#[derive(Clone, Debug)]
pub struct WatcherHandle {
    registry: Arc<Mutex<Registry>>,
    rule: NameRule,
}

impl WatcherHandle {
    /// Watches `name` too (checked first; a name already watched is left as it is).
    pub fn add(&self, name: &str) -> Result<(), Error> {
        self.rule.check(name)?;
        lock(&self.registry).add(name, Instant::now());
        Ok(())
    }

    /// Stops watching `name`; whether it was watched.
    pub fn remove(&self, name: &str) -> bool {
        lock(&self.registry).remove(name)
    }
}

impl<R: Payload, M: Payload> Watcher<R, M> {
    /// A watcher on `client` with the default [`WatchOptions`].
    pub fn new(client: Client) -> Self {
        Watcher::with_options(client, WatchOptions::default())
    }

    /// A watcher on `client`.
    pub fn with_options(client: Client, options: WatchOptions) -> Self {
        Watcher {
            client,
            options,
            registry: Arc::default(),
            ready: VecDeque::new(),
            stats: WatchStats::default(),
            types: PhantomData,
        }
    }

    /// Watches the operation `name` (checked first, no RPC); its first look comes at once.
    pub fn add(&mut self, name: &str) -> Result<(), Error> {
        self.handle().add(name)
    }

    /// Watches the operation a handle is on.
    pub fn add_operation(&mut self, op: &Operation<R, M>) -> Result<(), Error> {
        self.add(op.name())
    }

    /// Stops watching `name`; whether it was watched.
    pub fn remove(&mut self, name: &str) -> bool {
        self.handle().remove(name)
    }

    /// A handle to add and remove from elsewhere while this watcher runs.
    pub fn handle(&self) -> WatcherHandle {
        WatcherHandle {
            registry: Arc::clone(&self.registry),
            rule: NameRule::for_payloads::<R, M>(),
        }
    }

    /// The names not yet reported by [`next`](Watcher::next), in no particular order: those
    /// still watched, and those seen finished but not yet returned.
    pub fn pending(&self) -> Vec<String> {
        let mut names: Vec<String> = lock(&self.registry).ops.keys().cloned().collect();
        names.extend(self.ready.iter().map(|f| f.name.clone()));
        names
    }

    /// How many operations are still watched.
    pub fn len(&self) -> usize {
        lock(&self.registry).ops.len()
    }

    /// Whether nothing is watched.
    pub fn is_empty(&self) -> bool {
        self.len() == 0 && self.ready.is_empty()
    }

    /// What the watcher has cost so far.
    pub fn stats(&self) -> WatchStats {
        self.stats
    }

    /// The next operation to finish, once; `None` when nothing is watched any more. Runs the
    /// watcher's polls and sweeps while it waits: call it again (or use
    /// [`Watcher::into_stream`]) to keep watching. Safe to drop at any await (e.g. under a
    /// timeout): what was finished but not yet returned is kept for the next call.
    pub async fn next(&mut self) -> Option<Finished<R>> {
        loop {
            if let Some(f) = self.ready.pop_front() {
                return Some(f);
            }
            let now = Instant::now();
            let due = {
                let registry = lock(&self.registry);
                if registry.ops.is_empty() {
                    return None;
                }
                registry.due(now, self.options.page_size)
            };
            if due.sweeps.is_empty() && due.gets.is_empty() {
                match due.wake {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => return None,
                }
                continue;
            }
            for parent in due.sweeps {
                self.sweep(&parent).await;
            }
            // A sweep may just have finished some of them.
            let gets = {
                let registry = lock(&self.registry);
                due.gets
                    .into_iter()
                    .filter(|n| registry.ops.contains_key(n))
                    .collect()
            };
            self.poll_each(gets).await;
        }
    }

    /// The watcher as a stream of finished operations, ending when nothing is watched.
    pub fn into_stream(self) -> impl Stream<Item = Finished<R>> + Send + Unpin
    where
        R: Send,
    {
        stream::unfold(self, |mut w| async move { w.next().await.map(|f| (f, w)) }).boxed()
    }

    /// One sweep of `parent`: every page, each watched operation found finished is reported;
    /// watched operations the listing did not show are polled on their own.
    async fn sweep(&mut self, parent: &str) {
        let options =
            ListOptions::new().page_size(i32::try_from(self.options.page_size).unwrap_or(i32::MAX));
        let mut pages = Box::pin(self.client.operation_pages(parent, options, Kind::Poll));
        let mut seen = std::collections::HashSet::new();
        let mut count = 0u32;
        let outcome = loop {
            if count >= MAX_SWEEP_PAGES {
                // A listing that never ends (fresh tokens forever) would hold the watcher.
                break Err(Error::Protocol(
                    crate::error::Violation::RepeatedPageToken {
                        method: "ListOperations",
                        parent: parent.to_owned(),
                        token: format!("(still more after {MAX_SWEEP_PAGES} pages)"),
                    },
                ));
            }
            let page = self.client.budgeted(pages.try_next()).await;
            let page = match page {
                Ok(Some(page)) => page,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            };
            count += 1;
            self.stats.pages += 1;
            self.stats.bytes += page.encoded_len() as u64;
            for op in page.operations {
                if !lock(&self.registry).ops.contains_key(&op.name) {
                    continue;
                }
                seen.insert(op.name.clone());
                if op.done {
                    self.finish_with(op);
                }
            }
        };
        let now = Instant::now();
        let mut registry = lock(&self.registry);
        let Some(location) = registry.locations.get_mut(parent) else {
            return;
        };
        location.next_sweep =
            now + next_get_delay(&self.options.backoff, location.step, self.options.lag);
        location.step += 1;
        match outcome {
            Ok(()) => {
                location.streak.answered();
                location.pages = Some(count);
                // Not listed: polled on their own until a sweep shows them again.
                for (name, w) in registry.ops.iter_mut() {
                    if w.parent.as_deref() == Some(parent) {
                        w.missed = !seen.contains(name);
                    }
                }
            }
            Err(e)
                if {
                    let failures = location.streak.failed(now);
                    // Sweeps give up sooner than the policy alone would: the operations can
                    // still be polled one by one.
                    failures.in_a_row < MAX_SWEEP_FAILURES
                        && self.client.poll_policy().errors.keep_polling(&failures, &e)
                } =>
            {
                tracing::debug!(parent, error = %e, "sweep failed; sweeping again later");
            }
            Err(e) => {
                tracing::warn!(parent, error = %e, "location cannot be listed; polling its operations one by one");
                location.unlistable = true;
            }
        }
    }

    /// One GetOperation for each of `names`, `concurrency` at a time.
    async fn poll_each(&mut self, names: Vec<String>) {
        let client = self.client.clone();
        let mut polls = stream::iter(names.into_iter().map(|name| {
            let client = client.clone();
            async move {
                let mut op = Operation::<R, M>::new(
                    client.clone(),
                    RawOperation {
                        name: name.clone(),
                        ..RawOperation::default()
                    },
                );
                let result = op.poll().await;
                (name, result.map(|()| op.into_raw()))
            }
        }))
        .buffer_unordered(self.options.concurrency.max(1));
        while let Some((name, result)) = polls.next().await {
            self.stats.polls += 1;
            match result {
                Ok(raw) => {
                    self.stats.bytes += raw.encoded_len() as u64;
                    if raw.done {
                        self.finish_with(raw);
                    } else {
                        self.reschedule(&name, None);
                    }
                }
                Err(e) => self.reschedule(&name, Some(e)),
            }
        }
    }

    /// After a poll that did not finish `name`: its next poll, or its end if the error is one
    /// the client's poll-error policy does not ride out.
    fn reschedule(&mut self, name: &str, error: Option<Error>) {
        let now = Instant::now();
        let mut registry = lock(&self.registry);
        let Some(w) = registry.ops.get_mut(name) else {
            return;
        };
        w.next_get = now + next_get_delay(&self.options.backoff, w.step, self.options.lag);
        w.step += 1;
        let Some(e) = error else {
            w.streak.answered();
            return;
        };
        let failures = w.streak.failed(now);
        if self.client.poll_policy().errors.keep_polling(&failures, &e) {
            if let Some(asked) = e.retry_delay() {
                w.next_get = w.next_get.max(now + asked.min(self.options.lag));
            }
            return;
        }
        registry.remove(name);
        drop(registry);
        self.ready.push_back(Finished {
            name: name.to_owned(),
            outcome: Err(e),
            operation: None,
        });
    }

    /// Reports a finished operation, once.
    fn finish_with(&mut self, raw: RawOperation) {
        if !lock(&self.registry).remove(&raw.name) {
            return;
        }
        let op = Operation::<R, M>::new(self.client.clone(), raw);
        let outcome = op.outcome();
        let raw = op.into_raw();
        self.ready.push_back(Finished {
            name: raw.name.clone(),
            outcome,
            operation: Some(raw),
        });
    }
}
