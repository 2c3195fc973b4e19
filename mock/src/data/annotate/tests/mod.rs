//! The annotators' rules, one test (or a few) per rule in the module docs.

use super::*;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::conversation::transcript::transcript_segment::WordInfo;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    conversation::Transcript, ConversationParticipant, ExactMatchConfig, PhraseMatchRuleConfig,
};

/// The resource-name prefix of the test location's phrase matchers.
const PREFIX: &str = "projects/p/locations/l/phraseMatchers/";

/// A segment with `text` spoken by `role`, without words.
fn segment(text: &str, role: Role) -> TranscriptSegment {
    TranscriptSegment {
        text: text.to_owned(),
        segment_participant: Some(ConversationParticipant {
            role: role as i32,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// `segment` with untimed words.
fn with_words(mut segment: TranscriptSegment, words: &[&str]) -> TranscriptSegment {
    segment.words = words
        .iter()
        .map(|w| WordInfo {
            word: (*w).to_owned(),
            ..Default::default()
        })
        .collect();
    segment
}

/// A duration of `ms` milliseconds.
fn ms(ms: i64) -> prost_types::Duration {
    prost_types::Duration {
        seconds: ms / 1000,
        nanos: i32::try_from(ms % 1000 * 1_000_000).unwrap_or_default(),
    }
}

/// A segment whose words are timed: each (word, start ms, end ms).
fn timed(words: &[(&str, i64, i64)]) -> TranscriptSegment {
    TranscriptSegment {
        text: words.iter().map(|w| w.0).collect::<Vec<_>>().join(" "),
        words: words
            .iter()
            .map(|&(word, start, end)| WordInfo {
                word: word.to_owned(),
                start_offset: Some(ms(start)),
                end_offset: Some(ms(end)),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// A conversation of `segments`, lasting `duration_ms` if given.
fn conversation(segments: Vec<TranscriptSegment>, duration_ms: Option<i64>) -> Conversation {
    Conversation {
        transcript: Some(Transcript {
            transcript_segments: segments,
        }),
        duration: duration_ms.map(ms),
        ..Default::default()
    }
}

/// A case-insensitive rule.
fn rule(query: &str) -> PhraseMatchRule {
    PhraseMatchRule {
        query: query.to_owned(),
        ..Default::default()
    }
}

/// A case-sensitive rule.
fn exact(query: &str) -> PhraseMatchRule {
    PhraseMatchRule {
        config: Some(PhraseMatchRuleConfig {
            config: Some(Config::ExactMatchConfig(ExactMatchConfig {
                case_sensitive: true,
            })),
        }),
        ..rule(query)
    }
}

/// A negated rule.
fn negated(query: &str) -> PhraseMatchRule {
    PhraseMatchRule {
        negated: true,
        ..rule(query)
    }
}

/// A rule group.
fn group(kind: PhraseMatchRuleGroupType, rules: Vec<PhraseMatchRule>) -> PhraseMatchRuleGroup {
    PhraseMatchRuleGroup {
        r#type: kind as i32,
        phrase_match_rules: rules,
    }
}

/// An active matcher `id` of `kind` over `groups`, for every role.
fn matcher(id: &str, kind: PhraseMatcherType, groups: Vec<PhraseMatchRuleGroup>) -> PhraseMatcher {
    PhraseMatcher {
        name: format!("{PREFIX}{id}"),
        display_name: format!("Display {id}"),
        r#type: kind as i32,
        active: true,
        phrase_match_rule_groups: groups,
        ..Default::default()
    }
}

/// An active matcher `id` with one rule.
fn single(id: &str, rule: PhraseMatchRule) -> PhraseMatcher {
    matcher(
        id,
        PhraseMatcherType::AllOf,
        vec![group(PhraseMatchRuleGroupType::AllOf, vec![rule])],
    )
}

/// `single` limited to `role`.
fn for_role(id: &str, query: &str, role: Role) -> PhraseMatcher {
    PhraseMatcher {
        role_match: role as i32,
        ..single(id, rule(query))
    }
}

/// The ids of the matchers that matched, sorted.
fn matched(metadata: &CallAnalysisMetadata) -> Vec<&str> {
    let mut ids: Vec<&str> = metadata
        .phrase_matchers
        .keys()
        .map(|k| k.strip_prefix(PREFIX).unwrap_or(k))
        .collect();
    ids.sort_unstable();
    ids
}

/// Each annotation as (segment index, matcher id, first word, last word, channel tag).
fn spans(metadata: &CallAnalysisMetadata) -> Vec<(i32, String, i32, i32, i32)> {
    let word = |b: &Option<AnnotationBoundary>| match b.and_then(|b| b.detailed_boundary) {
        Some(DetailedBoundary::WordIndex(i)) => i,
        None => -1,
    };
    metadata
        .annotations
        .iter()
        .map(|a| {
            let id = match &a.data {
                Some(Data::PhraseMatchData(d)) => d.phrase_matcher.replace(PREFIX, ""),
                _ => String::new(),
            };
            let index = a
                .annotation_start_boundary
                .map_or(-1, |b| b.transcript_index);
            let end_index = a.annotation_end_boundary.map_or(-1, |b| b.transcript_index);
            assert_eq!(index, end_index, "an annotation stays in its segment");
            (
                index,
                id,
                word(&a.annotation_start_boundary),
                word(&a.annotation_end_boundary),
                a.channel_tag,
            )
        })
        .collect()
}

/// Runs every annotator on `segments` (no duration) with `matchers`.
fn run(segments: Vec<TranscriptSegment>, matchers: &[PhraseMatcher]) -> CallAnalysisMetadata {
    annotate(&conversation(segments, None), matchers, None)
}

#[test]
fn matching_ignores_case_by_default() {
    let out = run(
        vec![segment("I want a REFUND, Été", Role::EndUser)],
        &[single("refund", rule("Refund")), single("ete", rule("été"))],
    );
    assert_eq!(matched(&out), ["ete", "refund"]);
    assert_eq!(
        out.phrase_matchers.get(&format!("{PREFIX}refund")),
        Some(&PhraseMatchData {
            phrase_matcher: format!("{PREFIX}refund"),
            display_name: "Display refund".to_owned(),
        })
    );
}

#[test]
fn a_case_sensitive_rule_needs_the_exact_case() {
    assert_eq!(find_phrase("a Refund now", "Refund", true), Some(2..8));
    assert_eq!(find_phrase("a refund now", "Refund", true), None);
    let out = run(
        vec![segment("a refund now", Role::EndUser)],
        &[
            single("exact", exact("Refund")),
            single("loose", rule("Refund")),
        ],
    );
    assert_eq!(matched(&out), ["loose"]);
}

#[test]
fn a_query_matches_on_word_boundaries_only() {
    assert_eq!(find_phrase("billing issue", "bill", false), None);
    assert_eq!(find_phrase("rebill me", "bill", false), None);
    assert_eq!(
        find_phrase("billing, then my bill, please", "bill", false),
        Some(17..21)
    );
    assert_eq!(find_phrase("Bill", "bill", false), Some(0..4));
    // An occurrence overlapping a rejected one is still found.
    assert_eq!(find_phrase("ba.a.a", "a.a", false), Some(3..6));
    // Folding "İ" gives "i" plus a combining dot; an "i" inside that folding is no occurrence,
    // and the range found is the original text's.
    assert_eq!(find_phrase("İ i", "i", false), Some(3..4));
    let out = run(
        vec![segment("a billing question", Role::EndUser)],
        &[single("bill", rule("bill"))],
    );
    assert!(matched(&out).is_empty(), "{out:?}");
}

#[test]
fn a_multi_word_query_matches_as_a_phrase() {
    let text = "Please cancel my account today";
    assert_eq!(find_phrase(text, "Cancel My Account", false), Some(7..24));
    assert_eq!(find_phrase(text, "cancel account", false), None);
    assert_eq!(
        find_phrase("cancel my accountant", "cancel my account", false),
        None
    );
}

#[test]
fn an_empty_query_matches_nothing() {
    assert_eq!(find_phrase("anything", "  ", false), None);
    let out = run(
        vec![segment("anything", Role::EndUser)],
        &[single("empty", rule(" ")), single("negated", negated(""))],
    );
    assert!(matched(&out).is_empty(), "{out:?}");
}

#[test]
fn a_negated_rule_matches_a_segment_without_the_query() {
    let refund_not_sorry = || {
        single_group(
            vec![rule("refund"), negated("sorry")],
            PhraseMatchRuleGroupType::AllOf,
        )
    };
    // Segment 0 lacks "sorry": the negated rule matches there.
    let out = run(
        vec![
            segment("refund please", Role::EndUser),
            segment("sorry about that", Role::HumanAgent),
        ],
        &[refund_not_sorry(), single("absent", negated("lawyer"))],
    );
    assert_eq!(matched(&out), ["absent", "m"]);
    // Only the non-negated rule annotates: an absence has no words.
    assert_eq!(spans(&out), [(0, "m".to_owned(), 0, 0, 0)]);
    // Every segment says "sorry": the negated rule, and so the group, match nothing.
    let out = run(
        vec![segment("sorry, refund done", Role::HumanAgent)],
        &[refund_not_sorry()],
    );
    assert!(matched(&out).is_empty(), "{out:?}");
}

/// Matcher "m" (ALL_OF) with one group of `kind` over `rules`.
fn single_group(rules: Vec<PhraseMatchRule>, kind: PhraseMatchRuleGroupType) -> PhraseMatcher {
    matcher("m", PhraseMatcherType::AllOf, vec![group(kind, rules)])
}

/// Four segments saying "refund": a human agent, an automated agent, an end user, nobody.
fn by_role() -> Vec<TranscriptSegment> {
    let mut nobody = segment("refund", Role::Unspecified);
    nobody.segment_participant = None;
    vec![
        segment("refund", Role::HumanAgent),
        segment("refund", Role::AutomatedAgent),
        segment("refund", Role::EndUser),
        nobody,
    ]
}

/// The segment indexes annotated for a "refund" matcher limited to `role`.
fn annotated_for(role: Role) -> Vec<i32> {
    let out = run(by_role(), &[for_role("r", "refund", role)]);
    spans(&out).into_iter().map(|s| s.0).collect()
}

#[test]
fn role_match_limits_the_segments_considered() {
    assert_eq!(annotated_for(Role::HumanAgent), [0]);
    assert_eq!(annotated_for(Role::AutomatedAgent), [1]);
    assert_eq!(annotated_for(Role::EndUser), [2]);
    assert_eq!(annotated_for(Role::AnyAgent), [0, 1]);
    assert_eq!(annotated_for(Role::Unspecified), [0, 1, 2, 3]);
    // The agent says "hello", not the user: a user-only matcher does not match.
    let out = run(
        vec![
            segment("hello", Role::HumanAgent),
            segment("hi", Role::EndUser),
        ],
        &[
            for_role("u", "hello", Role::EndUser),
            for_role("a", "hello", Role::AnyAgent),
        ],
    );
    assert_eq!(matched(&out), ["a"]);
}

#[test]
fn all_of_groups_need_every_rule_and_any_of_groups_one() {
    use PhraseMatchRuleGroupType::{AllOf, AnyOf, Unspecified};
    let matches = |kind, queries: &[&str]| {
        let rules = queries.iter().map(|q| rule(q)).collect();
        // The rules may match different segments.
        let segments = vec![
            segment("I need a refund", Role::EndUser),
            segment("get me a manager", Role::EndUser),
        ];
        !run(segments, &[single_group(rules, kind)])
            .phrase_matchers
            .is_empty()
    };
    assert!(matches(AllOf, &["refund", "manager"]));
    assert!(!matches(AllOf, &["refund", "lawyer"]));
    assert!(matches(AnyOf, &["lawyer", "refund"]));
    assert!(!matches(AnyOf, &["lawyer", "judge"]));
    // Unspecified reads as ALL_OF.
    assert!(matches(Unspecified, &["refund", "manager"]));
    assert!(!matches(Unspecified, &["refund", "lawyer"]));
    assert!(
        !matches(AnyOf, &[]),
        "a group without rules matches nothing"
    );
}

#[test]
fn all_of_matchers_need_every_group_and_any_of_matchers_one() {
    let groups = || {
        vec![
            group(PhraseMatchRuleGroupType::AllOf, vec![rule("lawyer")]),
            group(PhraseMatchRuleGroupType::AllOf, vec![rule("refund")]),
            group(PhraseMatchRuleGroupType::AllOf, vec![]),
        ]
    };
    let out = run(
        vec![segment("a refund", Role::EndUser)],
        &[
            matcher("all", PhraseMatcherType::AllOf, groups()),
            matcher("any", PhraseMatcherType::AnyOf, groups()),
            matcher("unspecified", PhraseMatcherType::Unspecified, groups()),
            matcher("none", PhraseMatcherType::AnyOf, vec![]),
        ],
    );
    assert_eq!(matched(&out), ["any"]);
    assert_eq!(spans(&out), [(0, "any".to_owned(), 0, 0, 0)]);
}

#[test]
fn an_inactive_matcher_never_runs_even_when_named() {
    let mut inactive = single("off", rule("refund"));
    inactive.active = false;
    let matchers = [inactive, single("on", rule("refund"))];
    let selector = AnnotatorSelector {
        run_phrase_matcher_annotator: true,
        phrase_matchers: vec![format!("{PREFIX}off")],
        ..Default::default()
    };
    let talk = conversation(vec![segment("refund", Role::EndUser)], None);
    let out = annotate(&talk, &matchers, Some(&selector));
    assert!(matched(&out).is_empty(), "{out:?}");
    assert!(out.annotations.is_empty());
    assert_eq!(matched(&annotate(&talk, &matchers, None)), ["on"]);
}

#[test]
fn a_selector_narrows_the_matchers_to_those_it_names() {
    let matchers = [single("a", rule("refund")), single("b", rule("refund"))];
    let selector = AnnotatorSelector {
        run_phrase_matcher_annotator: true,
        phrase_matchers: vec![format!("{PREFIX}b"), format!("{PREFIX}unknown")],
        ..Default::default()
    };
    let talk = conversation(vec![segment("refund", Role::EndUser)], None);
    let out = annotate(&talk, &matchers, Some(&selector));
    assert_eq!(matched(&out), ["b"]);
    assert_eq!(spans(&out), [(0, "b".to_owned(), 0, 0, 0)]);
}

#[test]
fn a_selector_chooses_the_annotators() {
    let talk = conversation(vec![timed(&[("refund", 1000, 2000)])], Some(4000));
    let matchers = [single("r", rule("refund"))];
    let silence_only = AnnotatorSelector {
        run_silence_annotator: true,
        ..Default::default()
    };
    let out = annotate(&talk, &matchers, Some(&silence_only));
    assert!(
        out.phrase_matchers.is_empty() && out.annotations.is_empty(),
        "{out:?}"
    );
    assert_eq!(out.silence.map(|s| s.silence_percentage), Some(75.0));
    let phrases_only = AnnotatorSelector {
        run_phrase_matcher_annotator: true,
        ..Default::default()
    };
    let out = annotate(&talk, &matchers, Some(&phrases_only));
    assert_eq!((matched(&out), out.silence), (vec!["r"], None));
    // Without a selector, both run.
    let out = annotate(&talk, &matchers, None);
    assert_eq!(matched(&out), ["r"]);
    assert!(out.silence.is_some());
}

mod spans;
