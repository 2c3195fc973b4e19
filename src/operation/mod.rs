//! Typed handles on long-running operations.
//!
//! An [`Operation<R, M>`] is a `google.longrunning.Operation` whose response is an `R` and whose
//! metadata is an `M`: any [`Payload`], that is any generated message with a type URL (from
//! Insights or any other Google API, or your own), [`Empty`], or [`Untyped`]. It can be polled
//! once ([`Operation::poll`]), waited on ([`Operation::wait`]), watched
//! ([`Operation::progress`], a stream that ends with [`Progress::Done`]) and cancelled
//! ([`Operation::cancel`]); a stored name becomes a handle again with [`Operation::resume`] (one
//! GetOperation now) or [`Operation::from_name`] (no RPC until the first poll), in another
//! process or on another day.
//!
//! Payloads are checked, never guessed: metadata or a response of another type is
//! [`Error::TypeMismatch`] naming both type URLs, undecodable bytes are [`Error::Corrupt`], and
//! the raw `Any` stays reachable through [`Operation::raw`].
//!
//! ```no_run
//! # async fn demo(client: ccai_lro::Client) -> Result<(), ccai_lro::Error> {
//! use ccai_lro::insights::CreateIssueModelOperation;
//! let op = CreateIssueModelOperation::resume(&client, "projects/p/locations/l/operations/7").await?;
//! let model = op.wait().await?;
//! println!("{} is {:?}", model.name, model.state());
//! # Ok(()) }
//! ```

mod in_span;
mod payload;
mod progress;

use std::{fmt, future::Future, marker::PhantomData};

use prost_types::Any;

pub use payload::{Empty, Payload, Untyped};
pub use progress::{Progress, ProgressStream};

use crate::{
    client::{
        call::Kind,
        target::{NameRule, Target},
    },
    error::Violation,
    proto::google::longrunning::{operation::Result as OpResult, Operation as RawOperation},
    Client, Code, Error, PollPolicy, Status,
};

/// An operation of unknown types: response and metadata stay `Any`.
pub type UntypedOperation = Operation<Untyped, Untyped>;

/// A long-running operation whose response is `R` and metadata `M`.
pub struct Operation<R, M> {
    client: Client,
    raw: RawOperation,
    // Whether the name has been checked (it cannot change: an answer about another operation
    // is refused).
    checked: bool,
    // False for a handle made from a name alone: its first poll comes at once.
    fetched: bool,
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
            checked: false,
            fetched: true,
            types: PhantomData,
        }
    }

    /// A handle on the operation `name`, checked but not fetched: no RPC is made until the
    /// first poll, which [`wait`](Operation::wait) and [`progress`](Operation::progress) make at
    /// once, within their deadline (so a wait on an unreachable server still ends on time).
    /// Until then the handle reads as running, with no metadata.
    pub fn from_name(client: Client, name: &str) -> Result<Self, Error> {
        NameRule::for_payloads::<R, M>().check(name)?;
        Ok(Operation {
            client,
            raw: RawOperation {
                name: name.to_owned(),
                ..RawOperation::default()
            },
            checked: true,
            fetched: false,
            types: PhantomData,
        })
    }

    /// Fetches the operation named `name` (validated first) and checks that its payloads have
    /// this handle's types. One GetOperation, retried like any one-shot call; like a poll, it
    /// waits for a slot if the client's
    /// [`max_concurrent_polls`](crate::ClientBuilder::max_concurrent_polls) are all in flight.
    /// An operation that finished with an error is that error ([`Error::OperationFailed`]);
    /// to hold a handle on it whatever its outcome, use [`Operation::from_name`] and poll.
    pub async fn resume(client: &Client, name: &str) -> Result<Self, Error> {
        NameRule::for_payloads::<R, M>().check(name)?;
        // The routing header is made once a slot is won: thousands of resumes queued for one
        // hold no more than the name they were given.
        let raw = {
            let _slot = client.poll_slot().await;
            let target = Target::checked(name);
            client.poll_target(&target, Kind::Operations).await?
        };
        let mut op = Operation::new(client.clone(), raw);
        op.checked = true;
        op.metadata()?;
        op.result()?;
        Ok(op)
    }

    /// The operation's name, to store and resume later.
    pub fn name(&self) -> &str {
        &self.raw.name
    }

    /// Whether the operation has finished (succeeded, failed or was cancelled), as last seen.
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
    /// operation failed ([`Error::OperationFailed`]), its result is malformed, or the server
    /// broke the protocol. [`Operation::progress`] ends with the same outcome.
    pub fn result(&self) -> Result<Option<R>, Error> {
        if self.raw.done {
            self.outcome().map(Some)
        } else {
            Ok(None)
        }
    }

    /// The outcome of a finished operation.
    pub(crate) fn outcome(&self) -> Result<R, Error> {
        Self::outcome_of(&self.raw)
    }

    /// The outcome of `raw`, finished.
    fn outcome_of(raw: &RawOperation) -> Result<R, Error> {
        let name = || raw.name.clone();
        match &raw.result {
            Some(OpResult::Response(any)) => unpack(&raw.name, any, "response"),
            Some(OpResult::Error(e)) if e.code == Code::Ok as i32 => {
                Err(Error::Protocol(Violation::ErrorWithOkCode {
                    name: name(),
                    message: e.message.clone(),
                }))
            }
            Some(OpResult::Error(e)) => Err(Error::OperationFailed {
                name: name(),
                status: Status::from(e.clone()),
            }),
            None => Err(Error::Protocol(Violation::DoneWithoutResult {
                name: name(),
            })),
        }
    }

    fn unpack<T: Payload>(&self, any: &Any, field: &'static str) -> Result<T, Error> {
        unpack(&self.raw.name, any, field)
    }

    /// The name, checked by this handle's rule unless it was before.
    fn checked_name(&self) -> Result<&String, Error> {
        if !self.checked {
            NameRule::for_payloads::<R, M>().check(&self.raw.name)?;
        }
        Ok(&self.raw.name)
    }

    /// The target of a call about this operation.
    fn target(&self) -> Result<Target<'_>, Error> {
        Ok(Target::checked(self.checked_name()?))
    }

    /// One GetOperation, one attempt: refreshes this handle. An answer about another operation
    /// is [`Violation::WrongOperation`] and leaves the handle as it was. Like every poll, it
    /// waits for a slot if the client's
    /// [`max_concurrent_polls`](crate::ClientBuilder::max_concurrent_polls) are all in flight.
    #[allow(clippy::manual_async_fn)] // an async fn holds its arguments twice
    pub fn poll(&mut self) -> impl Future<Output = Result<(), Error>> + Send + '_ {
        async move {
            self.checked_name()?;
            self.checked = true;
            self.raw = poll_once(&self.client, &self.raw.name).await?;
            self.fetched = true;
            Ok(())
        }
    }

    /// Asks the server to cancel the operation. It may still finish otherwise; poll to see.
    pub async fn cancel(&self) -> Result<(), Error> {
        self.client.cancel_target(&self.target()?).await
    }

    /// Waits with the client's polling policy and returns the response.
    pub fn wait(self) -> impl Future<Output = Result<R, Error>> + Send {
        let policy = self.client.poll_policy();
        self.wait_with(policy)
    }

    /// Waits with `policy` and returns the response. Reaching the deadline returns
    /// [`Error::Timeout`] and leaves the operation running. Failed polls are ridden out as the
    /// policy's [`PollErrorPolicy`](crate::poll::PollErrorPolicy) says; metadata that does not
    /// decode is logged as a tracing warning and does not end the wait, which is about the
    /// result (use [`progress`](Operation::progress) to see each snapshot).
    pub fn wait_with(self, policy: PollPolicy) -> impl Future<Output = Result<R, Error>> + Send {
        // Not an `async fn`: its arguments would stay in the future beside the loop's own copy.
        // Thousands of waits may be parked at once, so every byte counts.
        let span = tracing::info_span!("wait", name = %self.raw.name, polls = tracing::field::Empty, elapsed = tracing::field::Empty);
        in_span::InSpan::new(span, self.wait_loop(progress::Poller::new(policy)))
    }
}

/// A payload of the operation `name` as a `T`: the type URL checked, then the bytes decoded.
fn unpack<T: Payload>(name: &str, any: &Any, field: &'static str) -> Result<T, Error> {
    if let Some(expected) = T::type_url() {
        if !crate::registry::same_type(&any.type_url, &expected) {
            return Err(Error::TypeMismatch {
                name: name.to_owned(),
                field,
                expected,
                actual: any.type_url.clone(),
            });
        }
    }
    T::decode(any).map_err(|source| Error::Corrupt {
        name: name.to_owned(),
        field,
        type_url: any.type_url.clone(),
        source,
    })
}

/// One GetOperation of `name` (checked before) as a poll: a slot among the client's polls
/// taken first, inline and small, and the call's state boxed only once it may run, so
/// thousands of waiters queued for a slot do not each hold it. The routing header is encoded
/// here, each time, rather than kept by the handle: ~120 bytes a handle, which 10,000 parked
/// waiters feel, against ~100 ns a poll. (`&String`, not `&str`: 8 bytes of every parked
/// waiter's state, not 16.)
#[allow(clippy::manual_async_fn)] // an async fn holds its arguments twice
#[allow(clippy::ptr_arg)]
fn poll_once<'a>(
    client: &'a Client,
    name: &'a String,
) -> impl Future<Output = Result<RawOperation, Error>> + Send + 'a {
    async move {
        let _slot = client.poll_slot().await;
        Box::pin(client.poll_target(&Target::checked(name), Kind::Poll)).await
    }
}
