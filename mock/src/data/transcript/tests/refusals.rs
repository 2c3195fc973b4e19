//! What a transcript is refused for, and the bounds, each named in the error.

use super::*;

#[test]
fn refuses_bad_json_with_line_and_column() {
    refused(
        b"{\n  \"entries\": [,]\n}",
        Code::InvalidArgument,
        &[URI, "line 2 column 15"],
    );
    refused(
        b"{\"entries\": [\"\xff\"]}",
        Code::InvalidArgument,
        &[URI, "line 1"],
    );
}

#[test]
fn refuses_an_unknown_role_naming_its_path() {
    let doc = json!({"entries": [entry("a", "AGENT", json!(1), json!(1)), entry("b", "BOT", json!(1), json!(2))]});
    refused(
        doc.to_string().as_bytes(),
        Code::InvalidArgument,
        &[URI, "entries[1].role", "\"BOT\""],
    );
}

#[test]
fn refuses_missing_or_bad_fields_naming_their_paths() {
    let cases = [
        (
            json!({"entries": [{"role": "AGENT"}]}),
            "entries[0].start_timestamp_usec: expected microseconds since the epoch",
        ),
        (
            json!({"entries": [{"role": "AGENT", "start_timestamp_usec": "1e6"}]}),
            "entries[0].start_timestamp_usec",
        ),
        (
            json!({"entries": [{"role": "AGENT", "start_timestamp_usec": i64::MAX}]}),
            "entries[0].start_timestamp_usec",
        ),
        (
            json!({"entries": [{"start_timestamp_usec": 1}]}),
            "entries[0].role",
        ),
        (
            json!({"entries": [{"role": "AGENT", "start_timestamp_usec": 1, "user_id": "x"}]}),
            "entries[0].user_id",
        ),
        (
            json!({"entries": [{"role": "AGENT", "start_timestamp_usec": 1, "text": 5}]}),
            "entries[0].text",
        ),
        (json!({"entries": [3]}), "entries[0]: expected an object"),
        (
            json!({"results": [{"alternatives": [{"words": [{"startOffset": "-1s"}]}]}]}),
            "results[0].alternatives[0].words[0].startOffset: expected a duration",
        ),
        (
            json!({"results": [{"resultEndTime": "1.5"}]}),
            "results[0].resultEndTime",
        ),
        (
            json!({"results": [{"channelTag": 1.5}]}),
            "results[0].channelTag",
        ),
        (
            json!({"results": [{"alternatives": {}}]}),
            "results[0].alternatives",
        ),
        (
            json!({"results": [{"alternatives": [{"confidence": "high"}]}]}),
            "results[0].alternatives[0].confidence",
        ),
    ];
    for (doc, part) in cases {
        refused(
            doc.to_string().as_bytes(),
            Code::InvalidArgument,
            &[URI, part],
        );
    }
}

#[test]
fn refuses_a_word_past_the_end_of_time() {
    let mut late = ctx();
    late.create_time = ts(253_402_300_799, 0);
    let doc = json!({"results": [{"alternatives": [{"words": [{"startOffset": "1s"}]}]}]});
    let e = run(&doc, &late)
        .err()
        .map(|e| (e.code(), e.message().to_owned()));
    assert!(
        e.as_ref().is_some_and(|(c, m)| *c == Code::InvalidArgument
            && m.contains("results[0].alternatives[0].words[0]:")),
        "{e:?}"
    );
}

#[test]
fn refuses_documents_of_neither_shape() {
    for doc in [
        json!({}),
        json!([]),
        json!({"entries": {}}),
        json!({"results": "x"}),
        json!(3),
    ] {
        refused(
            doc.to_string().as_bytes(),
            Code::InvalidArgument,
            &[URI, "neither"],
        );
    }
}

#[test]
fn bounds_the_size_in_bytes() {
    // Exactly the bound is read (padding is JSON whitespace); one byte more is not.
    let mut bytes = br#"{"entries": []}"#.to_vec();
    bytes.resize(MAX_TRANSCRIPT_BYTES, b' ');
    assert!(parse(URI, &bytes, &ctx()).is_ok());
    bytes.push(b' ');
    let size = (MAX_TRANSCRIPT_BYTES + 1).to_string();
    refused(
        &bytes,
        Code::ResourceExhausted,
        &[URI, &size, &MAX_TRANSCRIPT_BYTES.to_string()],
    );
}

#[test]
fn bounds_the_number_of_segments() {
    let entries =
        |n: usize| json!({"entries": vec![json!({"role": "AGENT", "start_timestamp_usec": 1}); n]});
    assert_eq!(ok(&entries(MAX_SEGMENTS)).turn_count, 20_000);
    refused(
        entries(MAX_SEGMENTS + 1).to_string().as_bytes(),
        Code::ResourceExhausted,
        &[URI, "entries", "20000"],
    );
    let results = json!({"results": vec![json!({}); MAX_SEGMENTS + 1]});
    refused(
        results.to_string().as_bytes(),
        Code::ResourceExhausted,
        &[URI, "results", "20000"],
    );
}

#[test]
fn bounds_the_words_of_a_result() {
    let words = |n: usize| json!({"results": [{}, {"alternatives": [{"words": vec![json!({"word": "w"}); n]}]}]});
    assert_eq!(
        ok(&words(MAX_WORDS_PER_SEGMENT))
            .transcript
            .transcript_segments[0]
            .words
            .len(),
        5_000
    );
    let path = "results[1].alternatives[0].words";
    refused(
        words(MAX_WORDS_PER_SEGMENT + 1).to_string().as_bytes(),
        Code::ResourceExhausted,
        &[URI, path, "5000"],
    );
}

#[test]
fn quotes_a_hostile_uri_and_role() {
    let uri = format!("gs://b/{}", "x".repeat(10_000));
    let role = "R".repeat(10_000);
    let doc = json!({"entries": [entry("a", &role, json!(1), json!(1))]}).to_string();
    let e = parse(&uri, doc.as_bytes(), &ctx())
        .err()
        .map(|e| e.message().len());
    assert!(e.is_some_and(|len| len < 1_000), "{e:?}");
}
