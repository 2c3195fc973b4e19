//! Annotators: what an analysis finds in a conversation, computed deterministically.
//!
//! When Insights analyses a conversation it runs *annotators* over the transcript and stores
//! what they found in the analysis' `CallAnalysisMetadata`. Most of Google's annotators are
//! machine-learning models (sentiment, entities, intents, summaries); the emulator does not
//! pretend to have those. Two are rules a test can reason about, and those it runs here:
//!
//! - **Phrase matchers**: a location's `PhraseMatcher`s are boolean queries over the
//!   transcript's text. A matcher holds groups of rules; a rule is a query (a word or phrase);
//!   the matcher and each group say whether all or any of their parts must match. A matcher that
//!   matches is listed in `phrase_matchers`, and the segments it matched on get a `CallAnnotation`.
//! - **Silence**: how much of the call nobody spoke, from the words' time offsets.
//!
//! Both are pure functions of the conversation and the matchers: no I/O, no store, no clock, so
//! an analysis of the same conversation always yields the same metadata.
//!
//! # The rules
//!
//! Google documents what the fields mean, not how matching works in detail; where it is silent,
//! these are the emulator's rules.
//!
//! **Which annotators run.** Without an `AnnotatorSelector`, both. With one, its
//! `run_phrase_matcher_annotator` and `run_silence_annotator` decide; the other flags name
//! machine-learning annotators and are ignored.
//!
//! **Which matchers.** The active ones (`active == true`). A selector's non-empty
//! `phrase_matchers` list narrows them to those resource names; an inactive matcher never runs,
//! even when named. Matchers run in name order; names are unique in a location, and should a
//! caller pass one twice, the first is used.
//!
//! **Which segments.** The matcher's `role_match` limits the segments it considers, by the
//! segment participant's role: `HUMAN_AGENT`, `AUTOMATED_AGENT` and `END_USER` consider that
//! role's segments; `ANY_AGENT` considers human and automated agents' (and segments labelled
//! `ANY_AGENT`); `ROLE_UNSPECIFIED` considers every segment. A segment without a participant has
//! the unspecified role.
//!
//! **A rule.** A rule matches a segment whose `text` contains its `query` (surrounding whitespace
//! trimmed) on word boundaries: the characters on either side of the occurrence are not
//! alphanumeric, or are the text's ends. So `bill` matches "my bill, please" but not "billing";
//! a multi-word query matches as a phrase, its spacing as written. Matching ignores case (the
//! Unicode lowercase of each character) unless the rule's `exact_match_config.case_sensitive` is
//! set. An empty query matches nothing, negated or not. A `negated` rule matches a segment that
//! does *not* contain its query.
//!
//! **Groups and matchers.** A group of type `ALL_OF` matches when each of its rules matches
//! some considered segment (not necessarily the same one); `ANY_OF` when at least one rule does.
//! A matcher combines its groups the same way by its own `type`. An unspecified (or unknown)
//! type counts as `ALL_OF`, the stricter reading. A group without rules, and a matcher without
//! groups, match nothing.
//!
//! **Annotations.** A matcher that matches is listed in `phrase_matchers`, keyed by its resource
//! name. Each segment on which one of its non-negated rules, in a group that matched, found its
//! query gets one `CallAnnotation` for that matcher (one, however many rules matched there): the
//! segment's `channel_tag`, and start and end boundaries whose `transcript_index` is the
//! segment's index and whose `word_index` is the first and last word of the segment's first
//! match (the earliest in the text; on a tie, the first rule). Negated rules annotate nothing:
//! what they matched is an absence. Annotations come ordered by segment, then by matcher name.
//!
//! **Word indexes.** The match is mapped to the segment's `words` by comparing tokens: the
//! whitespace-separated tokens of the text that the match touches, and the words, each
//! normalised (trimmed of leading and trailing non-alphanumeric characters, lowercased unless the
//! rule is case-sensitive; tokens left empty, such as a lone dash, are skipped). The words at the
//! match's token position are used if they are those tokens, else the first run of words that
//! is; without one (no words, or words that do not line up with the text), both indexes are 0.
//!
//! **Silence.** A segment spans its first word's `start_offset` to its last word's `end_offset`;
//! a segment without words, or without those two offsets, covers nothing. The silence is the
//! time within `[0, duration]` that no segment covers (overlapping segments are merged, and
//! spans are clipped to the conversation), and its percentage is silence / duration × 100. It is
//! reported only when `conversation.duration` is positive and at least one segment has word
//! times; otherwise `silence` is left unset rather than guessed.
//!
//! # Bounds
//!
//! The work is bounded by what the transcript parser admits: each rule scans each considered
//! segment's text once, and each annotation scans that segment's words. Nothing recurses, no
//! index that data controls is used unchecked, and time arithmetic is in `i128` nanoseconds,
//! which no pair of `i64` seconds and `i32` nanoseconds can overflow.

use std::collections::BTreeMap;
use std::ops::Range;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    analysis_result::CallAnalysisMetadata,
    annotation_boundary::DetailedBoundary,
    call_annotation::Data,
    conversation::transcript::{transcript_segment::WordInfo, TranscriptSegment},
    conversation_participant::Role,
    phrase_match_rule_config::Config,
    phrase_match_rule_group::PhraseMatchRuleGroupType,
    phrase_matcher::PhraseMatcherType,
    AnnotationBoundary, AnnotatorSelector, CallAnnotation, Conversation, ConversationLevelSilence,
    PhraseMatchData, PhraseMatchRule, PhraseMatchRuleGroup, PhraseMatcher,
};

#[cfg(test)]
#[path = "annotate_tests.rs"]
mod tests;

/// Nanoseconds in a second, for the `i128` time arithmetic.
const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// Runs the deterministic annotators on `conversation`: the phrase matchers (of `matchers`,
/// the location's) and silence, as `selector` says.
pub(crate) fn annotate(
    conversation: &Conversation,
    matchers: &[PhraseMatcher],
    selector: Option<&AnnotatorSelector>,
) -> CallAnalysisMetadata {
    let (run_phrases, run_silence) = selector.map_or((true, true), |s| {
        (s.run_phrase_matcher_annotator, s.run_silence_annotator)
    });
    let mut metadata = CallAnalysisMetadata::default();
    if run_phrases {
        let segments = conversation
            .transcript
            .as_ref()
            .map_or(&[][..], |t| t.transcript_segments.as_slice());
        let named = selector.map_or(&[][..], |s| s.phrase_matchers.as_slice());
        let (annotations, matched) = match_phrases(segments, &selected_matchers(matchers, named));
        metadata.annotations = annotations;
        metadata.phrase_matchers = matched
            .into_iter()
            .map(|data| (data.phrase_matcher.clone(), data))
            .collect();
    }
    if run_silence {
        metadata.silence = silence(conversation);
    }
    metadata
}

/// The matchers that run: the active ones, narrowed to `named` unless it is empty, in name
/// order, each name once.
pub(crate) fn selected_matchers<'a>(
    matchers: &'a [PhraseMatcher],
    named: &[String],
) -> Vec<&'a PhraseMatcher> {
    let mut selected: Vec<&PhraseMatcher> = matchers
        .iter()
        .filter(|m| m.active && (named.is_empty() || named.contains(&m.name)))
        .collect();
    // Stable, so that of two matchers with one name the caller's first survives `dedup_by`.
    selected.sort_by(|a, b| a.name.cmp(&b.name));
    selected.dedup_by(|later, earlier| later.name == earlier.name);
    selected
}

/// A transcript segment prepared once for every rule that scans it.
struct Prepared<'a> {
    /// The segment's index in the transcript.
    index: usize,
    /// The segment itself.
    segment: &'a TranscriptSegment,
    /// Its participant's raw role (`ROLE_UNSPECIFIED` without a participant).
    role: i32,
    /// Its text, case-folded, for the case-insensitive rules.
    folded: Folded,
}

/// Where one non-negated rule found its query: what an annotation is made from.
#[derive(Clone)]
struct Hit {
    /// The segment's index in the transcript.
    segment: usize,
    /// The occurrence's byte range in the segment's original text.
    range: Range<usize>,
    /// Whether the rule was case-sensitive, which decides how words are compared.
    case_sensitive: bool,
}

/// Runs `matchers` (already selected and in name order) over `segments`: the annotations in
/// output order, and the data of each matcher that matched.
fn match_phrases(
    segments: &[TranscriptSegment],
    matchers: &[&PhraseMatcher],
) -> (Vec<CallAnnotation>, Vec<PhraseMatchData>) {
    if matchers.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let prepared: Vec<Prepared> = segments
        .iter()
        .enumerate()
        .map(|(index, segment)| Prepared {
            index,
            segment,
            role: segment.segment_participant.as_ref().map_or(0, |p| p.role),
            folded: Folded::new(&segment.text),
        })
        .collect();
    let mut annotations: Vec<(usize, CallAnnotation)> = Vec::new();
    let mut matched = Vec::new();
    for matcher in matchers {
        let considered: Vec<&Prepared> = prepared
            .iter()
            .filter(|s| role_matches(matcher.role_match, s.role))
            .collect();
        let Some(hits) = run_matcher(matcher, &considered) else {
            continue;
        };
        let data = PhraseMatchData {
            phrase_matcher: matcher.name.clone(),
            display_name: matcher.display_name.clone(),
        };
        // One annotation per segment: its earliest hit, the first rule's on a tie.
        let mut first: BTreeMap<usize, Hit> = BTreeMap::new();
        for hit in hits {
            match first.get(&hit.segment) {
                Some(best) if best.range.start <= hit.range.start => {}
                _ => {
                    first.insert(hit.segment, hit);
                }
            }
        }
        for (index, hit) in first {
            if let Some(segment) = segments.get(index) {
                annotations.push((index, annotation(&data, index, segment, &hit)));
            }
        }
        matched.push(data);
    }
    // Matchers ran in name order, so a stable sort by segment yields (segment, matcher name).
    annotations.sort_by_key(|(index, _)| *index);
    (annotations.into_iter().map(|(_, a)| a).collect(), matched)
}

/// Whether a matcher with `role_match` considers a segment whose participant has `role`.
pub(crate) fn role_matches(role_match: i32, role: i32) -> bool {
    match Role::try_from(role_match) {
        Ok(Role::Unspecified) => true,
        Ok(Role::AnyAgent) => [Role::HumanAgent, Role::AutomatedAgent, Role::AnyAgent]
            .iter()
            .any(|agent| *agent as i32 == role),
        // A specific role, or one this schema does not know: that role's segments only.
        _ => role_match == role,
    }
}

/// The hits of a matcher over its considered segments, or `None` if it does not match.
fn run_matcher(matcher: &PhraseMatcher, considered: &[&Prepared]) -> Option<Vec<Hit>> {
    // ALL_OF, unspecified and unknown types all read as ALL_OF.
    let any_of = PhraseMatcherType::try_from(matcher.r#type) == Ok(PhraseMatcherType::AnyOf);
    combine(
        any_of,
        matcher
            .phrase_match_rule_groups
            .iter()
            .map(|group| run_group(group, considered)),
    )
}

/// The hits of a group's non-negated rules, or `None` if the group does not match.
fn run_group(group: &PhraseMatchRuleGroup, considered: &[&Prepared]) -> Option<Vec<Hit>> {
    // ALL_OF, unspecified and unknown types all read as ALL_OF.
    let any_of =
        PhraseMatchRuleGroupType::try_from(group.r#type) == Ok(PhraseMatchRuleGroupType::AnyOf);
    combine(
        any_of,
        group
            .phrase_match_rules
            .iter()
            .map(|rule| run_rule(rule, considered)),
    )
}

/// Combines parts' outcomes (`None`: that part did not match) as ALL_OF or ANY_OF, keeping
/// the matched parts' hits in order. Without parts, nothing matches.
fn combine(any_of: bool, parts: impl Iterator<Item = Option<Vec<Hit>>>) -> Option<Vec<Hit>> {
    let mut hits = Vec::new();
    let mut any = false;
    for part in parts {
        match part {
            Some(part_hits) => {
                any = true;
                hits.extend(part_hits);
            }
            // ALL_OF fails on its first unmatched part; the rest need not run.
            None if !any_of => return None,
            None => {}
        }
    }
    any.then_some(hits)
}

/// A rule's hits over the considered segments, or `None` if it matches none. A negated rule
/// matches with no hits: it stands for an absence, which has no words to point at.
fn run_rule(rule: &PhraseMatchRule, considered: &[&Prepared]) -> Option<Vec<Hit>> {
    let query = rule.query.trim();
    if query.is_empty() {
        return None;
    }
    let case_sensitive = is_case_sensitive(rule);
    // The query is folded once; each segment's text was folded once, for every rule.
    let folded_query = (!case_sensitive).then(|| Folded::new(query).text);
    let find =
        |s: &Prepared| find_query(&s.segment.text, &s.folded, query, folded_query.as_deref());
    if rule.negated {
        return considered.iter().any(|s| find(s).is_none()).then(Vec::new);
    }
    let hits: Vec<Hit> = considered
        .iter()
        .filter_map(|s| {
            find(s).map(|range| Hit {
                segment: s.index,
                range,
                case_sensitive,
            })
        })
        .collect();
    (!hits.is_empty()).then_some(hits)
}

/// Whether a rule asks for case-sensitive matching.
fn is_case_sensitive(rule: &PhraseMatchRule) -> bool {
    match rule.config.as_ref().and_then(|c| c.config.as_ref()) {
        Some(Config::ExactMatchConfig(exact)) => exact.case_sensitive,
        None => false,
    }
}

/// The first occurrence of `query` in `text` on word boundaries, as a byte range of `text`:
/// one rule on one segment, for tests (the annotator folds each text once, for every rule).
#[cfg(test)]
pub(crate) fn find_phrase(text: &str, query: &str, case_sensitive: bool) -> Option<Range<usize>> {
    let query = query.trim();
    let folded_query = (!case_sensitive).then(|| Folded::new(query).text);
    find_query(text, &Folded::new(text), query, folded_query.as_deref())
}

/// The first occurrence of a (trimmed) query in `text` on word boundaries: of `query` itself
/// when `folded_query` is `None` (case-sensitive), else of `folded_query` in `folded`, `text`'s
/// folding.
fn find_query(
    text: &str,
    folded: &Folded,
    query: &str,
    folded_query: Option<&str>,
) -> Option<Range<usize>> {
    match folded_query {
        None => find_on_boundaries(text, text, query, Some),
        Some(q) => find_on_boundaries(text, &folded.text, q, |at| folded.to_original(at)),
    }
}

/// Searches `haystack` (the `original` text or its folding) for `needle`, accepting the first
/// occurrence that maps back to whole characters of `original` (through `to_original`) and
/// sits on word boundaries there. Returns its range in `original`.
fn find_on_boundaries(
    original: &str,
    haystack: &str,
    needle: &str,
    to_original: impl Fn(usize) -> Option<usize>,
) -> Option<Range<usize>> {
    if needle.is_empty() {
        return None;
    }
    let mut from = 0;
    while let Some(found) = haystack.get(from..)?.find(needle) {
        let start = from.checked_add(found)?;
        let end = start.checked_add(needle.len())?;
        if let (Some(s), Some(e)) = (to_original(start), to_original(end)) {
            if on_word_boundaries(original, s, e) {
                return Some(s..e);
            }
        }
        // Step one character, not past the occurrence: an overlapping one may be on boundaries
        // where this one was not ("a.a" in "ba.a.a").
        from = start.checked_add(haystack.get(start..)?.chars().next()?.len_utf8())?;
    }
    None
}

/// Whether `text[start..end]` has no alphanumeric character right before or right after it.
fn on_word_boundaries(text: &str, start: usize, end: usize) -> bool {
    let before = text.get(..start).map(|t| t.chars().next_back());
    let after = text.get(end..).map(|t| t.chars().next());
    match (before, after) {
        (Some(before), Some(after)) => {
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        }
        // Not on character boundaries: not an occurrence at all.
        _ => false,
    }
}

/// A text lowercased character by character, with the way back to the original's offsets.
///
/// Lowercasing can change a character's length in bytes (and `İ` becomes two characters), so an
/// occurrence in the folded text is mapped back before its boundaries are checked; one that
/// starts or ends inside a character's folding is not an occurrence of the original.
struct Folded {
    /// The lowercased text.
    text: String,
    /// For each original character, and the end: (offset in `text`, offset in the original),
    /// increasing in both.
    offsets: Vec<(usize, usize)>,
}

impl Folded {
    /// Folds `original`.
    fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut offsets = Vec::with_capacity(original.len().saturating_add(1));
        for (at, c) in original.char_indices() {
            offsets.push((text.len(), at));
            text.extend(c.to_lowercase());
        }
        offsets.push((text.len(), original.len()));
        Folded { text, offsets }
    }

    /// The original offset of folded offset `at`, if `at` starts a character's folding (or is
    /// the end).
    fn to_original(&self, at: usize) -> Option<usize> {
        let i = self.offsets.binary_search_by_key(&at, |&(f, _)| f).ok()?;
        self.offsets.get(i).map(|&(_, o)| o)
    }
}

/// Builds the annotation of matcher `data` on segment `index`, spanning `hit`'s words.
fn annotation(
    data: &PhraseMatchData,
    index: usize,
    segment: &TranscriptSegment,
    hit: &Hit,
) -> CallAnnotation {
    let (first, last) = word_span(
        &segment.text,
        &hit.range,
        &segment.words,
        hit.case_sensitive,
    );
    CallAnnotation {
        channel_tag: segment.channel_tag,
        annotation_start_boundary: Some(boundary(index, first)),
        annotation_end_boundary: Some(boundary(index, last)),
        data: Some(Data::PhraseMatchData(data.clone())),
    }
}

/// An annotation boundary at word `word` of segment `index`.
fn boundary(index: usize, word: usize) -> AnnotationBoundary {
    AnnotationBoundary {
        // Indexes are bounded by the parser far below i32::MAX; saturate rather than wrap.
        transcript_index: i32::try_from(index).unwrap_or(i32::MAX),
        detailed_boundary: Some(DetailedBoundary::WordIndex(
            i32::try_from(word).unwrap_or(i32::MAX),
        )),
    }
}

/// The indexes of the first and last of `words` that the occurrence `matched` (a byte range of
/// `text`) covers, or (0, 0) where the words do not line up with the text (see the module docs).
pub(crate) fn word_span(
    text: &str,
    matched: &Range<usize>,
    words: &[WordInfo],
    case_sensitive: bool,
) -> (usize, usize) {
    let tokens: Vec<(Range<usize>, String)> = text_tokens(text)
        .into_iter()
        .filter_map(|range| {
            let token = normalise(text.get(range.clone())?, case_sensitive);
            (!token.is_empty()).then_some((range, token))
        })
        .collect();
    // Tokens are in order and disjoint: those the match touches are a run from the first.
    let Some(position) = tokens
        .iter()
        .position(|(r, _)| r.end > matched.start && r.start < matched.end)
    else {
        return (0, 0);
    };
    let wanted: Vec<&str> = tokens
        .iter()
        .skip(position)
        .take_while(|(r, _)| r.start < matched.end)
        .map(|(_, t)| t.as_str())
        .collect();
    let words: Vec<(usize, String)> = words
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            let word = normalise(&w.word, case_sensitive);
            (!word.is_empty()).then_some((i, word))
        })
        .collect();
    let run_at = |i: usize| -> Option<(usize, usize)> {
        let run = words.get(i..i.checked_add(wanted.len())?)?;
        let same = run
            .iter()
            .map(|(_, w)| w.as_str())
            .eq(wanted.iter().copied());
        same.then_some((run.first()?.0, run.last()?.0))
    };
    run_at(position)
        .or_else(|| (0..words.len()).find_map(run_at))
        .unwrap_or((0, 0))
}

/// The byte ranges of `text`'s whitespace-separated tokens.
fn text_tokens(text: &str) -> Vec<Range<usize>> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                tokens.push(s..at);
            }
        } else if start.is_none() {
            start = Some(at);
        }
    }
    if let Some(s) = start {
        tokens.push(s..text.len());
    }
    tokens
}

/// A token as words are compared: trimmed of non-alphanumeric ends, lowercased unless
/// `case_sensitive`.
fn normalise(token: &str, case_sensitive: bool) -> String {
    let trimmed = token.trim_matches(|c: char| !c.is_alphanumeric());
    if case_sensitive {
        trimmed.to_owned()
    } else {
        // Per character, as the rule matching folds: `str::to_lowercase`'s final-sigma rule
        // would make the two disagree.
        trimmed.chars().flat_map(char::to_lowercase).collect()
    }
}

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
