//! Update masks against AIP-134, AIP-161 and AIP-203, one rule a test.

use super::*;
use ccai_lro::registry::pool;

fn view(json: &str) -> DynamicMessage {
    let desc = pool()
        .get_message_by_name("google.cloud.contactcenterinsights.v1.PhraseMatcher")
        .expect("PhraseMatcher");
    let mut de = serde_json::Deserializer::from_str(json);
    DynamicMessage::deserialize(desc, &mut de).expect("json")
}

fn paths(p: &[&str]) -> Vec<String> {
    p.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn changes_only_the_masked_fields() {
    let mut stored = view(r#"{"displayName":"a","active":true,"roleMatch":"HUMAN_AGENT"}"#);
    let update = view(r#"{"displayName":"b","roleMatch":"END_USER"}"#);
    apply(
        &mut stored,
        &update,
        Some(&paths(&["display_name", "active"])),
        "update_mask",
        "phrase_matcher",
    )
    .expect("applies");
    assert_eq!(
        stored,
        view(r#"{"displayName":"b","roleMatch":"HUMAN_AGENT"}"#)
    );
}

#[test]
fn without_a_mask_sets_what_is_set_and_ignores_output_only() {
    let mut stored = view(r#"{"displayName":"a","active":true}"#);
    let update = view(r#"{"displayName":"b","updateTime":"2020-01-01T00:00:00Z"}"#);
    apply(&mut stored, &update, None, "update_mask", "m").expect("applies");
    assert_eq!(stored, view(r#"{"displayName":"b","active":true}"#));
}

#[test]
fn star_replaces_what_a_client_may_write() {
    let mut stored = view(r#"{"displayName":"a","active":true,"revisionId":"r1"}"#);
    let update = view(r#"{"displayName":"b"}"#);
    apply(
        &mut stored,
        &update,
        Some(&paths(&["*"])),
        "update_mask",
        "m",
    )
    .expect("applies");
    assert_eq!(stored, view(r#"{"displayName":"b","revisionId":"r1"}"#));
}

fn conversation(json: &str) -> DynamicMessage {
    let desc = pool()
        .get_message_by_name("google.cloud.contactcenterinsights.v1.Conversation")
        .expect("Conversation");
    let mut de = serde_json::Deserializer::from_str(json);
    DynamicMessage::deserialize(desc, &mut de).expect("json")
}

const NAME: &str = "projects/p/locations/l/conversations/c";

fn stored_conversation() -> DynamicMessage {
    conversation(&format!(
        r#"{{"name":"{NAME}","medium":"CHAT","agentId":"a",
            "dataSource":{{"gcsSource":{{"transcriptUri":"gs://b/t.json"}}}}}}"#
    ))
}

fn field_of(err: &Status) -> String {
    use ccai_lro::Detail;
    let status = ccai_lro::Status::from_tonic(err);
    let fields: Vec<String> = status
        .details()
        .iter()
        .filter_map(|d| match d {
            Detail::BadRequest(b) => Some(b.field_violations.iter().map(|v| v.field.clone())),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(fields.len(), 1, "one violation: {fields:?}");
    fields.concat()
}

/// AIP-203: "the service must ignore the value of an immutable field if it matches the
/// existing value" — the mask `field_mask(None, resource)` builds names `name` and every
/// other field set, immutable ones included.
#[test]
fn unchanged_immutable_fields_in_the_mask_are_ignored() {
    let mut stored = stored_conversation();
    let update = conversation(&format!(
        r#"{{"name":"{NAME}","medium":"CHAT","agentId":"b",
            "dataSource":{{"gcsSource":{{"transcriptUri":"gs://b/t.json"}}}}}}"#
    ));
    let mask = paths(&[
        "name",
        "medium",
        "agent_id",
        "data_source.gcs_source.transcript_uri",
    ]);
    apply(
        &mut stored,
        &update,
        Some(&mask),
        "update_mask",
        "conversation",
    )
    .expect("applies");
    let mut want = stored_conversation();
    want.set_field_by_name("agent_id", Value::String("b".into()));
    assert_eq!(stored, want);
}

/// AIP-203: "the service must error with INVALID_ARGUMENT" when a request asks to change an
/// immutable field: with a mask, `*`, or none, and at any depth.
#[test]
fn a_changed_immutable_field_is_refused_naming_it() {
    let cases: [(&str, Option<&[&str]>, &str); 5] = [
        (
            r#""medium":"PHONE_CALL""#,
            Some(&["medium"]),
            "conversation.medium",
        ),
        (r#""medium":"PHONE_CALL""#, None, "conversation.medium"),
        (
            r#""medium":"PHONE_CALL","dataSource":{"gcsSource":{"transcriptUri":"gs://b/t.json"}}"#,
            Some(&["*"]),
            "conversation.medium",
        ),
        (
            r#""dataSource":{"gcsSource":{"transcriptUri":"gs://b/other.json"}}"#,
            Some(&["data_source"]),
            "conversation.data_source.gcs_source.transcript_uri",
        ),
        (
            r#""dataSource":{"gcsSource":{"transcriptUri":"gs://b/other.json"}}"#,
            Some(&["data_source.gcs_source.transcript_uri"]),
            "conversation.data_source.gcs_source.transcript_uri",
        ),
    ];
    for (fields, mask, want) in cases {
        let mut stored = stored_conversation();
        let update = conversation(&format!(r#"{{"name":"{NAME}",{fields}}}"#));
        let mask = mask.map(paths);
        let err = apply(
            &mut stored,
            &update,
            mask.as_deref(),
            "update_mask",
            "conversation",
        )
        .expect_err("a change of an immutable field");
        assert_eq!(
            err.code(),
            tonic::Code::InvalidArgument,
            "{fields} {mask:?}"
        );
        assert_eq!(field_of(&err), want, "{fields} {mask:?}");
        assert_eq!(stored, stored_conversation(), "nothing applied");
    }
}

/// `*` replaces what a client may write, but an immutable field the request leaves unset
/// keeps its value rather than being cleared (the emulator's rule); a mutable message that
/// holds one is replaced whole, so clearing it would change the immutable field inside.
#[test]
fn star_keeps_immutable_fields_the_request_leaves_unset() {
    let mut stored = stored_conversation();
    let update = conversation(&format!(
        r#"{{"name":"{NAME}","agentId":"b",
            "dataSource":{{"gcsSource":{{"transcriptUri":"gs://b/t.json"}}}}}}"#
    ));
    apply(
        &mut stored,
        &update,
        Some(&paths(&["*"])),
        "update_mask",
        "conversation",
    )
    .expect("applies");
    let mut want = stored_conversation();
    want.set_field_by_name("agent_id", Value::String("b".into()));
    assert_eq!(stored, want, "medium kept, agent_id replaced");

    let mut stored = stored_conversation();
    let without_source = conversation(&format!(r#"{{"name":"{NAME}","agentId":"b"}}"#));
    let err = apply(
        &mut stored,
        &without_source,
        Some(&paths(&["*"])),
        "update_mask",
        "conversation",
    )
    .expect_err("clears the transcript URI");
    assert_eq!(
        field_of(&err),
        "conversation.data_source.gcs_source.transcript_uri"
    );
}

/// AIP-161: "output only fields ... must be ignored" when named in a mask; the value sent is
/// not applied, and the other paths are.
#[test]
fn output_only_paths_are_ignored() {
    let mut stored = view(r#"{"displayName":"a","revisionId":"r1"}"#);
    let update =
        view(r#"{"displayName":"b","revisionId":"r2","updateTime":"2020-01-01T00:00:00Z"}"#);
    let mask = paths(&[
        "revision_id",
        "update_time",
        "update_time.seconds",
        "display_name",
    ]);
    apply(
        &mut stored,
        &update,
        Some(&mask),
        "update_mask",
        "phrase_matcher",
    )
    .expect("applies");
    assert_eq!(stored, view(r#"{"displayName":"b","revisionId":"r1"}"#));
}

#[test]
fn refuses_unknown_paths_malformed_masks_and_too_many_paths() {
    let update = view("{}");
    for bad in [
        &["nope"][..],
        &["display_name.x"],
        &["update_time.nope"],
        &["phrase_match_rule_groups.type"],
        &["*", "active"],
    ] {
        let mut stored = view("{}");
        let err = apply(&mut stored, &update, Some(&paths(bad)), "update_mask", "m")
            .expect_err("refused");
        assert_eq!(err.code(), tonic::Code::InvalidArgument, "{bad:?}");
        assert_eq!(field_of(&err), "update_mask", "{bad:?}");
    }
    let many: Vec<String> = (0..=MAX_MASK_PATHS).map(|_| "active".to_owned()).collect();
    let mut stored = view("{}");
    assert!(apply(&mut stored, &update, Some(&many), "update_mask", "m").is_err());
}
