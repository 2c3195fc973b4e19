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
    analysis_result::CallAnalysisMetadata, annotation_boundary::DetailedBoundary,
    call_annotation::Data, conversation::transcript::TranscriptSegment,
    conversation_participant::Role, phrase_match_rule_config::Config,
    phrase_match_rule_group::PhraseMatchRuleGroupType, phrase_matcher::PhraseMatcherType,
    AnnotationBoundary, AnnotatorSelector, CallAnnotation, Conversation, PhraseMatchData,
    PhraseMatchRule, PhraseMatchRuleGroup, PhraseMatcher,
};

mod silence;
#[cfg(test)]
mod tests;
mod text;

pub(crate) use silence::silence;
#[cfg(test)]
pub(crate) use text::find_phrase;
use text::{find_query, word_span, Folded};

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
