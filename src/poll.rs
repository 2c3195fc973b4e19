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
    /// 1 s, ×1.5, at most 30 s, up to 20 % jitter, no deadline. See BENCHMARKS.md for why.
    fn default() -> Self {
        PollPolicy {
            backoff: Backoff {
                initial: Duration::from_secs(1),
                multiplier: 1.5,
                max: Duration::from_secs(30),
                jitter: 0.2,
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
