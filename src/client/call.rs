//! One RPC from start to end: its attempts, the delays between them, its overall budget, and
//! a tracing span per attempt.

use std::{future::Future, time::Duration};

use tokio::time::Instant;
use tracing::Instrument;

use super::Client;
use crate::{rpc::Method, Error, RetryPolicy};

/// `gcp.client.*` attributes: the library that made the call, as Google's libraries name
/// theirs.
const CLIENT_SERVICE: &str = "contactcenterinsights";
const CLIENT_REPO: &str = "ccai-lro/ccai-lro";
const CLIENT_ARTIFACT: &str = env!("CARGO_PKG_NAME");
const CLIENT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What a call does, which sets its deadline and whether it may be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A one-shot read or cancel of an operation: safe to repeat, retried by the retry policy.
    Operations,
    /// One poll of a wait: a single attempt; the polling policy decides what a failure means.
    Poll,
    /// WaitOperation, which may hold the call for its own timeout.
    Wait(Duration),
    /// An API call that reads (or a write the caller allowed to repeat): retried by the
    /// retry policy, with the API's deadline.
    Read,
    /// An API call that writes, starting operations included: sent once, with the API's
    /// deadline. A repeated create can make a duplicate.
    Write,
}

impl Client {
    /// Runs one RPC: retried by the retry policy for [`Kind::Operations`], [`Kind::Read`] and
    /// [`Kind::Wait`], within the policy's overall budget. `attempt_fn` gets the time left in
    /// the budget, to shorten the attempt's `grpc-timeout` (which the channel also enforces on
    /// our side: an expiry is DEADLINE_EXCEEDED).
    pub(crate) async fn call<T, F, Fut>(
        &self,
        method: &'static Method,
        resource: &str,
        kind: Kind,
        mut attempt_fn: F,
    ) -> Result<T, Error>
    where
        F: FnMut(Option<Duration>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        if let Some(check) = &self.settings.universe {
            check.verify().await?;
        }
        let policy = match kind {
            Kind::Write | Kind::Poll => RetryPolicy::never(),
            Kind::Operations | Kind::Read | Kind::Wait(_) => self.settings.retry,
        };
        let per_attempt = self.attempt_deadline(kind);
        // WaitOperation holds the call for its own timeout: the budget must at least cover it.
        let budget = match kind {
            Kind::Wait(_) => policy.budget.max(per_attempt),
            _ => policy.budget,
        };
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let span = self.span(method, resource, attempt);
            // The first attempt needs no clock: the budget is never below one attempt's
            // deadline unless the policy says so.
            let left = (attempt > 1 || budget < per_attempt)
                .then(|| budget.saturating_sub(started.elapsed()));
            // The whole attempt, the answer's body included, ends by its deadline: tonic's own
            // timeout stops at the response headers, and a server may stall after them.
            let deadline = left.map_or(per_attempt, |l| l.min(per_attempt));
            let bounded = tokio::time::timeout(deadline, attempt_fn(left).instrument(span.clone()));
            let error = match bounded.await {
                Ok(Ok(r)) => {
                    span.record("code", "OK");
                    span.record("rpc.grpc.status_code", 0);
                    return Ok(r.into_inner());
                }
                Ok(Err(status)) => match Error::from_call(method.name, status) {
                    // Name the server that did not answer: with a default endpoint, the user
                    // may not know which host was tried.
                    Error::Transport {
                        method,
                        message,
                        source,
                    } => Error::Transport {
                        method,
                        message: format!("{}: {message}", self.settings.endpoint),
                        source,
                    },
                    other => other,
                },
                Err(_) => Error::Rpc {
                    method: method.name,
                    status: crate::Status::new(
                        crate::Code::DeadlineExceeded,
                        "no complete answer within the call deadline",
                    ),
                },
            };
            span.record("code", error.code().as_str_name());
            span.record("rpc.grpc.status_code", error.code() as i32);
            let left = budget.saturating_sub(started.elapsed());
            match policy.next_delay(&error, attempt) {
                // A retry that could not start before the budget ends is not worth waiting for.
                Some(delay) if delay < left => {
                    tracing::debug!(parent: &span, ?delay, error = %error, "retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                _ => return Err(error),
            }
        }
    }
}

impl Client {
    /// One attempt's span, with OpenTelemetry's RPC attributes and Google's client attributes
    /// (the names Google's own libraries emit). Its fields are computed only when a subscriber
    /// listens at debug level.
    fn span(&self, method: &'static Method, resource: &str, attempt: u32) -> tracing::Span {
        let span = tracing::debug_span!(
            "rpc",
            otel.name = method.path.trim_start_matches('/'),
            otel.kind = "client",
            rpc.system = "grpc",
            rpc.service = method.service,
            rpc.method = method.name,
            rpc.grpc.status_code = tracing::field::Empty,
            server.address = tracing::field::Empty,
            server.port = tracing::field::Empty,
            gcp.client.service = CLIENT_SERVICE,
            gcp.client.version = CLIENT_VERSION,
            gcp.client.repo = CLIENT_REPO,
            gcp.client.artifact = CLIENT_ARTIFACT,
            gcp.resource.destination.id = resource,
            attempt,
            code = tracing::field::Empty
        );
        if let Some((address, port)) = &self.settings.server {
            if !span.is_disabled() {
                span.record("server.address", &**address);
                span.record("server.port", port);
            }
        }
        span
    }
}
