//! The filter language's tests: every operator on every kind of field, precedence, presence,
//! maps and repeated fields (refusals and bounds are in `bounds_tests.rs`).
use std::collections::HashMap;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::conversation::{
    quality_metadata::AgentInfo,
    transcript::{transcript_segment::DialogflowSegmentMetadata, TranscriptSegment},
    Medium, QualityMetadata, Transcript,
};
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{Analysis, Conversation};
use prost::Message as _;

use super::*;

pub(super) fn desc() -> MessageDescriptor {
    ccai_lro::registry::pool()
        .get_message_by_name("google.cloud.contactcenterinsights.v1.Conversation")
        .expect("Conversation is in the registry")
}

fn dynamic(conversation: &Conversation) -> DynamicMessage {
    DynamicMessage::decode(desc(), conversation.encode_to_vec().as_slice())
        .expect("a Conversation decodes")
}

fn timestamp(text: &str) -> prost_types::Timestamp {
    text.parse().expect("a valid timestamp")
}

/// A chat by agent a1 with labels, 7 turns, 20 s, started 2024-01-02, analyzed, two agents.
pub(super) fn chat() -> Conversation {
    Conversation {
        agent_id: "a1".into(),
        medium: Medium::Chat as i32,
        labels: HashMap::from([
            ("team".to_owned(), "blue".to_owned()),
            ("app.tier".to_owned(), "web".to_owned()),
        ]),
        turn_count: 7,
        duration: Some(prost_types::Duration {
            seconds: 20,
            nanos: 0,
        }),
        start_time: Some(timestamp("2024-01-02T00:00:00Z")),
        create_time: Some(timestamp("2024-01-03T12:00:00.5Z")),
        latest_analysis: Some(Analysis::default()),
        quality_metadata: Some(QualityMetadata {
            agent_info: vec![
                AgentInfo {
                    agent_id: "x1".into(),
                    ..Default::default()
                },
                AgentInfo {
                    agent_id: "x2".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }),
        transcript: Some(Transcript {
            transcript_segments: vec![TranscriptSegment {
                confidence: 0.1,
                dialogflow_segment_metadata: Some(DialogflowSegmentMetadata {
                    smart_reply_allowlist_covered: true,
                }),
                ..Default::default()
            }],
        }),
        ..Default::default()
    }
}

pub(super) fn passes(filter: &str, conversation: &Conversation) -> bool {
    match Filter::parse(filter, &desc()) {
        Ok(parsed) => parsed.matches(&dynamic(conversation)),
        Err(status) => panic!("{filter:?} did not parse: {}", status.message()),
    }
}

/// Asserts each filter holds on `chat()` (`true`) or not (`false`).
pub(super) fn check(cases: &[(&str, bool)]) {
    let chat = chat();
    for (filter, expected) in cases {
        assert_eq!(passes(filter, &chat), *expected, "{filter}");
    }
}

pub(super) fn error(filter: &str) -> String {
    match Filter::parse(filter, &desc()) {
        Ok(_) => panic!("{filter:?} parsed"),
        Err(status) => {
            assert_eq!(status.code(), tonic::Code::InvalidArgument, "{filter}");
            status.message().to_owned()
        }
    }
}

#[test]
fn empty_filter_matches_everything() {
    for text in ["", "   ", "\t\n "] {
        let filter = Filter::parse(text, &desc()).expect("empty parses");
        assert!(filter.is_empty());
        assert!(filter.matches(&dynamic(&Conversation::default())));
        assert!(filter.matches(&dynamic(&chat())));
    }
    let filter = Filter::parse("agent_id = a1", &desc()).expect("parses");
    assert!(!filter.is_empty());
}

#[test]
fn string_operators() {
    check(&[
        ("agent_id = \"a1\"", true),
        ("agent_id = 'a1'", true),
        ("agent_id = a1", true),
        ("agent_id=a1", true),
        ("agent_id = a2", false),
        ("agent_id = A1", false),
        ("agent_id != a2", true),
        ("agent_id != a1", false),
        ("agent_id < a2", true),
        ("agent_id < a1", false),
        ("agent_id <= a1", true),
        ("agent_id <= a0", false),
        ("agent_id > a0", true),
        ("agent_id > a1", false),
        ("agent_id >= a1", true),
        ("agent_id >= b", false),
        ("agent_id : a1", true),
        ("agent_id:a", false),
        ("agentId = a1", true),
        ("name = \"\"", true),
    ]);
    let quoted = Conversation {
        agent_id: r#"say "hi" \ 'bye'"#.into(),
        ..Default::default()
    };
    assert!(passes(r#"agent_id = "say \"hi\" \\ 'bye'""#, &quoted));
    assert!(passes(r#"agent_id = 'say "hi" \\ \'bye\''"#, &quoted));
}

#[test]
fn integer_operators() {
    check(&[
        ("turn_count = 7", true),
        ("turn_count = 8", false),
        ("turn_count != 8", true),
        ("turn_count != 7", false),
        ("turn_count < 8", true),
        ("turn_count < 7", false),
        ("turn_count <= 7", true),
        ("turn_count <= 6", false),
        ("turn_count > -1", true),
        ("turn_count > 7", false),
        ("turn_count >= 7", true),
        ("turn_count >= 99999999999999", false),
        ("turn_count:7", true),
        ("turnCount:6", false),
        ("turn_count = +7", true),
    ]);
    // Unset compares as 0.
    assert!(passes("turn_count = 0", &Conversation::default()));
}

#[test]
fn float_and_bool_through_repeated() {
    check(&[
        ("transcript.transcript_segments.confidence = 0.1", true),
        ("transcript.transcript_segments.confidence > 0.05", true),
        ("transcript.transcript_segments.confidence >= 1", false),
        ("transcript.transcript_segments.confidence < 1e-3", false),
        (
            "transcript.transcript_segments.dialogflow_segment_metadata.smart_reply_allowlist_covered = true",
            true,
        ),
        (
            "transcript.transcriptSegments.dialogflowSegmentMetadata.smartReplyAllowlistCovered = false",
            false,
        ),
    ]);
    let message = error("transcript.transcript_segments.dialogflow_segment_metadata.smart_reply_allowlist_covered = yes");
    assert!(
        message.contains("\"yes\" is not true or false"),
        "{message}"
    );
    assert!(message.ends_with("at position 92"), "{message}");
}

#[test]
fn enum_operators() {
    check(&[
        ("medium = CHAT", true),
        ("medium = \"CHAT\"", true),
        ("medium = PHONE_CALL", false),
        ("medium != PHONE_CALL", true),
        ("medium != CHAT", false),
        ("medium = 2", true),
        ("medium > PHONE_CALL", true),
        ("medium < CHAT", false),
        ("medium <= CHAT", true),
        ("medium >= 3", false),
        ("medium:CHAT", true),
    ]);
    assert!(passes(
        "medium = MEDIUM_UNSPECIFIED",
        &Conversation::default()
    ));
}

#[test]
fn timestamp_operators() {
    check(&[
        ("start_time = \"2024-01-02T00:00:00Z\"", true),
        ("start_time = 2024-01-02T00:00:00Z", true),
        ("start_time = 2024-01-02T01:00:00+01:00", true),
        ("start_time = 2024-01-02T00:00:01Z", false),
        ("start_time != 2024-01-02T00:00:01Z", true),
        ("start_time < 2024-01-02T00:00:00.000000001Z", true),
        ("start_time < 2024-01-02T00:00:00Z", false),
        ("start_time <= 2024-01-02T00:00:00Z", true),
        ("start_time > 2024-01-01T23:59:59Z", true),
        ("start_time > 2024-01-02T00:00:00Z", false),
        ("start_time >= 2024-01-03T00:00:00Z", false),
        ("create_time > 2024-01-03T12:00:00Z", true),
        ("create_time < 2024-01-03T12:00:00.6Z", true),
        ("startTime >= 2024-01-02T00:00:00Z", true),
        // Unset is the epoch.
        ("update_time = 1970-01-01T00:00:00Z", true),
        ("update_time > 1970-01-01T00:00:00Z", false),
    ]);
}

#[test]
fn duration_operators() {
    check(&[
        ("duration = 20s", true),
        ("duration = \"20s\"", true),
        ("duration = 20.000s", true),
        ("duration = 21s", false),
        ("duration != 21s", true),
        ("duration > 1.5s", true),
        ("duration > 20s", false),
        ("duration >= 20s", true),
        ("duration < 20.5s", true),
        ("duration <= 19.999999999s", false),
        ("duration > -1s", true),
    ]);
    assert!(passes("duration = 0s", &Conversation::default()));
    let message = error("duration > 20");
    assert!(message.contains("\"20\" is not a duration"), "{message}");
    assert!(message.ends_with("at position 12"), "{message}");
}

#[test]
fn labels() {
    check(&[
        ("labels.team = blue", true),
        ("labels.team = red", false),
        ("labels.team != red", true),
        ("labels.team != blue", false),
        ("labels.team < c", true),
        ("labels.team:*", true),
        ("labels.app.tier = web", true),
        // A missing key: `=` false, `!=` true, `:*` false.
        ("labels.nope = \"\"", false),
        ("labels.nope != x", true),
        ("labels.nope < z", false),
        ("labels.nope:*", false),
        ("labels:team", true),
        ("labels:\"app.tier\"", true),
        ("labels:nope", false),
        ("labels:*", true),
        ("NOT labels:nope", true),
    ]);
    assert!(!passes("labels:*", &Conversation::default()));
    // Map values that are messages: presence only.
    check(&[
        ("dialogflow_intents.i1:*", false),
        ("dialogflow_intents:i1", false),
    ]);
    let message = error("dialogflow_intents.i1 = x");
    assert!(
        message.contains("is a message (DialogflowIntent)"),
        "{message}"
    );
    let message = error("labels = blue");
    assert!(
        message.contains("map field \"labels\" takes only"),
        "{message}"
    );
    assert!(message.ends_with("at position 8"), "{message}");
}

#[test]
fn presence() {
    check(&[
        ("latest_analysis:*", true),
        ("latestAnalysis:*", true),
        ("agent_id:*", true),
        ("turn_count:*", true),
        ("quality_metadata:*", true),
        ("quality_metadata.agent_info:*", true),
        ("transcript.transcript_segments.message_time:*", false),
        ("latest_summary:*", false),
        ("dialogflow_intents:*", false),
    ]);
    let empty = Conversation::default();
    for filter in [
        "latest_analysis:*",
        "agent_id:*",
        "turn_count:*",
        "medium:*",
        "quality_metadata:*",
        "quality_metadata.agent_info:*",
    ] {
        assert!(!passes(filter, &empty), "{filter}");
    }
}

#[test]
fn any_element_of_repeated() {
    check(&[
        ("quality_metadata.agent_info.agent_id = \"x1\"", true),
        ("quality_metadata.agent_info.agent_id = x2", true),
        ("qualityMetadata.agentInfo.agentId = x2", true),
        ("quality_metadata.agent_info.agent_id = x3", false),
        // Any element differing from x1 (x2 does).
        ("quality_metadata.agent_info.agent_id != x1", true),
        ("NOT quality_metadata.agent_info.agent_id = x1", false),
        ("quality_metadata.agent_info.agent_id > x1", true),
        ("quality_metadata.agent_info.agent_id > x2", false),
        ("quality_metadata.agent_info.agent_id:*", true),
    ]);
    // No element: nothing to match, even the default.
    let empty = Conversation::default();
    assert!(!passes(
        "quality_metadata.agent_info.agent_id = \"\"",
        &empty
    ));
    assert!(!passes(
        "quality_metadata.agent_info.agent_id != x1",
        &empty
    ));
    // An unset singular message reads as its default.
    assert!(passes("quality_metadata.menu_path = \"\"", &empty));
}

#[test]
fn logic_and_precedence() {
    check(&[
        ("agent_id = a1 AND medium = CHAT", true),
        ("agent_id = a1 AND medium = PHONE_CALL", false),
        ("agent_id = a1 medium = CHAT", true),
        ("agent_id = a1 medium = PHONE_CALL", false),
        ("agent_id = zz OR medium = CHAT", true),
        ("agent_id = zz OR medium = PHONE_CALL", false),
        ("NOT agent_id = zz", true),
        ("NOT agent_id = a1", false),
        ("-agent_id = zz", true),
        ("-agent_id = a1", false),
        ("NOT NOT agent_id = a1", true),
        ("NOT(agent_id = a1)", false),
        ("-(agent_id = zz OR turn_count = 0)", true),
        ("(agent_id = zz OR turn_count = 7) AND medium = CHAT", true),
        ("((agent_id = a1))", true),
        // OR binds tighter than AND: zz AND (7 OR CHAT), which is false; the usual precedence
        // would read (zz AND 7) OR CHAT, which is true.
        ("agent_id = zz AND turn_count = 7 OR medium = CHAT", false),
        ("medium = CHAT OR agent_id = zz AND turn_count = 99", false),
        // Juxtaposition too: (CHAT OR zz) AND 99.
        ("medium = CHAT OR agent_id = zz turn_count = 99", false),
        ("(agent_id = zz AND turn_count = 7) OR medium = CHAT", true),
    ]);
    // Keywords are case-sensitive and whole words: `or` and `ORx` are field names.
    let message = error("agent_id = a1 or medium = CHAT");
    assert!(
        message.contains("unknown field \"or\" at position 15"),
        "{message}"
    );
    let message = error("agent_id = a1 ORx = 1");
    assert!(
        message.contains("unknown field \"ORx\" at position 15"),
        "{message}"
    );
}
