//! Fault injection: scripted or seeded-random failures and latency, per method.
//!
//! For each call the server first consumes the method's queued [`Fault`] sequence (then the
//! `"*"` sequence), and when both are empty draws against the method's failure rate (or the
//! `"*"` rate) with a seeded PRNG. The same seed and the same order of calls give the same
//! faults, so a flaky-network test is reproducible.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::method::ALL;
use crate::operations::script::pack;
use ccai_lro::proto::google::rpc::{Code, ErrorInfo, RetryInfo, Status};

/// One injected answer to a call.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// No fault: answer normally (use it in sequences, e.g. `[Unavailable, Ok]`).
    Ok,
    /// `UNAVAILABLE`, the retryable status (AIP-194).
    Unavailable,
    /// `RESOURCE_EXHAUSTED` with a `google.rpc.RetryInfo` asking to wait `retry_delay`.
    ResourceExhausted {
        /// The `RetryInfo.retry_delay` sent to the client.
        retry_delay: Duration,
    },
    /// `DEADLINE_EXCEEDED`.
    DeadlineExceeded,
    /// `INTERNAL`.
    Internal,
    /// Any status (its code must not be 0), details included, sent as
    /// `grpc-status-details-bin`.
    Status(Status),
    /// Reset the connection under the call: the client sees a transport error, not a status.
    DropConnection,
}

/// Extra delay before a method answers, in tokio time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Latency {
    /// No delay.
    #[default]
    None,
    /// Always this delay.
    Fixed(Duration),
    /// A delay drawn uniformly from `[min, max]` with the seeded PRNG.
    Range(Duration, Duration),
}

fn status(code: Code, message: &str, details: Vec<prost_types::Any>) -> Status {
    Status {
        code: code as i32,
        message: message.to_owned(),
        details,
    }
}

impl Fault {
    /// The `google.rpc.Status` this fault answers with; `None` for [`Fault::Ok`] and
    /// [`Fault::DropConnection`].
    pub fn to_rpc_status(&self) -> Option<Status> {
        Some(match self {
            Fault::Ok | Fault::DropConnection => return None,
            Fault::Unavailable => status(
                Code::Unavailable,
                "The service is currently unavailable (injected by the mock server).",
                Vec::new(),
            ),
            Fault::ResourceExhausted { retry_delay } => status(
                Code::ResourceExhausted,
                "Quota exceeded (injected by the mock server).",
                vec![
                    pack(&RetryInfo {
                        retry_delay: prost_types::Duration::try_from(*retry_delay).ok(),
                    }),
                    pack(&ErrorInfo {
                        reason: "RATE_LIMIT_EXCEEDED".into(),
                        domain: "googleapis.com".into(),
                        metadata: HashMap::from([(
                            "service".to_owned(),
                            "contactcenterinsights.googleapis.com".to_owned(),
                        )]),
                    }),
                ],
            ),
            Fault::DeadlineExceeded => status(
                Code::DeadlineExceeded,
                "Deadline exceeded (injected by the mock server).",
                Vec::new(),
            ),
            Fault::Internal => status(
                Code::Internal,
                "Internal error (injected by the mock server).",
                Vec::new(),
            ),
            Fault::Status(s) => s.clone(),
        })
    }
}

#[derive(Default)]
struct MethodFaults {
    sequence: VecDeque<Fault>,
    rate: Option<(f64, Vec<Fault>)>,
    latency: Latency,
}

/// The fault plan of the whole server.
pub(crate) struct Faults {
    rng: fastrand::Rng,
    methods: HashMap<String, MethodFaults>,
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(seed),
            methods: HashMap::new(),
        }
    }

    pub(crate) fn reseed(&mut self, seed: u64) {
        self.rng = fastrand::Rng::with_seed(seed);
    }

    pub(crate) fn push_sequence(&mut self, method: &str, faults: impl IntoIterator<Item = Fault>) {
        self.methods
            .entry(method.to_owned())
            .or_default()
            .sequence
            .extend(faults);
    }

    pub(crate) fn set_rate(&mut self, method: &str, rate: f64, faults: Vec<Fault>) {
        let entry = self.methods.entry(method.to_owned()).or_default();
        entry.rate = (rate > 0.0 && !faults.is_empty()).then_some((rate, faults));
    }

    pub(crate) fn set_latency(&mut self, method: &str, latency: Latency) {
        self.methods.entry(method.to_owned()).or_default().latency = latency;
    }

    pub(crate) fn clear(&mut self) {
        self.methods.clear();
    }

    /// Decides the delay and fault for one call of `method`.
    pub(crate) fn decide(&mut self, method: &str) -> (Duration, Fault) {
        let latency = [method, ALL]
            .iter()
            .filter_map(|m| self.methods.get(*m))
            .map(|m| m.latency)
            .find(|l| *l != Latency::None)
            .unwrap_or_default();
        let delay = match latency {
            Latency::None => Duration::ZERO,
            Latency::Fixed(d) => d,
            Latency::Range(lo, hi) if hi > lo => {
                let span = u64::try_from((hi - lo).as_nanos()).unwrap_or(u64::MAX);
                lo + Duration::from_nanos(self.rng.u64(0..=span))
            }
            Latency::Range(lo, _) => lo,
        };
        for m in [method, ALL] {
            if let Some(f) = self.methods.get_mut(m).and_then(|m| m.sequence.pop_front()) {
                return (delay, f);
            }
        }
        let rated = [method, ALL]
            .into_iter()
            .find(|m| self.methods.get(*m).is_some_and(|m| m.rate.is_some()));
        if let Some((p, faults)) = rated.and_then(|m| self.methods.get(m)?.rate.as_ref()) {
            if self.rng.f64() < *p {
                if let Some(f) = faults.get(self.rng.usize(0..faults.len())) {
                    return (delay, f.clone());
                }
            }
        }
        (delay, Fault::Ok)
    }
}
