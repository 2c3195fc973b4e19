//! Polling: the step that [`Operation::wait`] and [`Operation::progress`] share, and the
//! progress stream that ends with the typed result.

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
    asked: Option<Duration>,
    // 1 when the first poll came at once (a handle made from a name): the backoff then starts
    // from its first step at the second poll.
    skipped: u32,
    failures: u32,
    failing_since: Option<Instant>,
}

impl Poller {
    fn new(policy: PollPolicy) -> Poller {
        Poller {
            policy,
            started: Instant::now(),
            step: 0,
            asked: None,
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

    pub(super) async fn wait_loop(mut self, policy: PollPolicy) -> Result<R, Error> {
        let mut poller = Poller::new(policy);
        let result = loop {
            match self.step(&mut poller).await {
                Ok(Progress::Done(r)) => break Ok(r),
                // Unreadable metadata is reported; the wait is about the result.
                Ok(Progress::MetadataUnreadable(e)) => {
                    tracing::warn!(error = %e, "metadata not readable")
                }
                Ok(Progress::Retrying(e)) => tracing::debug!(error = %e, "poll failed; polling on"),
                Ok(_) => {}
                Err(e) => break Err(e),
            }
        };
        tracing::Span::current()
            .record("polls", poller.step)
            .record("elapsed", format!("{:?}", poller.started.elapsed()));
        result
    }

    /// One step of polling: the outcome of an operation already seen done, else a pause and
    /// a poll, both within the deadline.
    async fn step(&mut self, p: &mut Poller) -> Result<Progress<R, M>, Error> {
        if self.fetched && self.raw.done {
            return self.outcome().map(Progress::Done);
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
            let asked = p.asked.take().unwrap_or_default();
            backoff.max(asked.min(p.policy.backoff.max))
        };
        // One timer serves both the pause and the deadline, so a parked waiter holds one.
        let timer = tokio::time::sleep(remaining.map_or(delay, |r| delay.min(r)));
        tokio::pin!(timer);
        timer.as_mut().await;
        // The poll in flight is bounded by the wait's deadline too: a poll is a read, safe to
        // abandon.
        let polled = match p.policy.deadline.and_then(|d| p.started.checked_add(d)) {
            Some(at) => {
                timer.as_mut().reset(at);
                // Boxed: only a waiter that is polling holds the poll's state.
                tokio::select! {
                    biased;
                    polled = Box::pin(self.poll()) => Some(polled),
                    () = &mut timer => None,
                }
            }
            None => Some(Box::pin(self.poll()).await),
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
                    p.asked = e.retry_delay();
                    Ok(Progress::Retrying(e))
                } else {
                    Err(e)
                }
            }
        }
    }

    fn timeout(&self, p: &Poller) -> Error {
        Error::Timeout {
            name: self.raw.name.clone(),
            waited: p.started.elapsed(),
        }
    }
}
