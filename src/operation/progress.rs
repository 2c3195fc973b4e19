//! Polling: the pause and poll that [`Operation::wait`] and [`Operation::progress`] share
//! (`Poller`, `paused_poll`), the progress stream that ends with the typed result, and the
//! wait, which keeps only a name between its polls.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_util::{future::Either, stream::BoxStream, StreamExt};
use tokio::time::{Instant, Sleep};

use super::{unpack, Operation, Payload};
use crate::{client::target::NameRule, poll::Streak, Error, PollPolicy};

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
    streak: Streak,
}

impl Poller {
    pub(super) fn new(policy: PollPolicy) -> Poller {
        Poller {
            policy,
            started: Instant::now(),
            step: 0,
            asked_ms: 0,
            skipped: 0,
            streak: Streak::default(),
        }
    }

    /// How long to pause before the next poll of `name`, within the deadline; the timeout
    /// once the deadline has passed. A handle never `fetched` is asked at once.
    fn pause(&mut self, fetched: bool, name: &str) -> Result<Duration, Error> {
        let remaining = self
            .policy
            .deadline
            .map(|d| d.saturating_sub(self.started.elapsed()));
        if remaining == Some(Duration::ZERO) {
            return Err(self.timeout(name));
        }
        let delay = if !fetched && self.step == 0 {
            self.skipped = 1;
            Duration::ZERO
        } else {
            let backoff = self.policy.backoff.delay(self.step - self.skipped);
            // The server may ask for longer (RetryInfo), up to the policy's longest delay.
            let asked = Duration::from_millis(u64::from(std::mem::take(&mut self.asked_ms)));
            backoff.max(asked.min(self.policy.backoff.max))
        };
        Ok(remaining.map_or(delay, |r| delay.min(r)))
    }

    /// When the wait's deadline falls, if it has one.
    fn deadline_at(&self) -> Option<Instant> {
        self.policy
            .deadline
            .and_then(|d| self.started.checked_add(d))
    }

    fn timeout(&self, name: &str) -> Error {
        Error::Timeout {
            name: name.to_owned(),
            waited: self.started.elapsed(),
        }
    }

    /// A poll that was answered.
    fn answered(&mut self) {
        self.step += 1;
        self.streak.answered();
    }

    /// A poll that failed: `Ok` with the error when the policy rides it out (noting the delay
    /// the server asked for), `Err` when the wait ends with it.
    fn failed(&mut self, e: Error) -> Result<Error, Error> {
        self.step += 1;
        let failures = self.streak.failed(Instant::now());
        if self.policy.errors.keep_polling(&failures, &e) {
            self.asked_ms = e.retry_delay().map_or(0, |d| {
                u32::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(u32::MAX)
            });
            Ok(e)
        } else {
            Err(e)
        }
    }
}

/// The pause on `timer`, then a poll (made by `poll` only then, so that a parked waiter holds
/// no poll's state) within the wait's deadline, on the same timer moved on: `None` when the
/// deadline came first. A poll is a read, safe to abandon.
#[allow(clippy::manual_async_fn)] // an async fn holds its arguments twice
fn paused_poll<'a, F: Future + Send + 'a>(
    p: &'a Poller,
    mut timer: Pin<&'a mut Sleep>,
    poll: impl FnOnce() -> F + Send + 'a,
) -> impl Future<Output = Option<F::Output>> + Send + 'a {
    async move {
        timer.as_mut().await;
        match p.deadline_at() {
            Some(at) => {
                timer.as_mut().reset(at);
                tokio::select! {
                    biased;
                    polled = poll() => Some(polled),
                    () = timer => None,
                }
            }
            None => Some(poll().await),
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

    /// The wait behind [`Operation::wait_with`]. It keeps across its pauses only what a poll
    /// needs, the client and the name (≈ 40 bytes, where the handle with its last snapshot is
    /// 152): each answer is read as it comes and not kept. Not an `async fn`: rustc keeps an
    /// async fn's arguments in its future beside the body's own copies, where an `async move`
    /// block uses what it captured in place. 10,000 parked waiters feel every byte.
    pub(super) fn wait_loop(
        self,
        mut poller: Poller,
    ) -> impl Future<Output = Result<R, Error>> + Send {
        let Operation {
            client,
            raw,
            checked,
            mut fetched,
            ..
        } = self;
        if fetched && raw.done {
            return Either::Left(std::future::ready(Self::outcome_of(&raw)));
        }
        let name = raw.name;
        Either::Right(async move {
            // The deadline counts from the first poll of the wait, not from its creation.
            poller.started = Instant::now();
            if !checked {
                NameRule::for_payloads::<R, M>().check(&name)?;
            }
            let result = loop {
                let pause = match poller.pause(fetched, &name) {
                    Ok(pause) => pause,
                    Err(e) => break Err(e),
                };
                let timer = std::pin::pin!(tokio::time::sleep(pause));
                let poll = || super::poll_once(&client, &name);
                match paused_poll(&poller, timer, poll).await {
                    None => break Err(poller.timeout(&name)),
                    Some(Ok(raw)) => {
                        fetched = true;
                        poller.answered();
                        if raw.done {
                            break Self::outcome_of(&raw);
                        }
                        // Unreadable metadata is reported; the wait is about the result.
                        if let Some(Err(e)) = raw
                            .metadata
                            .as_ref()
                            .map(|m| unpack::<M>(&name, m, "metadata"))
                        {
                            tracing::warn!(error = %e, "metadata not readable");
                        }
                    }
                    Some(Err(e)) => match poller.failed(e) {
                        Ok(e) => tracing::debug!(error = %e, "poll failed; polling on"),
                        Err(e) => break Err(e),
                    },
                }
            };
            tracing::Span::current()
                .record("polls", poller.step)
                .record("elapsed", format!("{:?}", poller.started.elapsed()));
            result
        })
    }

    /// One step of the progress stream: the outcome of an operation already seen done, else a
    /// pause and a poll, both within the deadline, and what it showed.
    async fn step(&mut self, p: &mut Poller) -> Result<Progress<R, M>, Error> {
        if self.fetched && self.raw.done {
            return self.outcome().map(Progress::Done);
        }
        let timer = std::pin::pin!(tokio::time::sleep(p.pause(self.fetched, &self.raw.name)?));
        match paused_poll(p, timer, || self.poll()).await {
            None => Err(p.timeout(&self.raw.name)),
            Some(Ok(())) => {
                p.answered();
                if self.raw.done {
                    return self.outcome().map(Progress::Done);
                }
                Ok(match self.metadata() {
                    Ok(m) => Progress::Running(m),
                    Err(e) => Progress::MetadataUnreadable(e),
                })
            }
            Some(Err(e)) => p.failed(e).map(Progress::Retrying),
        }
    }
}

#[cfg(test)]
mod sizes {
    use super::*;
    use crate::proto::google::cloud::contactcenterinsights::v1::{
        CreateIssueModelMetadata, IssueModel,
    };

    /// 10,000 parked waits fit in 24 MiB (BENCHMARKS.md, "10,000 concurrent waits") with
    /// tokio's task cell at 640 bytes, which holds a wait's future of at most 520.
    const WAIT_FUTURE: usize = 520;

    #[tokio::test]
    async fn a_parked_wait_stays_within_the_sizes_the_waiters_figure_depends_on() {
        let channel =
            tonic::transport::Endpoint::from_static("http://sizes.invalid").connect_lazy();
        let client = crate::Client::builder()
            .build_with_channel(channel)
            .unwrap();
        let name = "projects/p/locations/l/operations/1";
        let op = Operation::<IssueModel, CreateIssueModelMetadata>::from_name(client, name);
        let wait = op.unwrap().wait();
        let size = std::mem::size_of_val(&wait);
        assert!(
            size <= WAIT_FUTURE,
            "a wait's future is {size} bytes, over {WAIT_FUTURE}: its task cell grows past 640 \
             bytes and 10,000 waits past 24 MiB (BENCHMARKS.md, figure 6)"
        );
        let poller = std::mem::size_of::<Poller>();
        assert!(
            poller <= 136,
            "Poller is {poller} bytes, over 136: every parked wait keeps one, and 10,000 waits \
             must fit in 24 MiB (BENCHMARKS.md, figure 6)"
        );
        let policy = std::mem::size_of::<PollPolicy>();
        assert!(
            policy <= 80,
            "PollPolicy is {policy} bytes, over 80: each Poller holds one (BENCHMARKS.md, figure 6)"
        );
        let streak = std::mem::size_of::<Streak>();
        assert!(
            streak <= 24,
            "Streak is {streak} bytes, over 24: each Poller holds one (BENCHMARKS.md, figure 6)"
        );
    }
}
