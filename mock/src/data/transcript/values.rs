//! Reading a transcript's values: a JSON path for errors, numbers and Duration strings,
//! times kept within protobuf's range.

use super::*;

/// A JSON object of the document and its path, to read fields from; a field of the wrong type
/// is INVALID_ARGUMENT naming its path, an absent or `null` one its default.
pub(super) struct At<'p, 'v> {
    pub(super) doc: &'p Doc<'p>,
    pub(super) object: &'v Map<String, Value>,
    pub(super) path: &'p str,
}

impl<'v> At<'_, 'v> {
    /// The first of `names` present, converted by `convert` (`None` when absent); a value it
    /// refuses is INVALID_ARGUMENT saying `expected`.
    pub(super) fn get<T>(
        &self,
        names: &[&'static str],
        expected: &str,
        convert: impl FnOnce(&'v Value) -> Option<T>,
    ) -> Result<Option<T>, Status> {
        let Some((name, value)) = field(self.object, names) else {
            return Ok(None);
        };
        match convert(value) {
            Some(converted) => Ok(Some(converted)),
            None => Err(self.doc.invalid(&format!("{}.{name}", self.path), expected)),
        }
    }

    /// A string field ("" when absent).
    pub(super) fn string(&self, names: &[&'static str]) -> Result<&'v str, Status> {
        Ok(self
            .get(names, "expected a string", Value::as_str)?
            .unwrap_or_default())
    }

    /// An array field (empty when absent).
    pub(super) fn array(&self, names: &[&'static str]) -> Result<&'v [Value], Status> {
        let array = self.get(names, "expected an array", Value::as_array)?;
        Ok(array.map_or(&[], Vec::as_slice))
    }

    /// The `confidence` field (0 when absent), narrowed to the proto's float.
    pub(super) fn confidence(&self) -> Result<f32, Status> {
        let number = self.get(&["confidence"], "expected a number", Value::as_f64)?;
        Ok(number.unwrap_or_default() as f32)
    }

    /// An offset field, in protobuf Duration's JSON form.
    pub(super) fn offset(&self, names: &[&'static str]) -> Result<Option<Duration>, Status> {
        let expected = "expected a duration such as \"1.500s\"";
        self.get(names, expected, |v| v.as_str().and_then(duration))
    }
}

/// A result's end offset, in every spelling that occurs.
pub(super) const RESULT_END: [&str; 4] = [
    "resultEndOffset",
    "resultEndTime",
    "result_end_offset",
    "result_end_time",
];
/// A word's start offset, in every spelling that occurs.
pub(super) const WORD_START: [&str; 4] = ["startOffset", "startTime", "start_offset", "start_time"];
/// A word's end offset, in every spelling that occurs.
pub(super) const WORD_END: [&str; 4] = ["endOffset", "endTime", "end_offset", "end_time"];

/// The sorted segments and the rest of the fields, put together.
pub(super) fn derived<K>(
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
pub(super) fn field<'v>(
    object: &'v Map<String, Value>,
    names: &[&'static str],
) -> Option<(&'static str, &'v Value)> {
    names
        .iter()
        .find_map(|&name| object.get(name).filter(|v| !v.is_null()).map(|v| (name, v)))
}

/// An integer written as a JSON number or a decimal string (proto3 JSON writes 64-bit
/// integers as strings). Only digits with an optional '-': no '+', spaces or fractions.
pub(super) fn integer(value: &Value) -> Option<i64> {
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
pub(super) fn duration(text: &str) -> Option<Duration> {
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
pub(super) fn from_micros(micros: i64) -> Option<Timestamp> {
    let Duration { seconds, nanos } = duration_from_micros(micros)?;
    TIMESTAMP_SECONDS
        .contains(&seconds)
        .then_some(Timestamp { seconds, nanos })
}

/// Microseconds as seconds and non-negative nanoseconds.
pub(super) fn duration_from_micros(micros: i64) -> Option<Duration> {
    Some(Duration {
        seconds: micros.div_euclid(MICROS_PER_SECOND),
        nanos: i32::try_from(micros.rem_euclid(MICROS_PER_SECOND) * 1_000).ok()?,
    })
}

/// `start + offset`, if within protobuf's range; normalises nanos whatever the caller's were.
pub(super) fn add(start: &Timestamp, offset: &Duration) -> Option<Timestamp> {
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
pub(super) fn later(a: Duration, b: Duration) -> Duration {
    std::cmp::max_by_key(a, b, |d| (d.seconds, d.nanos))
}
