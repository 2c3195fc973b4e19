//! Exponential backoff with jitter, shared by the polling and the retry policies.

use std::time::Duration;

/// Delays that start at `initial`, grow by `multiplier` up to `max`, each shortened by a random
/// fraction of at most `jitter` (0 = none, 1 = "full jitter").
///
/// ```
/// use std::time::Duration;
/// use ccai_lro::backoff::Backoff;
/// let b = Backoff::new(Duration::from_secs(1), 2.0, Duration::from_secs(10)).with_jitter(0.1);
/// assert_eq!(b.nominal(3), Duration::from_secs(8));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Backoff {
    /// The first delay.
    pub initial: Duration,
    /// The growth factor per step (at least 1).
    pub multiplier: f64,
    /// The largest delay before jitter.
    pub max: Duration,
    /// The largest fraction of a delay that jitter may remove, in `[0, 1]`.
    pub jitter: f64,
}

impl Backoff {
    /// Delays from `initial`, ×`multiplier` per step, at most `max`, without jitter.
    pub const fn new(initial: Duration, multiplier: f64, max: Duration) -> Backoff {
        Backoff {
            initial,
            multiplier,
            max,
            jitter: 0.0,
        }
    }

    /// The same delays, each shortened by a random fraction of at most `jitter` (clamped to
    /// `[0, 1]` when used).
    pub const fn with_jitter(mut self, jitter: f64) -> Backoff {
        self.jitter = jitter;
        self
    }

    /// The delay before attempt `step` (0-based), before jitter.
    pub fn nominal(&self, step: u32) -> Duration {
        let factor = self.multiplier.max(1.0).powi(step.min(1_000) as i32);
        let secs = (self.initial.as_secs_f64() * factor).min(self.max.as_secs_f64());
        Duration::try_from_secs_f64(secs).unwrap_or(self.max)
    }

    /// The delay before attempt `step`, with jitter applied.
    pub fn delay(&self, step: u32) -> Duration {
        let nominal = self.nominal(step);
        // NaN passes through `clamp`; a jitter that is not a number means none.
        let jitter = if self.jitter.is_nan() {
            0.0
        } else {
            self.jitter.clamp(0.0, 1.0)
        };
        nominal.mul_f64(1.0 - jitter * fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jitter_that_is_not_a_number_is_none() {
        let b =
            Backoff::new(Duration::from_secs(2), 1.0, Duration::from_secs(2)).with_jitter(f64::NAN);
        assert_eq!(b.delay(0), Duration::from_secs(2));
    }

    #[test]
    fn grows_and_caps() {
        let b = Backoff {
            initial: Duration::from_secs(1),
            multiplier: 2.0,
            max: Duration::from_secs(10),
            jitter: 0.0,
        };
        let got: Vec<u64> = (0..6).map(|i| b.delay(i).as_secs()).collect();
        assert_eq!(got, [1, 2, 4, 8, 10, 10]);
        assert_eq!(b.nominal(u32::MAX), Duration::from_secs(10));
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let b = Backoff {
            initial: Duration::from_secs(4),
            multiplier: 1.0,
            max: Duration::from_secs(4),
            jitter: 0.25,
        };
        let delays: Vec<Duration> = (0..2_000).map(|_| b.delay(0)).collect();
        assert!(delays
            .iter()
            .all(|d| *d >= Duration::from_secs(3) && *d <= Duration::from_secs(4)));
        // It does jitter: not every delay is the nominal one.
        assert!(delays.iter().any(|d| *d < Duration::from_millis(3_900)));
    }
}
