//! One poll budget per client: at most N polling RPCs a second, shared by every wait, progress
//! stream and watcher on the client, slowed down together when the server says the quota is
//! spent.
//!
//! The budget hands out evenly spaced slots (a token bucket that holds one token), so no
//! one-second window ever holds more than N polls. RESOURCE_EXHAUSTED halves the rate (down to
//! 1/64 of it) and pushes every slot past the delay the server asked for in `RetryInfo`; each
//! answered poll then brings the rate back by 5 %, so the budget recovers in a few dozen polls.

use std::{sync::Mutex, time::Duration};

use tokio::time::Instant;

use crate::{sync::lock, Code, Error};

/// How far RESOURCE_EXHAUSTED can slow the budget: the interval grows at most this many times.
const MAX_SLOWDOWN: u32 = 64;
/// The longest pause a server's `RetryInfo` can impose on the whole budget.
pub(crate) const MAX_PAUSE: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub(crate) struct Budget {
    base: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    interval: Duration,
    next: Option<Instant>,
    /// Until when the server asked everyone to wait: a slot reserved before it, and falling
    /// before its end, is reserved again.
    paused_until: Option<Instant>,
}

impl Budget {
    /// A budget of `per_second` polls a second (at least one a day, at most one a nanosecond).
    pub(crate) fn new(per_second: f64) -> Budget {
        let base = Duration::try_from_secs_f64(1.0 / per_second)
            .unwrap_or(Duration::from_secs(86_400))
            .clamp(Duration::from_nanos(1), Duration::from_secs(86_400));
        Budget {
            base,
            state: Mutex::new(State {
                interval: base,
                next: None,
                paused_until: None,
            }),
        }
    }

    /// Waits for this poll's slot. A quota error while waiting sends it back to the queue:
    /// every poll of the client waits out the server's pause, not only the one that got it.
    pub(crate) async fn acquire(&self) {
        loop {
            let slot = {
                let mut s = lock(&self.state);
                let now = Instant::now();
                let slot = s.next.map_or(now, |n| n.max(now));
                s.next = Some(slot + s.interval);
                slot
            };
            tokio::time::sleep_until(slot).await;
            // A pause that began while we slept, and ends after our slot: queue again, behind
            // it, so the polls after a pause stay spaced. Each slot after the pause is kept.
            if lock(&self.state).paused_until.is_none_or(|p| p <= slot) {
                return;
            }
        }
    }

    /// Adjusts the budget to how a poll went.
    pub(crate) fn observe<T>(&self, result: &Result<T, Error>) {
        let mut s = lock(&self.state);
        match result {
            Err(e) if e.code() == Code::ResourceExhausted => {
                s.interval = (s.interval * 2).min(self.base * MAX_SLOWDOWN);
                // The server's word, but never more than MAX_PAUSE.
                let pause = e.retry_delay().unwrap_or(s.interval).min(MAX_PAUSE);
                let now = Instant::now();
                let resume = now.checked_add(pause).unwrap_or(now);
                s.next = Some(s.next.map_or(resume, |n| n.max(resume)));
                s.paused_until = Some(s.paused_until.map_or(resume, |p| p.max(resume)));
            }
            Ok(_) if s.interval > self.base => {
                s.interval = s.interval.mul_f64(0.95).max(self.base);
            }
            _ => {}
        }
    }

    /// The current interval between polls.
    #[cfg(test)]
    fn interval(&self) -> Duration {
        lock(&self.state).interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;

    #[tokio::test(start_paused = true)]
    async fn slots_are_evenly_spaced() {
        let budget = Budget::new(5.0);
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..6 {
            budget.acquire().await;
            at.push((Instant::now() - start).as_millis());
        }
        assert_eq!(at, [0, 200, 400, 600, 800, 1000]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_cannot_pause_it_for_long() {
        let budget = Budget::new(10.0);
        let mut status = Status::new(Code::ResourceExhausted, "come back in ten hours");
        let ten_hours = crate::proto::google::rpc::RetryInfo {
            retry_delay: Some(prost_types::Duration {
                seconds: 36_000,
                nanos: 0,
            }),
        };
        status = status.with_detail(crate::Detail::RetryInfo(ten_hours));
        budget.observe::<()>(&Err(Error::Rpc {
            method: "GetOperation",
            status,
        }));
        let start = Instant::now();
        budget.acquire().await;
        assert_eq!(Instant::now() - start, MAX_PAUSE);
    }

    #[tokio::test(start_paused = true)]
    async fn quota_errors_slow_it_down_and_it_recovers() {
        let budget = Budget::new(10.0);
        let exhausted: Result<(), Error> = Err(Error::Rpc {
            method: "GetOperation",
            status: Status::new(Code::ResourceExhausted, "quota"),
        });
        budget.observe(&exhausted);
        budget.observe(&exhausted);
        assert_eq!(budget.interval(), Duration::from_millis(400));
        // The next slot waits out the slowed interval.
        let start = Instant::now();
        budget.acquire().await;
        assert_eq!(Instant::now() - start, Duration::from_millis(400));
        for _ in 0..100 {
            budget.observe(&Ok(()));
        }
        assert_eq!(budget.interval(), Duration::from_millis(100));
    }
}
