//! The filter language's refusals: bad inputs with their positions, and every bound exceeded.

use super::tests::{chat, desc, error, passes};
use super::*;

#[test]
fn bad_inputs_say_what_and_where() {
    let cases = [
        ("agentid = \"a\"", "unknown field \"agentid\" at position 1"),
        (
            "turn_count = 7 AND quality_metadata.agentinfo.agent_id = x",
            "unknown field \"quality_metadata.agentinfo\" at position 20",
        ),
        ("agent_id.x = 1", "field \"agent_id\" has no subfields (in \"agent_id.x\") at position 1"),
        ("agent_id. = 1", "empty segment in field path \"agent_id.\" at position 1"),
        (
            "medium = VIDEO",
            "\"VIDEO\" is not a value of enum Medium (field \"medium\") at position 10",
        ),
        (
            "start_time > \"yesterday\"",
            "\"yesterday\" is not an RFC 3339 timestamp (field \"start_time\") at position 14",
        ),
        (
            "start_time > 2024-13-01T00:00:00Z",
            "\"2024-13-01T00:00:00Z\" is not an RFC 3339 timestamp (field \"start_time\") at position 14",
        ),
        ("turn_count = seven", "\"seven\" is not an integer (field \"turn_count\") at position 14"),
        ("turn_count = 1.5", "\"1.5\" is not an integer (field \"turn_count\") at position 14"),
        (
            "latest_analysis = x",
            "field \"latest_analysis\" is a message (Analysis): only \":*\" (presence) applies to it at position 19",
        ),
        ("agent_id = *", "\"*\" only follows \":\" (presence), not \"=\" at position 12"),
        ("(agent_id = a1", "unbalanced parentheses: \"(\" at position 1 is not closed"),
        ("(agent_id = a1 AND (turn_count = 7)", "\"(\" at position 1 is not closed"),
        ("agent_id = a1)", "unbalanced parentheses: \")\" with no \"(\" at position 14"),
        ("agent_id = a1 $", "expected a field name but found \"$\" at position 15"),
        ("agent_id = a1 \"x\"", "expected a field name but found \"\\\"\" at position 15"),
        ("agent_id =", "expected a value after \"=\" at position 10"),
        ("agent_id = ", "expected a value after \"=\" at position 10"),
        ("agent_id != )", "expected a value after \"!=\" at position 10"),
        ("agent_id = AND medium = CHAT", "expected a value after \"=\" at position 10"),
        ("agent_id \"a1\"", "expected an operator (=, !=, <, <=, >, >= or :) after \"agent_id\" but found \"\\\"\" at position 10"),
        ("agent_id", "after \"agent_id\" but found the end of the filter at position 9"),
        ("agent_id == a1", "expected a value after \"=\" at position 10"),
        ("agent_id = \"a1", "unterminated string starting at position 12"),
        ("agent_id = 'a1\\'", "unterminated string starting at position 12"),
        ("agent_id = a1 AND", "expected a field name but found the end of the filter at position 18"),
        ("agent_id = a1 OR OR medium = CHAT", "expected a field name but found \"OR\" at position 18"),
        ("AND agent_id = a1", "expected a field name but found \"AND\" at position 1"),
        ("()", "expected a field name but found \")\" at position 2"),
        ("NOT", "expected a field name but found the end of the filter at position 4"),
        // Positions count characters, not bytes.
        ("agent_id = \"é\" AND ñ = 1", "unknown field \"ñ\" at position 20"),
    ];
    for (filter, expected) in cases {
        let message = error(filter);
        assert!(message.starts_with("invalid filter: "), "{message}");
        assert!(
            message.contains(expected),
            "{filter:?}: {message:?} lacks {expected:?}"
        );
    }
}

#[test]
fn errors_quote_at_most_64_characters() {
    let long = "z".repeat(1000);
    for filter in [
        format!("{long} = 1"),
        format!("medium = {long}"),
        format!("agent_id = a1 {long}"),
    ] {
        let message = error(&filter);
        assert!(
            message.contains(&format!("\"{}…\"", "z".repeat(64))),
            "{message}"
        );
        assert!(!message.contains(&"z".repeat(65)), "{message}");
    }
    // Control characters are escaped, not echoed.
    let message = error("agent_id = a1 \u{1b}[31m");
    assert!(message.contains("\\u{1b}"), "{message}");
}

#[test]
fn length_bound() {
    let value = |len: usize| "a".repeat(len - "agent_id = \"\"".len());
    let at_limit = format!("agent_id = \"{}\"", value(MAX_FILTER_LEN));
    assert_eq!(at_limit.len(), MAX_FILTER_LEN);
    assert!(Filter::parse(&at_limit, &desc()).is_ok());
    let over = format!("agent_id = \"{}\"", value(MAX_FILTER_LEN + 1));
    let message = error(&over);
    assert!(
        message.contains("longer than 8192 bytes (8193 bytes)"),
        "{message}"
    );
    // Whitespace counts too: it is not trimmed before the check.
    assert!(error(&" ".repeat(MAX_FILTER_LEN + 1)).contains("longer than"));
}

fn nested(depth: usize) -> String {
    format!("{}agent_id = a1{}", "(".repeat(depth), ")".repeat(depth))
}

#[test]
fn depth_bound() {
    assert!(passes(&nested(MAX_DEPTH), &chat()));
    let message = error(&nested(MAX_DEPTH + 1));
    assert!(
        message.contains("nested deeper than 32 (parentheses and NOT) at position 33"),
        "{message}"
    );

    let nots = |n: usize| format!("{}agent_id = a1", "NOT ".repeat(n));
    assert!(passes(&nots(MAX_DEPTH), &chat()));
    assert!(error(&nots(MAX_DEPTH + 1))
        .contains("nested deeper than 32 (parentheses and NOT) at position 129"));
    let minuses = |n: usize| format!("{}agent_id = a1", "-".repeat(n));
    assert!(passes(&minuses(MAX_DEPTH), &chat()));
    assert!(error(&minuses(MAX_DEPTH + 1)).contains("at position 33"));
    // Mixed: parentheses and NOT count together.
    let mixed = format!("{}agent_id = a1{}", "NOT (".repeat(17), ")".repeat(17));
    assert!(error(&mixed).contains("nested deeper than 32"));

    // As deep as the length allows: refused at level 33, no stack overflow.
    let deep = "(".repeat(MAX_FILTER_LEN);
    assert!(error(&deep).contains("nested deeper than 32"));
    let deep_not = "-".repeat(MAX_FILTER_LEN);
    assert!(error(&deep_not).contains("nested deeper than 32"));
    // 100,000 parentheses: refused (by length) before any parsing.
    let huge = nested(100_000);
    assert!(error(&huge).contains("longer than 8192 bytes"));
}

#[test]
fn terms_bound() {
    let terms = |n: usize| vec!["turn_count = 7"; n].join(" AND ");
    assert!(passes(&terms(MAX_TERMS), &chat()));
    let message = error(&terms(MAX_TERMS + 1));
    let position = MAX_TERMS * "turn_count = 7 AND ".len() + 1;
    assert!(
        message.contains(&format!("more than 256 comparisons at position {position}")),
        "{message}"
    );
    // Juxtaposed and OR-ed comparisons count too.
    assert!(error(&vec!["turn_count=7"; MAX_TERMS + 1].join(" ")).contains("more than 256"));
    assert!(error(&vec!["turn_count=7"; MAX_TERMS + 1].join(" OR ")).contains("more than 256"));
}
