//! What to do when a one-shot call fails: retry it or give up.
//!
//! Following AIP-194, only UNAVAILABLE (and a broken connection) is retried, and only for calls
//! that are safe to repeat (reading and cancelling operations; never starting one). A
//! `RetryInfo` detail from the server sets the delay when it asks for longer than the backoff
//! would wait. Every call has an overall budget: its attempts and the delays between them end
//! within it (default 30 s), whatever the server asks for.
//!
//! Polls of a wait are not retried here: each poll is one attempt, and the polling policy's
//! [`PollErrorPolicy`](crate::poll::PollErrorPolicy) decides what a failed one means.
//!
//! ```
//! use std::time::Duration;
//! use ccai_lro::RetryPolicy;
//! let policy = RetryPolicy::default().with_budget(Duration::from_secs(5));
//! assert_eq!(policy.max_attempts, 5);
//! ```

use std::time::Duration;

use crate::{backoff::Backoff, Error};

/// The overall budget of a one-shot call unless configured: three attempts at the published
/// 10 s deadline, or five quick ones with their backoff.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(30);

/// Retry policy for one call.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Delays between attempts.
    pub backoff: Backoff,
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The call's whole time, every attempt and delay included.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    /// google.longrunning's published retry settings: 0.5 s, ×2, at most 10 s, 5 attempts, plus
    /// full jitter so that many clients do not retry in step; a budget of [`DEFAULT_BUDGET`].
    fn default() -> Self {
        RetryPolicy {
            backoff: Backoff::new(Duration::from_millis(500), 2.0, Duration::from_secs(10))
                .with_jitter(1.0),
            max_attempts: 5,
            budget: DEFAULT_BUDGET,
        }
    }
}

impl RetryPolicy {
    /// Up to `max_attempts` attempts with `backoff` between them, within [`DEFAULT_BUDGET`].
    pub fn new(backoff: Backoff, max_attempts: u32) -> Self {
        RetryPolicy {
            backoff,
            max_attempts,
            budget: DEFAULT_BUDGET,
        }
    }

    /// A policy that never retries (and sets no budget beyond the attempt's deadline).
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            budget: Duration::MAX,
            ..RetryPolicy::default()
        }
    }

    /// The same policy with another overall budget.
    pub fn with_budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// The delay before retrying after `error` on attempt `attempt` (1-based), or `None` to give
    /// up. The caller also gives up when the delay would outlast the budget.
    pub fn next_delay(&self, error: &Error, attempt: u32) -> Option<Duration> {
        if !error.is_retryable() || attempt >= self.max_attempts {
            return None;
        }
        let backoff = self.backoff.delay(attempt - 1);
        Some(
            error
                .retry_delay()
                .map_or(backoff, |asked| asked.max(backoff)),
        )
    }
}
