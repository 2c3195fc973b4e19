//! What a failed poll means: keep polling, or end the wait with the error.
//!
//! Polling is a read, safe to repeat, so a wait can ride out a server that fails for a while.
//! Which failures to ride out, and for how long, is a [`PollErrorPolicy`]. Two are provided:
//! [`Aip194Strict`] (only what AIP-194 calls retryable: UNAVAILABLE and a broken connection) and
//! [`Lenient`], the default, which also rides out RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED (a
//! quota or a slow poll says nothing about the operation). Either can be bounded with
//! [`PollErrorPolicyExt::with_attempt_limit`] and [`PollErrorPolicyExt::with_time_limit`].
//!
//! ```
//! use std::time::Duration;
//! use ccai_lro::poll::{Aip194Strict, PollErrorPolicyExt};
//! use ccai_lro::PollPolicy;
//! let policy = PollPolicy::default().with_errors(
//!     Aip194Strict.with_attempt_limit(10).with_time_limit(Duration::from_secs(300)),
//! );
//! # let _ = policy;
//! ```

use std::{fmt, time::Duration};

use crate::{Code, Error};

/// Where a wait stands when a poll fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollFailures {
    /// Failed polls in a row, this one included (a successful poll resets it).
    pub in_a_row: u32,
    /// Time since the first of those failures.
    pub failing_for: Duration,
}

impl PollFailures {
    /// `in_a_row` failures over `failing_for`.
    pub fn new(in_a_row: u32, failing_for: Duration) -> PollFailures {
        PollFailures {
            in_a_row,
            failing_for,
        }
    }
}

/// Decides whether a wait goes on after a failed poll. Reaching the wait's own deadline is not
/// a poll failure: it ends the wait with [`Error::Timeout`] whatever this says.
pub trait PollErrorPolicy: fmt::Debug + Send + Sync + 'static {
    /// `true` to poll again after the usual delay, `false` to end the wait with `error`.
    fn keep_polling(&self, failures: &PollFailures, error: &Error) -> bool;
}

/// AIP-194: only UNAVAILABLE and a broken connection are worth another poll.
#[derive(Clone, Copy, Debug, Default)]
pub struct Aip194Strict;

impl PollErrorPolicy for Aip194Strict {
    fn keep_polling(&self, _: &PollFailures, error: &Error) -> bool {
        error.is_retryable()
    }
}

/// The default: [`Aip194Strict`] plus RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED, unbounded
/// (the wait's deadline, if any, still holds).
#[derive(Clone, Copy, Debug, Default)]
pub struct Lenient;

impl PollErrorPolicy for Lenient {
    fn keep_polling(&self, failures: &PollFailures, error: &Error) -> bool {
        Aip194Strict.keep_polling(failures, error)
            || matches!(error, Error::Rpc { status, .. }
                if matches!(status.code(), Code::ResourceExhausted | Code::DeadlineExceeded))
    }
}

/// A policy that gives up after a number of failures in a row.
#[derive(Clone, Copy, Debug)]
pub struct AttemptLimit<P> {
    inner: P,
    max: u32,
}

impl<P: PollErrorPolicy> PollErrorPolicy for AttemptLimit<P> {
    fn keep_polling(&self, failures: &PollFailures, error: &Error) -> bool {
        failures.in_a_row < self.max && self.inner.keep_polling(failures, error)
    }
}

/// A policy that gives up once polls have been failing for a while.
#[derive(Clone, Copy, Debug)]
pub struct TimeLimit<P> {
    inner: P,
    max: Duration,
}

impl<P: PollErrorPolicy> PollErrorPolicy for TimeLimit<P> {
    fn keep_polling(&self, failures: &PollFailures, error: &Error) -> bool {
        failures.failing_for < self.max && self.inner.keep_polling(failures, error)
    }
}

/// Bounds for any [`PollErrorPolicy`].
pub trait PollErrorPolicyExt: PollErrorPolicy + Sized {
    /// Gives up at the `max`-th failed poll in a row.
    fn with_attempt_limit(self, max: u32) -> AttemptLimit<Self> {
        AttemptLimit { inner: self, max }
    }
    /// Gives up once polls have failed for `max` without a success.
    fn with_time_limit(self, max: Duration) -> TimeLimit<Self> {
        TimeLimit { inner: self, max }
    }
}

impl<P: PollErrorPolicy> PollErrorPolicyExt for P {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;

    fn rpc(code: Code) -> Error {
        Error::Rpc {
            method: "GetOperation",
            status: Status::new(code, "x"),
        }
    }

    #[test]
    fn strict_and_lenient_differ_on_quota() {
        let once = PollFailures::new(1, Duration::ZERO);
        assert!(Aip194Strict.keep_polling(&once, &rpc(Code::Unavailable)));
        assert!(!Aip194Strict.keep_polling(&once, &rpc(Code::ResourceExhausted)));
        assert!(Lenient.keep_polling(&once, &rpc(Code::ResourceExhausted)));
        assert!(Lenient.keep_polling(&once, &rpc(Code::DeadlineExceeded)));
        assert!(!Lenient.keep_polling(&once, &rpc(Code::NotFound)));
        assert!(!Lenient.keep_polling(&once, &rpc(Code::PermissionDenied)));
    }

    #[test]
    fn limits_bound_the_inner_policy() {
        let limited = Lenient
            .with_attempt_limit(3)
            .with_time_limit(Duration::from_secs(10));
        let e = rpc(Code::Unavailable);
        assert!(limited.keep_polling(&PollFailures::new(2, Duration::from_secs(9)), &e));
        assert!(!limited.keep_polling(&PollFailures::new(3, Duration::from_secs(1)), &e));
        assert!(!limited.keep_polling(&PollFailures::new(1, Duration::from_secs(10)), &e));
        assert!(!limited.keep_polling(&PollFailures::new(1, Duration::ZERO), &rpc(Code::NotFound)));
    }
}
