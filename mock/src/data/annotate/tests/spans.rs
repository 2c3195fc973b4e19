//! Where annotations point (segments, words, order) and how much of a call is silent.

use super::*;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::conversation::transcript::transcript_segment::WordInfo;

#[test]
fn annotation_boundaries_point_at_the_matched_words() {
    let mut said = with_words(
        segment("Hello, I'd like to CANCEL my account.", Role::EndUser),
        &["Hello,", "I'd", "like", "to", "CANCEL", "my", "account."],
    );
    said.channel_tag = 2;
    let out = run(
        vec![segment("hi", Role::HumanAgent), said],
        &[single("cancel", rule("cancel my account"))],
    );
    assert_eq!(spans(&out), [(1, "cancel".to_owned(), 4, 6, 2)]);
}

#[test]
fn word_indexes_are_zero_without_words_that_line_up() {
    let bare = segment("please cancel my account", Role::EndUser);
    let other = with_words(bare.clone(), &["entirely", "different", "words"]);
    let out = run(vec![bare, other], &[single("c", rule("my account"))]);
    assert_eq!(
        spans(&out),
        [(0, "c".to_owned(), 0, 0, 0), (1, "c".to_owned(), 0, 0, 0)]
    );
    // Words that do not sit at the match's position are found where they are; a lone dash in
    // the text is no token.
    let range = find_phrase("well - refund it", "refund it", false).unwrap_or(0..0);
    let words = with_words(bare_words(), &["um", "well", "refund", "it"]).words;
    assert_eq!(word_span("well - refund it", &range, &words, false), (2, 3));
    let words = with_words(bare_words(), &["well", "Refund", "it"]).words;
    assert_eq!(word_span("well - refund it", &range, &words, true), (0, 0));
}

/// An empty segment, to hang words on.
fn bare_words() -> TranscriptSegment {
    TranscriptSegment::default()
}

#[test]
fn each_matcher_annotates_a_segment_once_at_its_first_match() {
    let said = with_words(
        segment("cancel my account", Role::EndUser),
        &["cancel", "my", "account"],
    );
    let both = single_group(
        vec![rule("account"), rule("cancel")],
        PhraseMatchRuleGroupType::AnyOf,
    );
    let out = run(vec![said], &[both]);
    assert_eq!(spans(&out), [(0, "m".to_owned(), 0, 0, 0)]);
}

#[test]
fn annotations_are_ordered_by_segment_then_matcher() {
    let out = run(
        vec![
            segment("refund", Role::EndUser),
            segment("refund", Role::EndUser),
        ],
        &[single("b", rule("refund")), single("a", rule("refund"))],
    );
    let order: Vec<(i32, String)> = spans(&out).into_iter().map(|s| (s.0, s.1)).collect();
    let expected = [(0, "a"), (0, "b"), (1, "a"), (1, "b")].map(|(i, m)| (i, m.to_owned()));
    assert_eq!(order, expected);
}

#[test]
fn silence_merges_overlaps_and_counts_gaps_at_both_ends() {
    // 10 s: speech 2–5 s and 4–6 s (overlapping), 7–8 s; a segment without words covers nothing.
    let talk = conversation(
        vec![
            timed(&[("one", 2000, 3000), ("two", 3000, 5000)]),
            timed(&[("three", 4000, 6000)]),
            segment("untimed", Role::EndUser),
            timed(&[("four", 7000, 8000)]),
        ],
        Some(10_000),
    );
    let got = silence(&talk);
    assert_eq!(got.and_then(|s| s.silence_duration), Some(ms(5000)));
    assert_eq!(got.map(|s| s.silence_percentage), Some(50.0));
}

#[test]
fn silence_clips_speech_to_the_conversation() {
    // Speech from before 0 to 1.5 s and from 9.5 s past the 10 s end: 8 s of silence.
    let talk = conversation(
        vec![
            timed(&[("early", -500, 1500)]),
            timed(&[("late", 9500, 12_000)]),
        ],
        Some(10_000),
    );
    let got = silence(&talk);
    assert_eq!(got.and_then(|s| s.silence_duration), Some(ms(8000)));
    assert_eq!(got.map(|s| s.silence_percentage), Some(80.0));
}

#[test]
fn no_silence_without_word_times_or_duration() {
    let untimed = with_words(segment("no times", Role::EndUser), &["no", "times"]);
    assert_eq!(silence(&conversation(vec![untimed], Some(10_000))), None);
    assert_eq!(silence(&conversation(vec![], Some(10_000))), None);
    let spoken = || vec![timed(&[("hi", 0, 1000)])];
    assert_eq!(silence(&conversation(spoken(), None)), None);
    assert_eq!(silence(&conversation(spoken(), Some(0))), None);
    assert!(silence(&conversation(spoken(), Some(2000))).is_some());
}

#[test]
fn extreme_durations_neither_overflow_nor_panic() {
    let extreme = |seconds, nanos| prost_types::Duration { seconds, nanos };
    let mut talk = conversation(
        vec![TranscriptSegment {
            words: vec![WordInfo {
                start_offset: Some(extreme(i64::MIN, i32::MIN)),
                end_offset: Some(extreme(i64::MAX, i32::MAX)),
                ..Default::default()
            }],
            ..Default::default()
        }],
        None,
    );
    talk.duration = Some(extreme(i64::MAX, i32::MAX));
    let got = silence(&talk);
    assert_eq!(got.map(|s| s.silence_percentage), Some(0.0));
    // Nobody speaks through a duration too long for a Duration's seconds: it saturates.
    if let Some(t) = talk.transcript.as_mut() {
        t.transcript_segments.clear();
        t.transcript_segments.push(timed(&[("x", 0, 0)]));
    }
    let got = silence(&talk).and_then(|s| s.silence_duration);
    assert_eq!(got, Some(extreme(i64::MAX, 999_999_999)));
}
