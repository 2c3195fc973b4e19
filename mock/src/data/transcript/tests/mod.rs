//! Tests of the transcript parser: both formats' derived fields, and every refusal.

use super::*;
use serde_json::json;
use tonic::Code;

const URI: &str = "gs://bucket/t.json";

/// A context with distinct times, channels 1 (agent) and 2 (customer), and a language no
/// default would produce.
fn ctx() -> Context<'static> {
    Context {
        language_code: "fr-CA",
        agent_channel: 1,
        customer_channel: 2,
        start_time: None,
        create_time: Timestamp {
            seconds: 1_700_000_000,
            nanos: 0,
        },
    }
}

fn run(document: &Value, ctx: &Context<'_>) -> Result<Derived, Status> {
    parse(URI, document.to_string().as_bytes(), ctx)
}

fn ok(document: &Value) -> Derived {
    match run(document, &ctx()) {
        Ok(derived) => derived,
        Err(e) => panic!("{document}: {e:?}"),
    }
}

/// The error `bytes` gets; its code must be `code` and its message contain each of `parts`.
fn refused(bytes: &[u8], code: Code, parts: &[&str]) {
    let Err(e) = parse(URI, bytes, &ctx()) else {
        panic!("accepted {}", String::from_utf8_lossy(bytes));
    };
    assert_eq!(e.code(), code, "{}", e.message());
    for part in parts {
        assert!(
            e.message().contains(part),
            "{:?} lacks {part:?}",
            e.message()
        );
    }
}

fn texts(d: &Derived) -> Vec<&str> {
    let segments = &d.transcript.transcript_segments;
    segments.iter().map(|s| s.text.as_str()).collect()
}

fn roles(d: &Derived) -> Vec<Role> {
    let segments = &d.transcript.transcript_segments;
    segments
        .iter()
        .map(|s| {
            s.segment_participant
                .as_ref()
                .map_or(Role::Unspecified, |p| p.role())
        })
        .collect()
}

fn ts(seconds: i64, nanos: i32) -> Timestamp {
    Timestamp { seconds, nanos }
}

fn dur(seconds: i64, nanos: i32) -> Duration {
    Duration { seconds, nanos }
}

fn entry(text: &str, role: &str, user_id: Value, usec: Value) -> Value {
    json!({"text": text, "role": role, "user_id": user_id, "start_timestamp_usec": usec})
}

#[test]
fn chat_maps_roles_and_user_ids() {
    let d = ok(
        &json!({"conversation_info": {"categories": [{"display_name": "x"}]}, "entries": [
            entry(" hi ", "AGENT", json!(7), json!(1_000_000)),
            entry("bot", "AUTOMATED_AGENT", json!("8"), json!(2_000_000)),
            entry("me", "CUSTOMER", json!(9), json!("3000000")),
            entry("also me", "END_USER", json!(-10), json!(4_000_000)),
        ]}),
    );
    assert_eq!(d.format, Format::Chat);
    assert_eq!(texts(&d), ["hi", "bot", "me", "also me"]);
    assert_eq!(
        roles(&d),
        [
            Role::HumanAgent,
            Role::AutomatedAgent,
            Role::EndUser,
            Role::EndUser
        ]
    );
    let ids: Vec<_> = d
        .transcript
        .transcript_segments
        .iter()
        .map(|s| {
            s.segment_participant
                .as_ref()
                .and_then(|p| p.participant.clone())
        })
        .collect();
    let user = |id: &str| Some(Participant::UserId(id.to_owned()));
    assert_eq!(ids, [user("7"), user("8"), user("9"), user("-10")]);
    let first = &d.transcript.transcript_segments[0];
    assert_eq!(
        (first.confidence, first.channel_tag, first.words.len()),
        (0.0, 0, 0)
    );
}

#[test]
fn chat_sorts_entries_and_derives_duration_and_start() {
    let d = ok(&json!({"entries": [
        entry("third", "AGENT", Value::Null, json!(5_250_000)),
        entry("first", "CUSTOMER", Value::Null, json!(1_000_000)),
        entry("second", "AGENT", Value::Null, json!(3_000_000)),
        entry("also second", "CUSTOMER", Value::Null, json!(3_000_000)),
        {"role": "AGENT", "start_timestamp_usec": 4_000_000},
    ]}));
    assert_eq!(texts(&d), ["first", "second", "also second", "", "third"]);
    assert_eq!(d.turn_count, 5);
    assert_eq!(d.duration, dur(4, 250_000_000));
    assert_eq!(d.start_time, ts(1, 0));
    let times: Vec<_> = d
        .transcript
        .transcript_segments
        .iter()
        .map(|s| s.message_time)
        .collect();
    assert_eq!(times[0], Some(ts(1, 0)));
    assert_eq!(times[4], Some(ts(5, 250_000_000)));
    assert!(d.transcript.transcript_segments[3]
        .segment_participant
        .as_ref()
        .is_some_and(|p| p.participant.is_none()));

    // The request's start time wins; no entries start at the create time, lasting nothing.
    let mut with_start = ctx();
    with_start.start_time = Some(ts(42, 0));
    let one = json!({"entries": [entry("a", "AGENT", json!(1), json!(9_000_000))]});
    let d = run(&one, &with_start).map_err(|e| e.to_string());
    assert_eq!(
        d.as_ref().map(|d| (d.start_time, d.duration)),
        Ok((ts(42, 0), dur(0, 0)))
    );
    let empty = ok(&json!({"entries": []}));
    assert_eq!(
        (empty.turn_count, empty.start_time, empty.duration),
        (0, ctx().create_time, dur(0, 0))
    );
}

/// Two channels, both offset spellings, a result without alternatives, out of order.
fn voice_document() -> Value {
    json!({"results": [
        {"alternatives": [{"transcript": " how can I help ", "confidence": 0.5, "words": [
            {"word": "how", "startTime": "4.500s", "endTime": "5s"},
            {"word": "help", "start_time": "5s", "end_time": "6.25s", "confidence": 0.75},
        ]}], "channel_tag": 1, "languageCode": "en-us", "result_end_time": "6.300s"},
        {"alternatives": [{"transcript": "hello", "confidence": 0.9, "words": [
            {"word": "hello", "startOffset": "1.000000001s", "endOffset": "2s"},
        ]}], "channelTag": 2, "resultEndOffset": "2.1s"},
        {"alternatives": [], "channelTag": 1, "resultEndOffset": "9s"},
        {"channelTag": 1, "resultEndOffset": "3s"},
        {"alternatives": [{"transcript": "noise"}], "channelTag": 3, "resultEndOffset": "3.5s"},
    ]})
}

#[test]
fn voice_maps_channels_offsets_and_times() {
    let d = ok(&voice_document());
    assert_eq!(d.format, Format::Voice);
    assert_eq!(texts(&d), ["hello", "noise", "how can I help"]);
    assert_eq!(d.turn_count, 3);
    assert_eq!(
        roles(&d),
        [Role::EndUser, Role::Unspecified, Role::HumanAgent]
    );
    let segments = &d.transcript.transcript_segments;
    assert_eq!(
        segments.iter().map(|s| s.channel_tag).collect::<Vec<_>>(),
        [2, 3, 1]
    );
    assert_eq!((segments[0].confidence, segments[2].confidence), (0.9, 0.5));
    assert!(segments.iter().all(|s| s
        .segment_participant
        .as_ref()
        .is_some_and(|p| p.participant.is_none())));

    let help = &segments[2].words[1];
    assert_eq!(help.word, "help");
    assert_eq!(
        (help.start_offset, help.end_offset),
        (Some(dur(5, 0)), Some(dur(6, 250_000_000)))
    );
    assert_eq!(help.confidence, 0.75);
    assert_eq!(segments[0].words[0].start_offset, Some(dur(1, 1)));

    // Without a request start time, the create time plus the first word's start.
    assert_eq!(d.start_time, ctx().create_time);
    assert_eq!(segments[0].message_time, Some(ts(1_700_000_001, 1)));
    assert_eq!(
        segments[2].message_time,
        Some(ts(1_700_000_004, 500_000_000))
    );
    assert_eq!(segments[1].message_time, None);
    // The skipped result's end (9s) is the largest end.
    assert_eq!(d.duration, dur(9, 0));

    let mut with_start = ctx();
    with_start.start_time = Some(ts(100, 999_999_999));
    let d = run(&voice_document(), &with_start).map_err(|e| e.to_string());
    let d = d.as_ref().map(|d| {
        (
            d.start_time,
            d.transcript.transcript_segments[0].message_time,
        )
    });
    assert_eq!(d, Ok((ts(100, 999_999_999), Some(ts(102, 0)))));
}

#[test]
fn voice_sorts_by_first_word_else_end_and_lasts_to_the_largest_end() {
    // By result end the order would be wordless, late, long.
    let d = ok(&json!({"results": [
        {"alternatives": [{"transcript": "late", "words": [
            {"startOffset": "5s", "endOffset": "12.5s"},
        ]}], "resultEndOffset": "6s"},
        {"alternatives": [{"transcript": "long", "words": [
            {"startOffset": "1s", "endOffset": "8s"},
        ]}], "resultEndOffset": "8s"},
        {"alternatives": [{"transcript": "wordless", "words": []}], "resultEndOffset": "4s"},
    ]}));
    assert_eq!(texts(&d), ["long", "wordless", "late"]);
    // A word's end beyond every result's end counts.
    assert_eq!(d.duration, dur(12, 500_000_000));
}

#[test]
fn language_code_comes_from_the_context() {
    for d in [
        ok(&voice_document()),
        ok(&json!({"entries": [entry("a", "AGENT", json!(1), json!(1))]})),
    ] {
        assert!(d
            .transcript
            .transcript_segments
            .iter()
            .all(|s| s.language_code == "fr-CA"));
    }
}

#[test]
fn voice_channels_are_unspecified_when_the_context_sets_none() {
    let mut none = ctx();
    (none.agent_channel, none.customer_channel) = (0, 0);
    let d = run(&voice_document(), &none).map_err(|e| e.to_string());
    assert_eq!(d.as_ref().map(roles), Ok(vec![Role::Unspecified; 3]));
}

#[test]
fn durations_parse_exactly() {
    assert_eq!(duration("3s"), Some(dur(3, 0)));
    assert_eq!(duration("1.500s"), Some(dur(1, 500_000_000)));
    assert_eq!(duration("0.000000001s"), Some(dur(0, 1)));
    assert_eq!(duration("315576000000s"), Some(dur(315_576_000_000, 0)));
    for bad in [
        "-1s",
        "1.s",
        ".5s",
        "1.1234567890s",
        "1",
        "s",
        "1.5",
        "1,5s",
        "+1s",
        " 1s",
        "315576000001s",
        "99999999999999999999s",
    ] {
        assert_eq!(duration(bad), None, "{bad}");
    }
}

mod refusals;
