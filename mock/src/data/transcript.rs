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

    /// `value` as a JSON object, or INVALID_ARGUMENT at `path`.
    fn object<'v>(&self, value: &'v Value, path: &str) -> Result<&'v Map<String, Value>, Status> {
        value
            .as_object()
            .ok_or_else(|| self.invalid(path, "expected an object"))
    }

    /// The string under any of `names` in `object` ("" when absent).
    fn string<'v>(
        &self,
        object: &'v Map<String, Value>,
        path: &str,
        names: &[&'static str],
    ) -> Result<&'v str, Status> {
        match field(object, names) {
            None => Ok(""),
            Some((name, value)) => value
                .as_str()
                .ok_or_else(|| self.invalid(&format!("{path}.{name}"), "expected a string")),
        }
    }

    /// The number under `names` in `object` (0 when absent), as a confidence.
    fn confidence(
        &self,
        object: &Map<String, Value>,
        path: &str,
        names: &[&'static str],
    ) -> Result<f32, Status> {
        match field(object, names) {
            None => Ok(0.0),
            // Narrowing to the proto's float is the intent.
            Some((_, Value::Number(n))) => Ok(n.as_f64().unwrap_or_default() as f32),
            Some((name, _)) => Err(self.invalid(&format!("{path}.{name}"), "expected a number")),
        }
    }

    /// The offset under `names` in `object` (zero when absent), with its path for errors.
    fn offset(
        &self,
        object: &Map<String, Value>,
        path: &str,
        names: &[&'static str],
    ) -> Result<Option<(Duration, String)>, Status> {
        let Some((name, value)) = field(object, names) else {
            return Ok(None);
        };
        let path = format!("{path}.{name}");
        match value.as_str().and_then(duration) {
            Some(offset) => Ok(Some((offset, path))),
            None => Err(self.invalid(&path, "expected a duration such as \"1.500s\"")),
        }
    }

    /// Insights' conversation format: one segment per entry, by the entry's time.
    fn chat(&self, entries: &[Value]) -> Result<Derived, Status> {
        self.bounded("entries", entries.len(), MAX_SEGMENTS, "entries")?;
        let mut timed = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let path = format!("entries[{i}]");
            let entry = self.object(entry, &path)?;
            let role = match field(entry, &["role"]).map(|(_, v)| v.as_str()) {
                Some(Some("AGENT")) => Role::HumanAgent,
                Some(Some("AUTOMATED_AGENT")) => Role::AutomatedAgent,
                Some(Some("CUSTOMER" | "END_USER")) => Role::EndUser,
                Some(Some(other)) => Err(self.invalid(
                    &format!("{path}.role"),
                    &format!("expected {CHAT_ROLES}, got {}", quote(other)),
                ))?,
                _ => Err(self.invalid(&format!("{path}.role"), &format!("expected {CHAT_ROLES}")))?,
            };
            let user_id = match field(entry, &["user_id"]) {
                None => None,
                Some((_, v)) => Some(integer(v).ok_or_else(|| {
                    self.invalid(&format!("{path}.user_id"), "expected an integer user id")
                })?),
            };
            let micros = field(entry, &["start_timestamp_usec"])
                .and_then(|(_, v)| integer(v))
                .filter(|&m| from_micros(m).is_some())
                .ok_or_else(|| {
                    self.invalid(
                        &format!("{path}.start_timestamp_usec"),
                        "expected microseconds since the epoch",
                    )
                })?;
            let segment = TranscriptSegment {
                message_time: from_micros(micros),
                text: self.string(entry, &path, &["text"])?.trim().to_owned(),
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
        let last = timed.last().map(|(m, _)| *m);
        // Both times are within Timestamp's range, so their difference cannot overflow; the
        // checked subtraction only keeps that reasoning out of the proof of no panic.
        let span = first.zip(last).and_then(|(f, l)| l.checked_sub(f));
        let duration = span.and_then(duration_from_micros).unwrap_or_default();
        let start_time = self
            .ctx
            .start_time
            .or_else(|| first.and_then(from_micros))
            .unwrap_or(self.ctx.create_time);
        Ok(derived(timed, duration, start_time, Format::Chat))
    }

    /// A Speech-to-Text result: one segment per result with alternatives, by its first word.
    fn voice(&self, results: &[Value]) -> Result<Derived, Status> {
        self.bounded("results", results.len(), MAX_SEGMENTS, "results")?;
        let start_time = self.ctx.start_time.unwrap_or(self.ctx.create_time);
        let mut longest = Duration::default();
        let mut timed = Vec::with_capacity(results.len());
        for (i, result) in results.iter().enumerate() {
            let path = format!("results[{i}]");
            let result = self.object(result, &path)?;
            let channel_tag = match field(result, &["channelTag", "channel_tag"]) {
                None => 0,
                Some((name, v)) => {
                    integer(v)
                        .and_then(|c| i32::try_from(c).ok())
                        .ok_or_else(|| {
                            self.invalid(&format!("{path}.{name}"), "expected a channel number")
                        })?
                }
            };
            let end = self.offset(result, &path, &END_NAMES)?.map(|(d, _)| d);
            longest = later(longest, end.unwrap_or_default());
            let alternative = match field(result, &["alternatives"]) {
                None => continue,
                Some((_, Value::Array(alternatives))) => match alternatives.first() {
                    None => continue,
                    Some(a) => self.object(a, &format!("{path}.alternatives[0]"))?,
                },
                Some((name, _)) => {
                    Err(self.invalid(&format!("{path}.{name}"), "expected an array"))?
                }
            };
            let path = format!("{path}.alternatives[0]");
            let words = match field(alternative, &["words"]) {
                None => &[][..],
                Some((_, Value::Array(words))) => words.as_slice(),
                Some((name, _)) => {
                    Err(self.invalid(&format!("{path}.{name}"), "expected an array"))?
                }
            };
            self.bounded(
                &format!("{path}.words"),
                words.len(),
                MAX_WORDS_PER_SEGMENT,
                "words",
            )?;
            let mut infos = Vec::with_capacity(words.len());
            let mut message_time = None;
            for (j, word) in words.iter().enumerate() {
                let path = format!("{path}.words[{j}]");
                let word = self.object(word, &path)?;
                let start = self.offset(word, &path, &START_NAMES)?;
                let end = self.offset(word, &path, &END_WORD_NAMES)?.map(|(d, _)| d);
                longest = later(longest, end.unwrap_or_default());
                if j == 0 {
                    let (offset, at) = start
                        .clone()
                        .unwrap_or_else(|| (Duration::default(), path.clone()));
                    message_time = Some(add(&start_time, &offset).ok_or_else(|| {
                        self.invalid(&at, "puts the word outside protobuf's time range")
                    })?);
                }
                infos.push(WordInfo {
                    word: self.string(word, &path, &["word"])?.to_owned(),
                    start_offset: Some(start.map(|(d, _)| d).unwrap_or_default()),
                    end_offset: Some(end.unwrap_or_default()),
                    confidence: self.confidence(word, &path, &["confidence"])?,
                });
            }
            let key = infos
                .first()
                .and_then(|w| w.start_offset)
                .or(end)
                .unwrap_or_default();
            let role = match channel_tag {
                0 => Role::Unspecified,
                c if c == self.ctx.agent_channel => Role::HumanAgent,
                c if c == self.ctx.customer_channel => Role::EndUser,
                _ => Role::Unspecified,
            };
            let segment = TranscriptSegment {
                message_time,
                text: self
                    .string(alternative, &path, &["transcript"])?
                    .trim()
                    .to_owned(),
                confidence: self.confidence(alternative, &path, &["confidence"])?,
                words: infos,
                language_code: self.ctx.language_code.to_owned(),
                channel_tag,
                segment_participant: Some(ConversationParticipant {
                    role: role as i32,
                    ..Default::default()
                }),
                ..Default::default()
            };
            timed.push(((key.seconds, key.nanos), segment));
        }
        timed.sort_by_key(|(key, _)| *key);
        Ok(derived(timed, longest, start_time, Format::Voice))
    }
}

/// A result's end offset, in every spelling that occurs.
const END_NAMES: [&str; 4] = [
    "resultEndOffset",
    "resultEndTime",
    "result_end_offset",
    "result_end_time",
];
/// A word's start offset, in every spelling that occurs.
const START_NAMES: [&str; 4] = ["startOffset", "startTime", "start_offset", "start_time"];
/// A word's end offset, in every spelling that occurs.
const END_WORD_NAMES: [&str; 4] = ["endOffset", "endTime", "end_offset", "end_time"];

/// The sorted segments and the rest of the fields, put together.
fn derived<K>(
    timed: Vec<(K, TranscriptSegment)>,
    duration: Duration,
    start_time: Timestamp,
    format: Format,
) -> Derived {
    let transcript_segments: Vec<_> = timed.into_iter().map(|(_, s)| s).collect();
    Derived {
        // At most MAX_SEGMENTS, so this always fits.
        turn_count: i32::try_from(transcript_segments.len()).unwrap_or(i32::MAX),
        transcript: Transcript {
            transcript_segments,
        },
        duration,
        start_time,
        format,
    }
}

/// The first of `names` present in `object` and not `null`, with the name that matched (so an
/// error names the key the document used).
fn field<'v>(
    object: &'v Map<String, Value>,
    names: &[&'static str],
) -> Option<(&'static str, &'v Value)> {
    names
        .iter()
        .find_map(|&name| object.get(name).filter(|v| !v.is_null()).map(|v| (name, v)))
}

/// An integer written as a JSON number or a decimal string (proto3 JSON writes 64-bit
/// integers as strings). Only digits with an optional '-': no '+', spaces or fractions.
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            let decimal = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
            decimal.then(|| s.parse().ok()).flatten()
        }
        _ => None,
    }
}

/// A protobuf Duration's JSON form, non-negative: digits, optionally '.' and one to nine
/// digits, then 's' ("3s", "1.500s"), within Duration's range. `None` for anything else.
fn duration(text: &str) -> Option<Duration> {
    let body = text.strip_suffix('s')?;
    let (whole, fraction) = match body.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) {
        return None;
    }
    let seconds = whole
        .parse::<i64>()
        .ok()
        .filter(|&s| s <= MAX_DURATION_SECONDS)?;
    let nanos = match fraction {
        None => 0,
        Some(f) if f.len() <= 9 && digits(f) => {
            // "1.5s" is 500,000,000 ns: the fraction scaled to nine digits (below 10^9, so it
            // fits an i32).
            let scale = 10_i32.checked_pow(u32::try_from(9 - f.len()).ok()?)?;
            f.parse::<i32>().ok()?.checked_mul(scale)?
        }
        Some(_) => return None,
    };
    Some(Duration { seconds, nanos })
}

/// Microseconds since the epoch as a Timestamp, if within protobuf's range.
fn from_micros(micros: i64) -> Option<Timestamp> {
    let seconds = micros.div_euclid(MICROS_PER_SECOND);
    let nanos = i32::try_from(micros.rem_euclid(MICROS_PER_SECOND) * 1_000).ok()?;
    TIMESTAMP_SECONDS
        .contains(&seconds)
        .then_some(Timestamp { seconds, nanos })
}

/// A non-negative span of microseconds as a Duration.
fn duration_from_micros(micros: i64) -> Option<Duration> {
    Some(Duration {
        seconds: micros.div_euclid(MICROS_PER_SECOND),
        nanos: i32::try_from(micros.rem_euclid(MICROS_PER_SECOND) * 1_000).ok()?,
    })
}

/// `start + offset`, if within protobuf's range; normalises nanos whatever the caller's were.
fn add(start: &Timestamp, offset: &Duration) -> Option<Timestamp> {
    let nanos = i64::from(start.nanos) + i64::from(offset.nanos);
    let seconds = start
        .seconds
        .checked_add(offset.seconds)?
        .checked_add(nanos.div_euclid(NANOS_PER_SECOND))?;
    let nanos = i32::try_from(nanos.rem_euclid(NANOS_PER_SECOND)).ok()?;
    TIMESTAMP_SECONDS
        .contains(&seconds)
        .then_some(Timestamp { seconds, nanos })
}

/// The later of two offsets.
fn later(a: Duration, b: Duration) -> Duration {
    if (b.seconds, b.nanos) > (a.seconds, a.nanos) {
        b
    } else {
        a
    }
}

#[cfg(test)]
#[path = "transcript_tests.rs"]
mod tests;
