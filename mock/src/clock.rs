//! Wall-clock timestamps derived from tokio time.
//!
//! Scripts advance on `tokio::time::Instant`, so a test with paused time controls them. The
//! timestamps the server writes into metadata and resources are derived from the same clock
//! (a fixed wall-clock epoch plus elapsed tokio time), so they agree with the script's
//! progress instead of drifting with the real clock.

use std::time::SystemTime;

use prost_types::Timestamp;
use tokio::time::Instant;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    wall: SystemTime,
    origin: Instant,
}

impl Clock {
    pub(crate) fn new(wall: SystemTime) -> Self {
        Self {
            wall,
            origin: Instant::now(),
        }
    }

    pub(crate) fn at(&self, instant: Instant) -> Timestamp {
        Timestamp::from(self.wall + instant.saturating_duration_since(self.origin))
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.at(Instant::now())
    }
}
