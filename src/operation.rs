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

use std::{fmt, marker::PhantomData, time::Duration};

use futures_util::{stream, Stream, StreamExt};
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
    // The name checked and its routing header built once, for every poll.
    target: Option<Target>,
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
            target: None,
            types: PhantomData,
        }
    }

    /// Fetches the operation named `name` (validated first) and checks that its payloads have
    /// this handle's types.
    pub async fn resume(client: &Client, name: &str) -> Result<Self, Error> {
        let raw = client.get_operation(name).await?;
        let op = Operation::new(client.clone(), raw);
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
        let target = match self.target.take() {
            Some(t) => t,
            None => Target::new(&self.raw.name)?,
        };
        let fresh = self.client.poll_target(&target).await;
        self.target = Some(target);
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
    pub async fn wait(self) -> Result<R, Error> {
        let policy = self.client.poll_policy();
        self.wait_with(policy).await
    }

    /// Waits with `policy` and returns the response. Reaching the deadline returns
    /// [`Error::Timeout`] and leaves the operation running. Transient poll failures are retried
    /// (see [`Operation::progress`]); metadata that does not decode is logged as a tracing warning
    /// and does not end the wait, which is about the result (use `progress` to see each snapshot).
    pub async fn wait_with(mut self, policy: PollPolicy) -> Result<R, Error> {
        let span = tracing::info_span!("wait", name = %self.raw.name, polls = tracing::field::Empty, elapsed = tracing::field::Empty);
        async {
            let started = Instant::now();
            let mut polls = 0u32;
            {
                let progress = self.progress(policy);
                futures_util::pin_mut!(progress);
                while let Some(item) = progress.next().await {
                    polls += 1;
                    // Metadata that does not decode is reported; the wait is about the result.
                    if let Err(e) = item {
                        if !matches!(e, Error::TypeMismatch { .. } | Error::Corrupt { .. }) {
                            return Err(e);
                        }
                        tracing::warn!(error = %e, "metadata not readable");
                    }
                }
            }
            tracing::Span::current()
                .record("polls", polls)
                .record("elapsed", format!("{:?}", started.elapsed()));
            self.result()?.ok_or_else(|| Error::DoneWithoutResult {
                name: self.raw.name.clone(),
            })
        }
        .instrument(span)
        .await
    }

    /// Polls with `policy` until the operation is done, yielding its typed metadata after each
    /// poll. Transient poll failures (UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, a broken
    /// connection) are retried, after the server's `RetryInfo` delay if it gave one; other
    /// failures end the stream with the error, and so does reaching the deadline
    /// ([`Error::Timeout`]). When it ends, [`Operation::result`] has the outcome.
    pub fn progress(
        &mut self,
        policy: PollPolicy,
    ) -> impl Stream<Item = Result<Option<M>, Error>> + Send + '_ {
        let started = Instant::now();
        // State: the handle, the backoff step, a delay the server asked for, and whether we ended.
        stream::unfold(
            (self, 0u32, None::<Duration>, false),
            move |(op, step, asked, ended)| async move {
                if ended || op.raw.done {
                    return None;
                }
                let elapsed = started.elapsed();
                let remaining = policy.deadline.map(|d| d.saturating_sub(elapsed));
                if remaining == Some(Duration::ZERO) {
                    let e = Error::Timeout {
                        name: op.raw.name.clone(),
                        waited: elapsed,
                    };
                    return Some((Some(Err(e)), (op, step, None, true)));
                }
                let delay = policy.backoff.delay(step).max(asked.unwrap_or_default());
                tokio::time::sleep(remaining.map_or(delay, |r| delay.min(r))).await;
                // The poll in flight (its call's retries and per-attempt deadline included) is
                // bounded by the wait's deadline too: a poll is a read, safe to abandon.
                // Boxed: a call's future is large, and a waiter should weigh little while it
                // sleeps between polls (thousands may wait at once).
                let poll = Box::pin(op.poll());
                let polled = match policy.deadline.and_then(|d| started.checked_add(d)) {
                    Some(at) => tokio::time::timeout_at(at, poll).await,
                    None => Ok(poll.await),
                };
                let Ok(polled) = polled else {
                    let e = Error::Timeout {
                        name: op.raw.name.clone(),
                        waited: started.elapsed(),
                    };
                    return Some((Some(Err(e)), (op, step, None, true)));
                };
                match polled {
                    Ok(()) => Some((Some(op.metadata()), (op, step + 1, None, false))),
                    Err(e) if transient(&e) => {
                        tracing::debug!(error = %e, "poll failed; polling on");
                        let asked = e.retry_delay();
                        Some((None, (op, step + 1, asked, false)))
                    }
                    Err(e) => Some((Some(Err(e)), (op, step, None, true))),
                }
            },
        )
        .filter_map(std::future::ready)
    }
}

/// Poll failures that do not end a wait: polling is a read, safe to repeat.
fn transient(e: &Error) -> bool {
    e.is_retryable()
        || matches!(e, Error::Rpc { status, .. } if matches!(status.code(), Code::ResourceExhausted | Code::DeadlineExceeded))
}
