//! How often to ask while an operation runs, and when to stop waiting.
//!
//! A [`PollPolicy`] is a [`Backoff`] between GetOperation calls plus an optional overall
//! deadline. Reaching the deadline ends the *wait* with [`Error::Timeout`](crate::Error::Timeout);
//! the operation itself goes on and can be resumed by name. Failing polls are a separate matter:
//! a poll that fails with a transient error (UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED,
//! a broken connection) does not end the wait; the next poll comes after the policy's delay or
//! the server's `RetryInfo`, whichever is longer.
//!
//! ```
//! use std::time::Duration;
//! use ccai_lro::PollPolicy;
//! let patient = PollPolicy::default().with_deadline(Duration::from_secs(3600));
//! assert_eq!(patient.deadline, Some(Duration::from_secs(3600)));
//! ```

use std::time::Duration;

use crate::backoff::Backoff;

/// Polling policy for [`Operation::wait`](crate::Operation::wait) and
/// [`Operation::progress`](crate::Operation::progress).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PollPolicy {
    /// Delays between polls.
    pub backoff: Backoff,
    /// Stop waiting after this long (`None`: wait until the operation finishes).
    pub deadline: Option<Duration>,
}

impl Default for PollPolicy {
    /// First poll after 1 s, then ×2 per poll up to 35 s between polls, each delay shortened by
    /// up to 10 % (jitter), no deadline.
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
            backoff: Backoff {
                initial: Duration::from_secs(1),
                multiplier: 2.0,
                max: Duration::from_secs(35),
                jitter: 0.1,
            },
            deadline: None,
        }
    }
}

impl PollPolicy {
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
}
