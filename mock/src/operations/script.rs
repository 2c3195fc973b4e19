//! Scripts: what an operation reports on each poll, and when it moves on.
//!
//! A [`Script`] is a list of metadata snapshots followed by an [`Outcome`]. The operation shows
//! snapshot 0 when it is created, moves one step per [`Advance`] unit (a number of
//! `GetOperation` calls, or a period of tokio time), and once past the last snapshot it is done
//! with the outcome — unless the outcome is [`Outcome::Never`], in which case it stays on its
//! last snapshot until cancelled.
//!
//! With [`Advance::Polls`]`(n)` the `k`-th `GetOperation` sees step `k / n`, so a script of
//! `s` snapshots is done on poll `s * n`; the starter's own answer (poll 0) shows step 0.
//! With [`Advance::Every`]`(p)` it is done `s * p` after creation.

use std::sync::Arc;
use std::time::Duration;

use prost::{Message, Name};
use prost_types::Any;

use ccai_lro::proto::google::longrunning::{operation, Operation};
use ccai_lro::proto::google::rpc::{Code, Status};
use ccai_lro::registry::EMPTY_TYPE_URL;

use super::payload::Payload;

/// How a [`Script`] moves from one step to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advance {
    /// One step every `n` `GetOperation` calls on this operation (`n` of 0 counts as 1).
    Polls(u32),
    /// One step every period of tokio time since the operation was created. Use
    /// `#[tokio::test(start_paused = true)]` to make this deterministic.
    Every(Duration),
}

/// How a [`Script`] ends.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Done with `Operation.response` set to this value.
    Response(Any),
    /// Done with `Operation.error` set to this status.
    Error(Status),
    /// Never done: the operation stays on its last metadata snapshot until cancelled.
    Never,
}

#[derive(Clone, Debug, PartialEq)]
struct Inner {
    // Runs of equal snapshots, so that repeats (see `repeat_last`) cost one copy and a count.
    metadata: Vec<Run>,
    // Boxed: few scripts have one, and every operation has a script.
    final_metadata: Option<Box<Payload>>,
    outcome: Ending,
    advance: Advance,
}

/// A metadata snapshot shown for `times` steps in a row.
#[derive(Clone, Debug, PartialEq)]
struct Run {
    payload: Payload,
    times: u32,
}

/// An [`Outcome`] as a script keeps it (10,000 operations may each have one).
#[derive(Clone, Debug, PartialEq)]
enum Ending {
    Response(Payload),
    Error(Box<Status>),
    Never,
}

impl From<Outcome> for Ending {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Response(any) => Ending::Response(Payload::new(any)),
            Outcome::Error(status) => Ending::Error(Box::new(status)),
            Outcome::Never => Ending::Never,
        }
    }
}

/// The life of one scripted operation: metadata snapshots, then an [`Outcome`].
///
/// Cloning is cheap (the steps are shared), so one script can back many operations.
///
/// ```
/// use std::time::Duration;
/// use ccai_lro_mock::Script;
/// use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
///     CreateIssueModelMetadata, IssueModel,
/// };
///
/// // Created on step 0, step 1 on the first poll, done with an IssueModel on the second.
/// let script = Script::new()
///     .metadata(&CreateIssueModelMetadata::default())
///     .metadata(&CreateIssueModelMetadata::default())
///     .respond(&IssueModel { display_name: "m".into(), ..Default::default() });
/// assert_eq!(script.steps(), 2);
///
/// // Or on a timer: one step every 500 ms of tokio time, failing at the end.
/// let failing = Script::new()
///     .metadata(&CreateIssueModelMetadata::default())
///     .fail(ccai_lro::proto::google::rpc::Code::FailedPrecondition, "not enough conversations")
///     .every(Duration::from_millis(500));
/// # let _ = failing;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Script(Arc<Inner>);

impl Default for Script {
    fn default() -> Self {
        Self::new()
    }
}

/// What an operation shows at one moment; computed, never stored.
pub(crate) struct View {
    pub(crate) stage: u32,
    pub(crate) done: bool,
}

fn empty_any() -> Any {
    Any {
        type_url: EMPTY_TYPE_URL.into(),
        value: Vec::new(),
    }
}

/// Packs a message without the fallible `Any::from_msg` (encoding into a `Vec` cannot fail).
pub(crate) fn pack<M: Message + Name>(message: &M) -> Any {
    Any {
        type_url: ccai_lro::registry::type_url_of::<M>(),
        value: message.encode_to_vec(),
    }
}

impl Script {
    /// A script with no metadata that is done at once with a `google.protobuf.Empty` response,
    /// advancing one step per poll. Add steps and an outcome with the other methods.
    pub fn new() -> Self {
        Self(Arc::new(Inner {
            metadata: Vec::new(),
            final_metadata: None,
            outcome: Ending::Response(Payload::new(empty_any())),
            advance: Advance::Polls(1),
        }))
    }

    /// An operation that is already done with `response`.
    pub fn done<M: Message + Name>(response: &M) -> Self {
        Self::new().respond(response)
    }

    /// An operation that runs until cancelled, showing `metadata`.
    pub fn running<M: Message + Name>(metadata: &M) -> Self {
        Self::new().metadata(metadata).never_done()
    }

    fn edit(mut self, f: impl FnOnce(&mut Inner)) -> Self {
        f(Arc::make_mut(&mut self.0));
        self
    }

    /// Appends a metadata snapshot (one step).
    pub fn metadata<M: Message + Name>(self, metadata: &M) -> Self {
        self.metadata_any(pack(metadata))
    }

    /// Appends a metadata snapshot given as an `Any` (for types this crate does not know).
    pub fn metadata_any(self, metadata: Any) -> Self {
        self.edit(|s| {
            // Scripts are built once and kept: no room for snapshots that will not come.
            s.metadata.reserve_exact(1);
            s.metadata.push(Run {
                payload: Payload::new(metadata),
                times: 1,
            });
        })
    }

    /// Repeats the last snapshot `times` more times (more steps, no more memory): an operation
    /// that reports the same metadata for a while. Does nothing without a snapshot.
    pub fn repeat_last(self, times: usize) -> Self {
        self.edit(|s| {
            if let Some(last) = s.metadata.last_mut() {
                let times = u32::try_from(times).unwrap_or(u32::MAX);
                last.times = last.times.saturating_add(times);
            }
        })
    }

    /// Sets the metadata shown once the operation is done (by default, the last snapshot).
    pub fn final_metadata<M: Message + Name>(self, metadata: &M) -> Self {
        self.final_metadata_any(pack(metadata))
    }

    /// Sets the final metadata as an `Any`.
    pub fn final_metadata_any(self, metadata: Any) -> Self {
        self.edit(|s| s.final_metadata = Some(Box::new(Payload::new(metadata))))
    }

    /// Ends with `Operation.response` set to `response`.
    pub fn respond<M: Message + Name>(self, response: &M) -> Self {
        self.respond_any(pack(response))
    }

    /// Ends with `Operation.response` set to an `Any`.
    pub fn respond_any(self, response: Any) -> Self {
        self.outcome(Outcome::Response(response))
    }

    /// Ends with `Operation.error` set to `code` and `message` (no details).
    pub fn fail(self, code: Code, message: impl Into<String>) -> Self {
        self.fail_status(Status {
            code: code as i32,
            message: message.into(),
            details: Vec::new(),
        })
    }

    /// Ends with `Operation.error` set to a full `google.rpc.Status`, details included.
    pub fn fail_status(self, status: Status) -> Self {
        self.outcome(Outcome::Error(status))
    }

    /// Never ends: the operation stays on its last snapshot until cancelled.
    pub fn never_done(self) -> Self {
        self.outcome(Outcome::Never)
    }

    /// Sets the outcome.
    pub fn outcome(self, outcome: Outcome) -> Self {
        self.edit(|s| s.outcome = outcome.into())
    }

    /// Advances one step every `n` `GetOperation` calls.
    pub fn every_polls(self, n: u32) -> Self {
        self.advance(Advance::Polls(n))
    }

    /// Advances one step every `period` of tokio time.
    pub fn every(self, period: Duration) -> Self {
        self.advance(Advance::Every(period))
    }

    /// Sets how the script advances.
    pub fn advance(self, advance: Advance) -> Self {
        self.edit(|s| s.advance = advance)
    }

    /// The number of metadata snapshots (steps before the outcome).
    pub fn steps(&self) -> usize {
        self.0.metadata.iter().map(|r| r.times as usize).sum()
    }

    /// The tokio time from creation to done, for a timed script that finishes.
    pub fn duration(&self) -> Option<Duration> {
        match (self.0.advance, &self.0.outcome) {
            (_, Ending::Never) | (Advance::Polls(_), _) => None,
            (Advance::Every(p), _) => Some(p.saturating_mul(self.stage_count())),
        }
    }

    /// [`Script::steps`] as a stage number.
    fn stage_count(&self) -> u32 {
        u32::try_from(self.steps()).unwrap_or(u32::MAX)
    }

    fn last_stage(&self) -> u32 {
        let steps = self.stage_count();
        match self.0.outcome {
            Ending::Never => steps.saturating_sub(1),
            _ => steps,
        }
    }

    /// Where the script ends: its last stage, done unless it never is.
    pub(crate) fn final_view(&self) -> View {
        let stage = self.last_stage();
        View {
            stage,
            done: !matches!(self.0.outcome, Ending::Never),
        }
    }

    /// The stage after `polls` polls and `elapsed` tokio time.
    pub(crate) fn view(&self, polls: u32, elapsed: Duration) -> View {
        let raw = match self.0.advance {
            Advance::Polls(n) => polls / n.max(1),
            Advance::Every(p) if p.is_zero() => u32::MAX,
            Advance::Every(p) => {
                u32::try_from(elapsed.as_nanos() / p.as_nanos()).unwrap_or(u32::MAX)
            }
        };
        let stage = raw.min(self.last_stage());
        let done = !matches!(self.0.outcome, Ending::Never) && stage as usize >= self.steps();
        View { stage, done }
    }

    /// When (as elapsed time since creation) the stage after `stage` begins, if timed.
    pub(crate) fn next_change(&self, stage: u32) -> Option<Duration> {
        match self.0.advance {
            Advance::Every(p) if stage < self.last_stage() => {
                Some(p.saturating_mul(stage.saturating_add(1)))
            }
            _ => None,
        }
    }

    pub(crate) fn metadata_at(&self, stage: u32, done: bool) -> Option<Any> {
        if done {
            if let Some(m) = &self.0.final_metadata {
                return Some(m.to_any());
            }
        }
        // Past the last snapshot, the last one shows.
        let mut left = stage.min(self.stage_count().checked_sub(1)?);
        for run in &self.0.metadata {
            if left < run.times {
                return Some(run.payload.to_any());
            }
            left -= run.times;
        }
        None
    }

    /// Renders the operation at `stage`; `cancelled` overrides the outcome and the metadata.
    pub(crate) fn render(
        &self,
        name: &str,
        view: View,
        cancelled: Option<&Cancelled>,
    ) -> Operation {
        let result = if cancelled.is_some() {
            Some(operation::Result::Error(Status {
                code: Code::Cancelled as i32,
                message: "Operation was cancelled.".into(),
                details: Vec::new(),
            }))
        } else if view.done {
            match &self.0.outcome {
                Ending::Response(r) => Some(operation::Result::Response(r.to_any())),
                Ending::Error(e) => Some(operation::Result::Error(Status::clone(e))),
                Ending::Never => None,
            }
        } else {
            None
        };
        Operation {
            name: name.to_owned(),
            metadata: match cancelled {
                Some(c) => c.metadata.clone(),
                None => self.metadata_at(view.stage, view.done),
            },
            done: view.done || cancelled.is_some(),
            result,
        }
    }
}

/// How a cancelled operation stays: at the stage it was cancelled in, with that stage's
/// metadata ended at the moment of cancelling.
pub(crate) struct Cancelled {
    pub(crate) stage: u32,
    pub(crate) metadata: Option<Any>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_advance_one_step_per_n() {
        let s = Script::new()
            .metadata_any(empty_any())
            .metadata_any(empty_any())
            .every_polls(2);
        let stages: Vec<(u32, bool)> = (0..6)
            .map(|p| {
                let v = s.view(p, Duration::ZERO);
                (v.stage, v.done)
            })
            .collect();
        assert_eq!(
            stages,
            [
                (0, false),
                (0, false),
                (1, false),
                (1, false),
                (2, true),
                (2, true)
            ]
        );
    }

    #[test]
    fn never_stays_on_the_last_snapshot() {
        let s = Script::new()
            .metadata_any(empty_any())
            .never_done()
            .every(Duration::from_secs(1));
        let v = s.view(0, Duration::from_secs(100));
        assert_eq!((v.stage, v.done), (0, false));
        assert_eq!(s.next_change(0), None);
    }
}
