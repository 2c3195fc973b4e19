//! The failures in a row of one wait, or of one watched operation or location: what a
//! [`PollErrorPolicy`](super::PollErrorPolicy) is shown when a poll fails.

use tokio::time::Instant;

use super::PollFailures;

/// Failed polls in a row, and when the first of them came; an answered poll ends it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Streak {
    failures: u32,
    since: Option<Instant>,
}

impl Streak {
    /// An answered poll: the streak is over.
    pub(crate) fn answered(&mut self) {
        *self = Streak::default();
    }

    /// One more failure, at `now`: the streak as a policy reads it.
    pub(crate) fn failed(&mut self, now: Instant) -> PollFailures {
        self.failures = self.failures.saturating_add(1);
        let since = *self.since.get_or_insert(now);
        PollFailures::new(self.failures, now.saturating_duration_since(since))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn failures_count_from_the_first_and_an_answer_ends_them() {
        let mut streak = Streak::default();
        let first = streak.failed(Instant::now());
        assert_eq!(first, PollFailures::new(1, Duration::ZERO));
        tokio::time::advance(Duration::from_secs(3)).await;
        let second = streak.failed(Instant::now());
        assert_eq!(second, PollFailures::new(2, Duration::from_secs(3)));
        streak.answered();
        assert_eq!(streak, Streak::default());
        assert_eq!(streak.failed(Instant::now()).in_a_row, 1);
    }
}
