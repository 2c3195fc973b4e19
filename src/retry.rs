//! What to do when one call fails: retry it or give up.
//!
//! Following AIP-194, only UNAVAILABLE (and a broken connection) is retried, and only for calls
//! that are safe to repeat (reading and cancelling operations; never starting one).
//! RESOURCE_EXHAUSTED can be retried too if you opt in. A `RetryInfo` detail from the server sets
//! the delay when it asks for longer than the backoff would wait.
//!
//! ```
//! use ccai_lro::RetryPolicy;
//! let policy = RetryPolicy::default().retry_resource_exhausted(true);
//! assert_eq!(policy.max_attempts, 5);
//! ```

use std::time::Duration;

use crate::{backoff::Backoff, Code, Error};

/// Retry policy for one call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Delays between attempts.
    pub backoff: Backoff,
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Whether RESOURCE_EXHAUSTED is retried as well.
    pub resource_exhausted: bool,
}

impl Default for RetryPolicy {
    /// google.longrunning's published retry settings: 0.5 s, ×2, at most 10 s, 5 attempts, plus
    /// full jitter so that many clients do not retry in step.
    fn default() -> Self {
        RetryPolicy {
            backoff: Backoff {
                initial: Duration::from_millis(500),
                multiplier: 2.0,
                max: Duration::from_secs(10),
                jitter: 1.0,
            },
            max_attempts: 5,
            resource_exhausted: false,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Opts in (or out) of retrying RESOURCE_EXHAUSTED.
    pub fn retry_resource_exhausted(mut self, yes: bool) -> Self {
        self.resource_exhausted = yes;
        self
    }

    /// The delay before retrying after `error` on attempt `attempt` (1-based), or `None` to give up.
    pub fn next_delay(&self, error: &Error, attempt: u32) -> Option<Duration> {
        let retry = error.is_retryable()
            || (self.resource_exhausted && error.code() == Code::ResourceExhausted);
        if !retry || attempt >= self.max_attempts {
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
