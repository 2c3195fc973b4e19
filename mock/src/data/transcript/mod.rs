//! Transcripts: the object a conversation's `data_source` points at, and the output fields a
//! conversation derives from it.
//!
//! Insights reads two formats, told apart by their shape:
//!
//! - **Insights' conversation format** (chat), a top-level `entries` array:
//!   `{"entries": [{"text", "role", "user_id", "start_timestamp_usec"}, …]}`, one entry per
//!   message, `role` one of `AGENT`, `AUTOMATED_AGENT`, `CUSTOMER`, `END_USER`. Numbers may be
//!   JSON numbers or decimal strings; `conversation_info` is ignored.
//! - **A Speech-to-Text recognition result** (voice), a top-level `results` array: each result
//!   has `alternatives` (the first is used), a `channelTag`, a `resultEndOffset`, and words with
//!   offsets written as protobuf Duration JSON (`"1.500s"`). Keys come in camelCase or
//!   snake_case, and offsets as `…Offset` or `…Time`, since both occur in the wild.
//!
//! Either becomes a [`Transcript`] of segments plus the fields derived from it ([`Derived`]).
//! Google documents the result but not every rule; where it is silent the emulator decides:
//!
//! - One segment per entry or result, in time order (a stable sort: chat by the entry's time,
//!   voice by the first word's start, else the result's end). A result with no alternatives
//!   makes no segment, though its end still counts toward the duration (the audio ran on).
//! - Text is trimmed; every segment carries the conversation's language code. Chat segments have
//!   confidence 0, channel 0, no words, and the entry's time as `message_time`. Voice segments
//!   have the alternative's confidence, the result's channel, and the first word's start (from
//!   the conversation's start) as `message_time`, or none without words.
//! - Roles: chat `AGENT` is HUMAN_AGENT, `AUTOMATED_AGENT` itself, `CUSTOMER` and `END_USER`
//!   END_USER, with the entry's `user_id`. Voice goes by channel: the call metadata's agent
//!   channel is HUMAN_AGENT, its customer channel END_USER, any other (or an unset one)
//!   ROLE_UNSPECIFIED.
//! - `turn_count` is the number of segments. `duration` is, for chat, the last entry's time
//!   minus the first's; for voice, the largest end offset of any result or word. `start_time` is
//!   the request's, else the first chat entry's, else the conversation's create time.
//! - A missing or `null` optional field is its default (proto3 JSON omits defaults).
//!
//! The object is untrusted: its size, segment count and words per segment are bounded
//! ([`MAX_TRANSCRIPT_BYTES`], [`MAX_SEGMENTS`], [`MAX_WORDS_PER_SEGMENT`]), times stay within
//! protobuf's range, and every problem is INVALID_ARGUMENT or RESOURCE_EXHAUSTED naming the
//! object's URI and the JSON path, never a panic. Parsing is pure: bytes in, fields out.

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    conversation::{
        transcript::{transcript_segment::WordInfo, TranscriptSegment},
        Transcript,
    },
    conversation_participant::{Participant, Role},
    ConversationParticipant,
};
use prost_types::{Duration, Timestamp};
use serde_json::{Map, Value};
use tonic::Status;

use crate::names::quote;

/// The largest transcript object read, in bytes (16 MiB): a parsed JSON document takes several
/// times its size in memory, so larger ones are RESOURCE_EXHAUSTED before parsing.
pub const MAX_TRANSCRIPT_BYTES: usize = 16 << 20;
/// The most chat entries or voice results in one transcript (each makes at most one segment);
/// more is RESOURCE_EXHAUSTED, since every segment is kept, sent and annotated.
pub const MAX_SEGMENTS: usize = 20_000;
/// The most words in one voice result's alternative; more is RESOURCE_EXHAUSTED.
pub const MAX_WORDS_PER_SEGMENT: usize = 5_000;

/// Protobuf Timestamp's range in seconds: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
const TIMESTAMP_SECONDS: std::ops::RangeInclusive<i64> = -62_135_596_800..=253_402_300_799;
/// Protobuf Duration's largest number of seconds (about 10,000 years).
const MAX_DURATION_SECONDS: i64 = 315_576_000_000;
const NANOS_PER_SECOND: i64 = 1_000_000_000;
const MICROS_PER_SECOND: i64 = 1_000_000;
/// The chat roles, as the error for an unknown one lists them.
const CHAT_ROLES: &str = "AGENT, AUTOMATED_AGENT, CUSTOMER or END_USER";

/// What the parse needs to know about the conversation.
pub(crate) struct Context<'a> {
    /// The language already resolved by the caller (the conversation's, else the location's
    /// settings', else "en-US"); every segment carries it.
    pub language_code: &'a str,
    /// The call metadata's agent channel (0: unset), whose voice segments are HUMAN_AGENT.
    pub agent_channel: i32,
    /// The call metadata's customer channel (0: unset), whose voice segments are END_USER.
    pub customer_channel: i32,
    /// The request's start_time, if it set one; it wins over the transcript's.
    pub start_time: Option<Timestamp>,
    /// When the conversation is created: the start time of a voice transcript by default.
    pub create_time: Timestamp,
}

/// Which format a transcript was in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// Insights' conversation format (`entries`).
    Chat,
    /// A Speech-to-Text recognition result (`results`).
    Voice,
}

/// A conversation's output fields, as derived from its transcript.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Derived {
    /// The segments, in time order.
    pub transcript: Transcript,
    /// The number of segments.
    pub turn_count: i32,
    /// How long the conversation lasted.
    pub duration: Duration,
    /// When it started.
    pub start_time: Timestamp,
    /// Which format the transcript was in.
    pub format: Format,
}

/// Parses `bytes`, the object at `uri` (used only in error messages), into the conversation's
/// derived fields.
pub(crate) fn parse(uri: &str, bytes: &[u8], ctx: &Context<'_>) -> Result<Derived, Status> {
    if bytes.len() > MAX_TRANSCRIPT_BYTES {
        return Err(Status::resource_exhausted(format!(
            "transcript {} is {} bytes, more than the {MAX_TRANSCRIPT_BYTES} bytes allowed",
            quote(uri),
            bytes.len()
        )));
    }
    // serde_json's error reads "… at line L column C", and it refuses invalid UTF-8 and
    // nesting past its recursion limit.
    let document: Value = serde_json::from_slice(bytes).map_err(|e| {
        Status::invalid_argument(format!("transcript {} is not valid JSON: {e}", quote(uri)))
    })?;
    let doc = Doc { uri, ctx };
    let top = document.as_object();
    match (
        top.and_then(|o| o.get("entries")),
        top.and_then(|o| o.get("results")),
    ) {
        (Some(Value::Array(entries)), _) => doc.chat(entries),
        (_, Some(Value::Array(results))) => doc.voice(results),
        _ => Err(Status::invalid_argument(format!(
            "transcript {} is neither Insights' conversation format (a top-level \"entries\" \
             array) nor a Speech-to-Text result (a top-level \"results\" array)",
            quote(uri)
        ))),
    }
}

/// One parse: the object's URI for errors, and the conversation's context.
struct Doc<'a> {
    uri: &'a str,
    ctx: &'a Context<'a>,
}

impl Doc<'_> {
    /// INVALID_ARGUMENT for the value at `path`.
    fn invalid(&self, path: &str, problem: &str) -> Status {
        Status::invalid_argument(format!("transcript {}: {path}: {problem}", quote(self.uri)))
    }

    /// RESOURCE_EXHAUSTED when the array at `path` holds more than `bound` `what`.
    fn bounded(&self, path: &str, len: usize, bound: usize, what: &str) -> Result<(), Status> {
        if len <= bound {
            return Ok(());
        }
        Err(Status::resource_exhausted(format!(
            "transcript {}: {path}: {len} {what}, more than the {bound} allowed",
            quote(self.uri)
        )))
    }

    /// `value`, the JSON object at `path`, ready to read fields from.
    fn at<'v, 'p>(&'p self, value: &'v Value, path: &'p str) -> Result<At<'p, 'v>, Status> {
        match value.as_object() {
            Some(object) => Ok(At {
                doc: self,
                object,
                path,
            }),
            None => Err(self.invalid(path, "expected an object")),
        }
    }

    /// Insights' conversation format: one segment per entry, by the entry's time.
    fn chat(&self, entries: &[Value]) -> Result<Derived, Status> {
        self.bounded("entries", entries.len(), MAX_SEGMENTS, "entries")?;
        let mut timed = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let path = format!("entries[{i}]");
            let entry = self.at(entry, &path)?;
            let role = match entry.string(&["role"])? {
                "AGENT" => Role::HumanAgent,
                "AUTOMATED_AGENT" => Role::AutomatedAgent,
                "CUSTOMER" | "END_USER" => Role::EndUser,
                other => {
                    let got = format!("expected {CHAT_ROLES}, got {}", quote(other));
                    return Err(self.invalid(&format!("{path}.role"), &got));
                }
            };
            let user_id = entry.get(&["user_id"], "expected an integer user id", integer)?;
            // Required: without a time the entry has no place in the conversation.
            let usec = "expected microseconds since the epoch";
            let micros = entry
                .get(&["start_timestamp_usec"], usec, |v| {
                    integer(v).filter(|&m| from_micros(m).is_some())
                })?
                .ok_or_else(|| self.invalid(&format!("{path}.start_timestamp_usec"), usec))?;
            let segment = TranscriptSegment {
                message_time: from_micros(micros),
                text: entry.string(&["text"])?.trim().to_owned(),
                language_code: self.ctx.language_code.to_owned(),
                segment_participant: Some(ConversationParticipant {
                    role: role as i32,
                    participant: user_id.map(|id| Participant::UserId(id.to_string())),
                    ..Default::default()
                }),
                ..Default::default()
            };
            timed.push((micros, segment));
        }
        timed.sort_by_key(|(micros, _)| *micros);
        let first = timed.first().map(|(m, _)| *m);
        // Both times are within Timestamp's range, so the difference cannot overflow; checking
        // anyway keeps the absence of panics evident here.
        let span = timed
            .last()
            .zip(first)
            .and_then(|((l, _), f)| l.checked_sub(f));
        let start_time = self.ctx.start_time.or_else(|| first.and_then(from_micros));
        Ok(derived(
            timed,
            span.and_then(duration_from_micros).unwrap_or_default(),
            start_time.unwrap_or(self.ctx.create_time),
            Format::Chat,
        ))
    }

    /// A Speech-to-Text result: one segment per result with alternatives, by its first word.
    fn voice(&self, results: &[Value]) -> Result<Derived, Status> {
        self.bounded("results", results.len(), MAX_SEGMENTS, "results")?;
        let start_time = self.ctx.start_time.unwrap_or(self.ctx.create_time);
        let mut longest = Duration::default();
        let mut timed = Vec::with_capacity(results.len());
        for (i, result) in results.iter().enumerate() {
            let path = format!("results[{i}]");
            let result = self.at(result, &path)?;
            let end = result.offset(&RESULT_END)?;
            longest = later(longest, end.unwrap_or_default());
            let Some(segment) = self.segment(&result, &start_time)? else {
                continue;
            };
            for word in &segment.words {
                longest = later(longest, word.end_offset.unwrap_or_default());
            }
            let first_word = segment.words.first().and_then(|w| w.start_offset);
            let key = first_word.or(end).unwrap_or_default();
            timed.push(((key.seconds, key.nanos), segment));
        }
        timed.sort_by_key(|(key, _)| *key);
        Ok(derived(timed, longest, start_time, Format::Voice))
    }

    /// The segment of a voice `result`, from its first alternative; none without one.
    fn segment(
        &self,
        result: &At<'_, '_>,
        start_time: &Timestamp,
    ) -> Result<Option<TranscriptSegment>, Status> {
        let channel_tag = result
            .get(
                &["channelTag", "channel_tag"],
                "expected a channel number",
                |v| integer(v).and_then(|c| i32::try_from(c).ok()),
            )?
            .unwrap_or(0);
        let Some(alternative) = result.array(&["alternatives"])?.first() else {
            return Ok(None);
        };
        let role = match channel_tag {
            0 => Role::Unspecified,
            c if c == self.ctx.agent_channel => Role::HumanAgent,
            c if c == self.ctx.customer_channel => Role::EndUser,
            _ => Role::Unspecified,
        };
        let path = format!("{}.alternatives[0]", result.path);
        let alternative = self.at(alternative, &path)?;
        let words = alternative.array(&["words"])?;
        self.bounded(
            &format!("{path}.words"),
            words.len(),
            MAX_WORDS_PER_SEGMENT,
            "words",
        )?;
        let words = words
            .iter()
            .enumerate()
            .map(|(j, word)| self.word(word, &format!("{path}.words[{j}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let first_start = words.first().map(|w| w.start_offset.unwrap_or_default());
        let message_time = first_start
            .map(|offset| {
                let late = "starts past protobuf's time range";
                add(start_time, &offset)
                    .ok_or_else(|| self.invalid(&format!("{path}.words[0]"), late))
            })
            .transpose()?;
        Ok(Some(TranscriptSegment {
            message_time,
            text: alternative.string(&["transcript"])?.trim().to_owned(),
            confidence: alternative.confidence()?,
            words,
            language_code: self.ctx.language_code.to_owned(),
            channel_tag,
            segment_participant: Some(ConversationParticipant {
                role: role as i32,
                ..Default::default()
            }),
            ..Default::default()
        }))
    }

    /// The word at `path`; a missing offset is zero, as proto3 JSON omits zero values.
    fn word(&self, word: &Value, path: &str) -> Result<WordInfo, Status> {
        let word = self.at(word, path)?;
        Ok(WordInfo {
            word: word.string(&["word"])?.to_owned(),
            start_offset: Some(word.offset(&WORD_START)?.unwrap_or_default()),
            end_offset: Some(word.offset(&WORD_END)?.unwrap_or_default()),
            confidence: word.confidence()?,
        })
    }
}

mod values;
use values::*;

#[cfg(test)]
mod tests;
