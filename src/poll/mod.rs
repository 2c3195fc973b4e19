//! How often to ask while an operation runs, what a failed poll means, and when to stop
//! waiting.
//!
//! A [`PollPolicy`] is three things:
//! - a [`Backoff`] between GetOperation calls;
//! - a [`PollErrorPolicy`] that says which failed polls the wait rides out (default
//!   [`Lenient`]: UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, a broken connection); the
//!   next poll comes after the backoff's delay or the server's `RetryInfo`, whichever is longer,
//!   but never after the deadline;
//! - an optional overall deadline. It bounds everything the wait does, its first request and
//!   every retry included; reaching it ends the *wait* with
//!   [`Error::Timeout`](crate::Error::Timeout). The operation itself goes on and can be resumed
//!   by name.
//!
//! Each poll is one attempt: the poll-error policy, not the call's
//! [`RetryPolicy`](crate::RetryPolicy), decides what happens after a failure.
//!
//! ```
//! use std::time::Duration;
//! use ccai_lro::PollPolicy;
//! let patient = PollPolicy::default().with_deadline(Duration::from_secs(3600));
//! assert_eq!(patient.deadline(), Some(Duration::from_secs(3600)));
//! ```

mod error_policy;
mod streak;

use std::{
    fmt,
    sync::{Arc, LazyLock},
    time::Duration,
};

pub use error_policy::{
    Aip194Strict, AttemptLimit, Lenient, PollErrorPolicy, PollErrorPolicyExt, PollFailures,
    TimeLimit,
};

pub(crate) use streak::Streak;

use crate::backoff::Backoff;

/// Polling policy for [`Operation::wait`](crate::Operation::wait) and
/// [`Operation::progress`](crate::Operation::progress). Cheap to clone.
#[derive(Clone)]
#[non_exhaustive]
pub struct PollPolicy {
    /// Delays between polls.
    pub backoff: Backoff,
    /// Stop waiting after this long (`None`: wait until the operation finishes).
    pub deadline: Option<Duration>,
    /// Which failed polls the wait rides out.
    pub errors: Arc<dyn PollErrorPolicy>,
}

impl fmt::Debug for PollPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PollPolicy")
            .field("backoff", &self.backoff)
            .field("deadline", &self.deadline)
            .field("errors", &self.errors)
            .finish()
    }
}

impl Default for PollPolicy {
    /// First poll after 1 s, then ×2 per poll up to 35 s between polls, each delay shortened by
    /// up to 10 % (jitter), [`Lenient`] about failed polls, no deadline.
    ///
    /// Chosen by measurement (`cargo run --release --example poll_study`, see BENCHMARKS.md):
    /// 1,000 operations finishing uniformly between 10 s and 30 min, against the polling
    /// defaults of Google's other client libraries. No anchor does better on all of
    /// GetOperation calls, median and p95 detection lag; this policy beats Go's `longrunning`
    /// on all three (11 % fewer calls, 7 % lower median and 33 % lower p95 lag), makes 28 %
    /// fewer calls than Java's Insights settings and 67 % fewer than Python's, and has 44 % less
    /// lag than Rust's `google-cloud-lro` (no jitter, 60 s cap) for 56 % more calls. Little
    /// jitter because full jitter costs calls for the same lag; 10 % is enough to keep
    /// operations started together from polling in lockstep. No deadline: a wait ends when
    /// the operation does; add one with [`PollPolicy::with_deadline`].
    fn default() -> Self {
        PollPolicy {
            backoff: Backoff::new(Duration::from_secs(1), 2.0, Duration::from_secs(35))
                .with_jitter(0.1),
            deadline: None,
            errors: lenient(),
        }
    }
}

/// The default poll-error policy, shared: thousands of waits made with default policies
/// allocate nothing for it.
fn lenient() -> Arc<dyn PollErrorPolicy> {
    static LENIENT: LazyLock<Arc<dyn PollErrorPolicy>> = LazyLock::new(|| Arc::new(Lenient));
    Arc::clone(&LENIENT)
}

impl PollPolicy {
    /// A policy with these delays, [`Lenient`] about failures and no deadline.
    pub fn new(backoff: Backoff) -> Self {
        PollPolicy {
            backoff,
            ..PollPolicy::default()
        }
    }

    /// The same policy with an overall deadline.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The same policy with other delays.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The same policy with another treatment of failed polls.
    pub fn with_errors(mut self, errors: impl PollErrorPolicy) -> Self {
        self.errors = Arc::new(errors);
        self
    }

    /// The overall deadline, if any.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }
}
