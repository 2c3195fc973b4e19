//! Polling: the step that [`Operation::wait`] and [`Operation::progress`] share, and the
//! progress stream that ends with the typed result.

use std::future::Future;
use std::time::Duration;

use futures_util::{stream::BoxStream, StreamExt};
use tokio::time::Instant;

use super::{Operation, Payload};
use crate::{poll::PollFailures, Error, PollPolicy};

/// What one poll of a running operation showed; the last item of a progress stream is
/// [`Progress::Done`] (or an `Err`).
#[derive(Debug)]
#[non_exhaustive]
pub enum Progress<R, M> {
    /// Still running, with the metadata the server sent: `None` when the operation carries no
    /// metadata (a server may send none before its first progress report; Insights sends it
    /// from the start).
    Running(Option<M>),
    /// Still running; the metadata did not decode as `M` (polling goes on).
    MetadataUnreadable(Error),
    /// The poll failed and the polling policy rides it out: another poll follows.
    Retrying(Error),
    /// Finished successfully: the typed response.
    Done(R),
}

/// The stream [`Operation::progress`] returns: `Unpin + Send`, items until
/// [`Progress::Done`] or the first `Err` (the operation failed, the deadline passed, or a poll
/// failed for good), then nothing.
pub type ProgressStream<'a, R, M> = BoxStream<'a, Result<Progress<R, M>, Error>>;

/// Where a wait stands: when it started, the backoff step, a delay the server asked for, the
/// failures in a row.
pub(super) struct Poller {
    policy: PollPolicy,
    started: Instant,
    step: u32,
    // Milliseconds (0: none), rounded up: 4 bytes where an `Option<Duration>` takes 16, which
    // keeps a parked waiter's task within one allocation size class fewer.
    asked_ms: u32,
    // 1 when the first poll came at once (a handle made from a name): the backoff then starts
    // from its first step at the second poll.
    skipped: u32,
    failures: u32,
    failing_since: Option<Instant>,
}

impl Poller {
    pub(super) fn new(policy: PollPolicy) -> Poller {
        Poller {
            policy,
            started: Instant::now(),
            step: 0,
            asked_ms: 0,
            skipped: 0,
            failures: 0,
            failing_since: None,
        }
    }
}

impl<R: Payload, M: Payload> Operation<R, M> {
    /// Polls with the client's policy until the operation is done: see
    /// [`Operation::progress_with`].
    pub fn progress(&mut self) -> ProgressStream<'_, R, M> {
        let policy = self.client.poll_policy();
        self.progress_with(policy)
    }

    /// Polls with `policy` until the operation is done, yielding what each poll showed and
    /// ending with [`Progress::Done`] and the typed response, or with an `Err`: the operation
    /// failed ([`Error::OperationFailed`]), the deadline passed ([`Error::Timeout`]), or a
    /// poll failed in a way the policy does not ride out. The handle keeps the last state seen
    /// ([`Operation::raw`]).
    ///
    /// ```
    /// use ccai_lro_mock::{MockServer, Script};
    /// use ccai_lro::insights::CreateIssueModelOperation;
    /// use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{CreateIssueModelMetadata, IssueModel};
    /// use ccai_lro::Progress;
    /// use futures_util::StreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), ccai_lro::Error> {
    /// let server = MockServer::start().await;
    /// let name = "projects/p/locations/l/operations/1";
    /// let step = CreateIssueModelMetadata::default();
    /// let model = IssueModel { display_name: "churn".into(), ..Default::default() };
    /// server.insert(name, Script::new().metadata(&step).metadata(&step).respond(&model));
    ///
    /// let mut op = CreateIssueModelOperation::from_name(server.client(), name)?;
    /// let mut progress = op.progress();
    /// while let Some(item) = progress.next().await {
    ///     match item? {
    ///         Progress::Running(meta) => println!("running: {meta:?}"),
    ///         Progress::Done(model) => println!("created {}", model.display_name),
    ///         other => println!("{other:?}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn progress_with(&mut self, policy: PollPolicy) -> ProgressStream<'_, R, M> {
        futures_util::stream::unfold(Some((self, Poller::new(policy))), |state| async move {
            let (op, mut poller) = state?;
            let item = op.step(&mut poller).await;
            let last = matches!(item, Ok(Progress::Done(_)) | Err(_));
            Some((item, (!last).then_some((op, poller))))
        })
        .boxed()
    }

    /// The wait behind [`Operation::wait_with`]. Not an `async fn`: rustc keeps an async fn's
    /// arguments in its future beside the body's own copies (296 bytes twice over here), where
    /// an `async move` block uses what it captured in place. It takes the poller whole, so the
    /// policy is held once.
    #[allow(clippy::manual_async_fn)] // see above: an async fn holds its arguments twice
    pub(super) fn wait_loop(
        mut self,
        mut poller: Poller,
    ) -> impl Future<Output = Result<R, Error>> + Send {
        async move {
            // The deadline counts from the first poll of the wait, not from its creation.
            poller.started = Instant::now();
            let result = loop {
                // A wait reports no snapshot: the last one's bytes need not stay for the whole
                // pause (thousands of parked waiters would each keep theirs).
                self.raw.metadata = None;
                match self.step(&mut poller).await {
                    Ok(Progress::Done(r)) => break Ok(r),
                    // Unreadable metadata is reported; the wait is about the result.
                    Ok(Progress::MetadataUnreadable(e)) => {
                        tracing::warn!(error = %e, "metadata not readable")
                    }
                    Ok(Progress::Retrying(e)) => {
                        tracing::debug!(error = %e, "poll failed; polling on")
                    }
                    Ok(_) => {}
                    Err(e) => break Err(e),
                }
            };
            tracing::Span::current()
                .record("polls", poller.step)
                .record("elapsed", format!("{:?}", poller.started.elapsed()));
            result
        }
    }

    /// One step of polling: the outcome of an operation already seen done, else a pause and
    /// a poll, both within the deadline.
    ///
    /// Not an `async fn`, and what comes before the pause is a plain function: a parked
    /// waiter's future then holds the timer and two references, not copies of them or the
    /// values the pause was computed from.
    #[allow(clippy::manual_async_fn)] // see above
    fn step<'a>(
        &'a mut self,
        p: &'a mut Poller,
    ) -> impl Future<Output = Result<Progress<R, M>, Error>> + Send + 'a {
        async move {
            // One timer serves both the pause and the deadline, so a parked waiter holds one.
            let mut timer = std::pin::pin!(match self.pause(p)? {
                Some(pause) => tokio::time::sleep(pause),
                None => return self.outcome().map(Progress::Done),
            });
            timer.as_mut().await;
            // The poll in flight is bounded by the wait's deadline too: a poll is a read, safe to
            // abandon.
            let polled = match p.policy.deadline.and_then(|d| p.started.checked_add(d)) {
                Some(at) => {
                    timer.as_mut().reset(at);
                    // `poll` boxes the call once it has a slot: a waiter queued for one holds little.
                    tokio::select! {
                        biased;
                        polled = self.poll() => Some(polled),
                        () = &mut timer => None,
                    }
                }
                None => Some(self.poll().await),
            };
            p.step += 1;
            match polled {
                None => Err(self.timeout(p)),
                Some(Ok(())) => {
                    p.failures = 0;
                    p.failing_since = None;
                    if self.raw.done {
                        return self.outcome().map(Progress::Done);
                    }
                    Ok(match self.metadata() {
                        Ok(m) => Progress::Running(m),
                        Err(e) => Progress::MetadataUnreadable(e),
                    })
                }
                Some(Err(e)) => {
                    p.failures += 1;
                    let since = *p.failing_since.get_or_insert_with(Instant::now);
                    let failures = PollFailures::new(p.failures, since.elapsed());
                    if p.policy.errors.keep_polling(&failures, &e) {
                        p.asked_ms = e.retry_delay().map_or(0, |d| {
                            u32::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(u32::MAX)
                        });
                        Ok(Progress::Retrying(e))
                    } else {
                        Err(e)
                    }
                }
            }
        }
    }

    /// How long to pause before the next poll (within the deadline); `None` for an operation
    /// already seen done; the timeout error once the deadline has passed.
    fn pause(&self, p: &mut Poller) -> Result<Option<Duration>, Error> {
        if self.fetched && self.raw.done {
            return Ok(None);
        }
        let remaining = p
            .policy
            .deadline
            .map(|d| d.saturating_sub(p.started.elapsed()));
        if remaining == Some(Duration::ZERO) {
            return Err(self.timeout(p));
        }
        // A handle made from a name alone has never been seen: ask at once.
        let delay = if !self.fetched && p.step == 0 {
            p.skipped = 1;
            Duration::ZERO
        } else {
            let backoff = p.policy.backoff.delay(p.step - p.skipped);
            // The server may ask for longer (RetryInfo), up to the policy's longest delay.
            let asked = Duration::from_millis(u64::from(std::mem::take(&mut p.asked_ms)));
            backoff.max(asked.min(p.policy.backoff.max))
        };
        Ok(Some(remaining.map_or(delay, |r| delay.min(r))))
    }

    fn timeout(&self, p: &Poller) -> Error {
        Error::Timeout {
            name: self.raw.name.clone(),
            waited: p.started.elapsed(),
        }
    }
}
