//! The conversation-level silence: the time within the call that no segment's words cover.

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    Conversation, ConversationLevelSilence,
};

/// Nanoseconds in a second, for the `i128` time arithmetic.
const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// The conversation-level silence (see the module docs), or `None` without a positive duration
/// or without word times.
pub(crate) fn silence(conversation: &Conversation) -> Option<ConversationLevelSilence> {
    let total = nanos(conversation.duration.as_ref()?);
    if total <= 0 {
        return None;
    }
    let segments = &conversation.transcript.as_ref()?.transcript_segments;
    let spans: Vec<(i128, i128)> = segments
        .iter()
        .filter_map(|s| {
            let start = s.words.first()?.start_offset.as_ref()?;
            let end = s.words.last()?.end_offset.as_ref()?;
            Some((nanos(start), nanos(end)))
        })
        .collect();
    if spans.is_empty() {
        return None;
    }
    let mut clipped: Vec<(i128, i128)> = spans
        .into_iter()
        .map(|(s, e)| (s.clamp(0, total), e.clamp(0, total)))
        .filter(|(s, e)| e > s)
        .collect();
    clipped.sort_unstable();
    // Sorted by start, each span adds only what lies beyond the furthest end so far: the union.
    let mut covered: i128 = 0;
    let mut reach: i128 = 0;
    for (start, end) in clipped {
        let start = start.max(reach);
        if end > start {
            covered += end - start;
            reach = end;
        }
    }
    let silent = total - covered;
    Some(ConversationLevelSilence {
        silence_duration: Some(duration(silent)),
        silence_percentage: (silent as f64 / total as f64 * 100.0) as f32,
    })
}

/// A protobuf duration in nanoseconds; `i128` holds any seconds and nanos without overflow.
fn nanos(d: &prost_types::Duration) -> i128 {
    i128::from(d.seconds) * NANOS_PER_SECOND + i128::from(d.nanos)
}

/// A non-negative nanosecond count as a protobuf duration, saturating at the largest one.
fn duration(nanos: i128) -> prost_types::Duration {
    match i64::try_from(nanos / NANOS_PER_SECOND) {
        Ok(seconds) => prost_types::Duration {
            seconds,
            // The remainder of a non-negative count is in [0, 1e9).
            nanos: i32::try_from(nanos % NANOS_PER_SECOND).unwrap_or(0),
        },
        Err(_) => prost_types::Duration {
            seconds: i64::MAX,
            nanos: 999_999_999,
        },
    }
}
