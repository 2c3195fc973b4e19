//! Typed handles on long-running operations.
//!
//! An [`Operation<R, M>`] is a `google.longrunning.Operation` whose response is an `R` and whose
//! metadata is an `M`. It can be polled once ([`Operation::poll`]), waited on
//! ([`Operation::wait`]), watched ([`Operation::progress`]) and cancelled
//! ([`Operation::cancel`]); a stored name becomes a handle again with [`Operation::resume`], in
//! another process or on another day.
//!
//! Payloads are checked, never guessed: metadata or a response of another type is
//! [`Error::TypeMismatch`] naming both type URLs, undecodable bytes are [`Error::Corrupt`], and
//! the raw `Any` stays reachable through [`Operation::raw`]. An operation of unknown types is an
//! [`UntypedOperation`] (both parameters `Any`).
//!
//! ```no_run
//! # async fn demo(client: ccai_lro::Client) -> Result<(), ccai_lro::Error> {
//! use ccai_lro::insights::CreateIssueModelOperation;
//! let op = CreateIssueModelOperation::resume(&client, "projects/p/locations/l/operations/7").await?;
//! let model = op.wait().await?;
//! println!("{} is {:?}", model.name, model.state());
//! # Ok(()) }
//! ```

use std::{fmt, future::Future, marker::PhantomData, time::Duration};

use futures_util::{stream, Stream, StreamExt};
use http::HeaderValue;
use prost_types::Any;
use tokio::time::Instant;
use tracing::Instrument;

use crate::{
    client::Target,
    proto::google::longrunning::{operation::Result as OpResult, Operation as RawOperation},
    Client, Code, Error, PollPolicy, Status,
};

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// A type an operation can carry as its response or metadata: the Insights messages, `()` for
/// `google.protobuf.Empty`, and [`Any`] for "whatever it is".
pub trait Payload: sealed::Sealed + Sized + Send + Sync + 'static {
    /// The type URL this payload must have; `None` accepts any.
    fn type_url() -> Option<String>;
    /// Decodes the payload's bytes.
    fn decode(any: &Any) -> Result<Self, prost::DecodeError>;
}

impl sealed::Sealed for () {}
impl Payload for () {
    fn type_url() -> Option<String> {
        Some("type.googleapis.com/google.protobuf.Empty".to_owned())
    }
    fn decode(any: &Any) -> Result<(), prost::DecodeError> {
        // prost maps google.protobuf.Empty to `()`.
        <() as prost::Message>::decode(any.value.as_slice())
    }
}

impl sealed::Sealed for Any {}
impl Payload for Any {
    fn type_url() -> Option<String> {
        None
    }
    fn decode(any: &Any) -> Result<Any, prost::DecodeError> {
        Ok(any.clone())
    }
}

/// Implements [`Payload`] for generated messages.
macro_rules! payloads {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::operation::sealed::Sealed for $t {}
        impl $crate::operation::Payload for $t {
            fn type_url() -> Option<String> {
                Some(<$t as prost::Name>::type_url())
            }
            fn decode(any: &prost_types::Any) -> Result<Self, prost::DecodeError> {
                <$t as prost::Message>::decode(any.value.as_slice())
            }
        }
    )*};
}
pub(crate) use payloads;

/// An operation of unknown types: response and metadata stay `Any`.
pub type UntypedOperation = Operation<Any, Any>;

/// A long-running operation whose response is `R` and metadata `M`.
pub struct Operation<R, M> {
    client: Client,
    raw: RawOperation,
    // The routing header, built (and the name checked) once, for every poll.
    routing: Option<HeaderValue>,
    types: PhantomData<fn() -> (R, M)>,
}

impl<R, M> fmt::Debug for Operation<R, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operation")
            .field("raw", &self.raw)
            .finish_non_exhaustive()
    }
}

impl<R: Payload, M: Payload> Operation<R, M> {
    /// A handle on an operation the server just returned.
    pub fn new(client: Client, raw: RawOperation) -> Self {
        // The poll target is made on the first poll: a handle that is only read costs nothing.
        Operation {
            client,
            raw,
            routing: None,
            types: PhantomData,
        }
    }

    /// Fetches the operation named `name` (validated first) and checks that its payloads have
    /// this handle's types. Like a poll, it waits for a slot if the client's
    /// [`max_concurrent_polls`](crate::ClientBuilder::max_concurrent_polls) are all in flight.
    pub async fn resume(client: &Client, name: &str) -> Result<Self, Error> {
        // A resume is a poll: it counts against the client's concurrent polls.
        let target = Target::new(name)?;
        let raw = client.poll_target(&target).await?;
        let mut op = Operation::new(client.clone(), raw);
        if op.raw.name == name {
            op.routing = Some(target.routing);
        }
        op.metadata()?;
        op.result()?;
        Ok(op)
    }

    /// The operation's name, to store and resume later.
    pub fn name(&self) -> &str {
        &self.raw.name
    }

    /// Whether the operation has finished (succeeded, failed or was cancelled).
    pub fn done(&self) -> bool {
        self.raw.done
    }

    /// The operation as last seen, `Any` payloads included.
    pub fn raw(&self) -> &RawOperation {
        &self.raw
    }

    /// The operation as last seen.
    pub fn into_raw(self) -> RawOperation {
        self.raw
    }

    /// The client this handle polls with.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The latest metadata, typed; `None` when the server sent none.
    pub fn metadata(&self) -> Result<Option<M>, Error> {
        self.raw
            .metadata
            .as_ref()
            .map(|any| self.unpack(any, "metadata"))
            .transpose()
    }

    /// The outcome so far: `Ok(None)` while running, `Ok(Some(r))` on success, `Err` when the
    /// operation failed or its result is malformed.
    pub fn result(&self) -> Result<Option<R>, Error> {
        if !self.raw.done {
            return Ok(None);
        }
        match &self.raw.result {
            Some(OpResult::Response(any)) => self.unpack(any, "response").map(Some),
            Some(OpResult::Error(e)) if e.code == Code::Ok as i32 => Err(Error::ErrorWithOkCode {
                name: self.raw.name.clone(),
                message: e.message.clone(),
            }),
            Some(OpResult::Error(e)) => Err(Error::OperationFailed {
                name: self.raw.name.clone(),
                status: Status::from(e.clone()),
            }),
            None => Err(Error::DoneWithoutResult {
                name: self.raw.name.clone(),
            }),
        }
    }

    fn unpack<T: Payload>(&self, any: &Any, field: &'static str) -> Result<T, Error> {
        if let Some(expected) = T::type_url() {
            if any.type_url != expected {
                return Err(Error::TypeMismatch {
                    name: self.raw.name.clone(),
                    field,
                    expected,
                    actual: any.type_url.clone(),
                });
            }
        }
        T::decode(any).map_err(|source| Error::Corrupt {
            name: self.raw.name.clone(),
            field,
            type_url: any.type_url.clone(),
            source,
        })
    }

    /// One GetOperation: refreshes this handle.
    pub async fn poll(&mut self) -> Result<(), Error> {
        let target = match &self.routing {
            Some(routing) => Target {
                name: &self.raw.name,
                routing: routing.clone(),
            },
            None => Target::new(&self.raw.name)?,
        };
        let fresh = self.client.poll_target(&target).await;
        self.routing = Some(target.routing);
        let fresh = fresh?;
        if fresh.name != self.raw.name {
            return Err(Error::InvalidArgument(format!(
                "GetOperation for {} answered with operation {:?}",
                self.raw.name, fresh.name
            )));
        }
        self.raw = fresh;
        Ok(())
    }

    /// Asks the server to cancel the operation. It may still finish otherwise; poll to see.
    pub async fn cancel(&self) -> Result<(), Error> {
        self.client.cancel_operation(&self.raw.name).await
    }

    /// Waits with the client's polling policy and returns the response.
    pub fn wait(self) -> impl Future<Output = Result<R, Error>> + Send {
        let policy = self.client.poll_policy();
        self.wait_with(policy)
    }

    /// Waits with `policy` and returns the response. Reaching the deadline returns
    /// [`Error::Timeout`] and leaves the operation running. Transient poll failures are retried
    /// (see [`Operation::progress`]); metadata that does not decode is logged as a tracing warning
    /// and does not end the wait, which is about the result (use `progress` to see each snapshot).
    pub fn wait_with(self, policy: PollPolicy) -> impl Future<Output = Result<R, Error>> + Send {
        // Not an `async fn`: its arguments would stay in the future beside the loop's own copy.
        // Thousands of waits may be parked at once, so every byte counts.
        let span = tracing::info_span!("wait", name = %self.raw.name, polls = tracing::field::Empty, elapsed = tracing::field::Empty);
        self.wait_loop(policy).instrument(span)
    }

    async fn wait_loop(mut self, policy: PollPolicy) -> Result<R, Error> {
        let mut poller = Poller::new(policy);
        while let Some(item) = self.next_poll(&mut poller).await {
            // Metadata that does not decode is reported; the wait is about the result.
            if let Some(Err(e)) = item {
                if !matches!(e, Error::TypeMismatch { .. } | Error::Corrupt { .. }) {
                    return Err(e);
                }
                tracing::warn!(error = %e, "metadata not readable");
            }
        }
        tracing::Span::current()
            .record("polls", poller.step)
            .record("elapsed", format!("{:?}", poller.started.elapsed()));
        self.result()?.ok_or_else(|| Error::DoneWithoutResult {
            name: self.raw.name.clone(),
        })
    }

    /// Polls with `policy` until the operation is done, yielding its typed metadata after each
    /// poll. Transient poll failures (UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, a broken
    /// connection) are retried, after the server's `RetryInfo` delay if it gave one; other
    /// failures end the stream with the error, and so does reaching the deadline
    /// ([`Error::Timeout`]). When it ends, [`Operation::result`] has the outcome.
    ///
    /// ```
    /// use ccai_lro::mock::{MockServer, Script};
    /// use ccai_lro::insights::CreateIssueModelOperation;
    /// use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{CreateIssueModelMetadata, IssueModel};
    /// use futures_util::StreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), ccai_lro::Error> {
    /// let server = MockServer::start().await;
    /// let name = "projects/p/locations/l/operations/1";
    /// let step = CreateIssueModelMetadata::default();
    /// server.insert(name, Script::new().metadata(&step).metadata(&step).respond(&IssueModel::default()));
    ///
    /// let mut op = CreateIssueModelOperation::resume(&server.client(), name).await?;
    /// let policy = op.client().poll_policy();
    /// let snapshots: Vec<_> = op.progress(policy).collect().await;
    /// assert!(snapshots.iter().all(|s| matches!(s, Ok(Some(_)))));
    /// assert!(op.result()?.is_some());
    /// # Ok(()) }
    /// ```
    pub fn progress(
        &mut self,
        policy: PollPolicy,
    ) -> impl Stream<Item = Result<Option<M>, Error>> + Send + '_ {
        stream::unfold((self, Poller::new(policy)), |(op, mut poller)| async move {
            let item = op.next_poll(&mut poller).await?;
            Some((item, (op, poller)))
        })
        .filter_map(std::future::ready)
    }

    /// One step of polling, shared by [`Operation::wait_with`] and [`Operation::progress`]:
    /// `None` when polling is over, `Some(None)` after a transient failure, else the item to
    /// report (an error ends polling).
    async fn next_poll(&mut self, p: &mut Poller) -> Option<Option<Result<Option<M>, Error>>> {
        if p.ended || self.raw.done {
            return None;
        }
        let elapsed = p.started.elapsed();
        let remaining = p.policy.deadline.map(|d| d.saturating_sub(elapsed));
        if remaining == Some(Duration::ZERO) {
            p.ended = true;
            return Some(Some(Err(Error::Timeout {
                name: self.raw.name.clone(),
                waited: elapsed,
            })));
        }
        let delay = p
            .policy
            .backoff
            .delay(p.step)
            .max(p.asked.take().unwrap_or_default());
        // One timer serves both the pause and the deadline, so a parked waiter holds one.
        let timer = tokio::time::sleep(remaining.map_or(delay, |r| delay.min(r)));
        tokio::pin!(timer);
        timer.as_mut().await;
        // The poll in flight (its call's retries and per-attempt deadline included) is bounded
        // by the wait's deadline too: a poll is a read, safe to abandon.
        let polled = match p.policy.deadline.and_then(|d| p.started.checked_add(d)) {
            Some(at) => {
                timer.as_mut().reset(at);
                // Boxed: only a waiter that is polling holds the poll's state.
                tokio::select! {
                    biased;
                    polled = Box::pin(self.poll()) => Ok(polled),
                    () = &mut timer => Err(()),
                }
            }
            None => Ok(Box::pin(self.poll()).await),
        };
        p.step += 1;
        match polled {
            Ok(Ok(())) => Some(Some(self.metadata())),
            Ok(Err(e)) if transient(&e) => {
                tracing::debug!(error = %e, "poll failed; polling on");
                p.asked = e.retry_delay();
                Some(None)
            }
            Ok(Err(e)) => {
                p.ended = true;
                Some(Some(Err(e)))
            }
            Err(_) => {
                p.ended = true;
                let waited = p.started.elapsed();
                Some(Some(Err(Error::Timeout {
                    name: self.raw.name.clone(),
                    waited,
                })))
            }
        }
    }
}

/// Where a wait stands: when it started, the backoff step, a delay the server asked for.
struct Poller {
    policy: PollPolicy,
    started: Instant,
    step: u32,
    asked: Option<Duration>,
    ended: bool,
}

impl Poller {
    fn new(policy: PollPolicy) -> Poller {
        Poller {
            policy,
            started: Instant::now(),
            step: 0,
            asked: None,
            ended: false,
        }
    }
}

/// Poll failures that do not end a wait: polling is a read, safe to repeat.
fn transient(e: &Error) -> bool {
    e.is_retryable()
        || matches!(e, Error::Rpc { status, .. } if matches!(status.code(), Code::ResourceExhausted | Code::DeadlineExceeded))
}
