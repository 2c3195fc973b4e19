//! Resource names: no input panics, valid names round-trip, broken ones are rejected.

use ccai_lro::{
    name::{
        check, AnalysisName, AnalysisRuleName, ConversationName, EncryptionSpecName,
        FeedbackLabelName, IssueModelName, IssueName, OperationName, PhraseMatcherName,
        QaQuestionName, QaScorecardName, QaScorecardResultName, QaScorecardRevisionName,
        ResourceName, SettingsName, ViewName, LOCATION_PATTERN, OPERATION_PATTERN,
    },
    Error,
};
use proptest::collection::vec;
use proptest::prelude::*;

use crate::fixed;

/// A valid variable segment: non-empty, no `/`, no control character, no whitespace.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z0-9-]{1,12}",
        1 => "[^/\\p{Cc}\\s]{1,12}",
    ]
}

fn assert_invalid(name: &str) -> Result<(), TestCaseError> {
    match name.parse::<OperationName>() {
        Err(Error::InvalidName { name: n, expected }) => {
            prop_assert_eq!(n, name);
            prop_assert_eq!(expected, OPERATION_PATTERN);
        }
        other => prop_assert!(false, "{name:?} was accepted: {other:?}"),
    }
    prop_assert!(check(name, OPERATION_PATTERN).is_err());
    Ok(())
}

/// Ways to break a valid name: which of its 6 segments, and how.
#[derive(Clone, Debug)]
enum Break {
    Empty(usize),
    Replace(usize, String),
    Extra(String),
    Drop(usize),
    Control(usize, char),
}

fn breakage() -> impl Strategy<Value = Break> {
    prop_oneof![
        (0usize..6).prop_map(Break::Empty),
        (0usize..6, "[a-zA-Z]{0,10}").prop_map(|(i, s)| Break::Replace(i, s)),
        "[^/]{0,8}".prop_map(Break::Extra),
        (0usize..6).prop_map(Break::Drop),
        // C0, DEL and C1: the one-pass check must catch the multi-byte C1 controls too; and
        // whitespace, ASCII or multi-byte, which the service refuses as well.
        (
            0usize..3,
            prop_oneof![
                prop::char::range('\0', '\u{1f}'),
                Just('\u{7f}'),
                prop::char::range('\u{80}', '\u{9f}'),
                prop::sample::select(vec![' ', '\u{a0}', '\u{1680}', '\u{2003}', '\u{3000}']),
            ]
        )
            .prop_map(|(i, c)| Break::Control(i, c)),
    ]
}

proptest! {
    #![proptest_config(fixed())]

    #[test]
    fn names_never_panic(s in any::<String>()) {
        if let Ok(n) = s.parse::<OperationName>() {
            prop_assert_eq!(n.as_str(), s.as_str());
            prop_assert_eq!(
                format!("projects/{}/locations/{}/operations/{}", n.project(), n.location(), n.operation()),
                s.clone()
            );
        }
        let _ = check(&s, OPERATION_PATTERN);
        let _ = check(&s, LOCATION_PATTERN);
    }

    #[test]
    fn slashy_names_never_panic(parts in vec(prop_oneof![
        Just("projects".to_owned()),
        Just("locations".to_owned()),
        Just("operations".to_owned()),
        Just(String::new()),
        "\\PC{0,4}",
    ], 0..9)) {
        let s = parts.join("/");
        match s.parse::<OperationName>() {
            Ok(n) => {
                prop_assert_eq!(parts.len(), 6);
                prop_assert_eq!(n.project(), parts[1].as_str());
                prop_assert_eq!(n.location(), parts[3].as_str());
                prop_assert_eq!(n.operation(), parts[5].as_str());
            }
            Err(e) => prop_assert!(matches!(e, Error::InvalidName { .. }), "{e:?}"),
        }
        let _ = check(&s, LOCATION_PATTERN);
    }

    #[test]
    fn valid_names_round_trip(project in segment(), location in segment(), operation in segment()) {
        let s = format!("projects/{project}/locations/{location}/operations/{operation}");
        let n: OperationName = s.parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(n.project(), project.as_str());
        prop_assert_eq!(n.location(), location.as_str());
        prop_assert_eq!(n.operation(), operation.as_str());
        prop_assert_eq!(n.as_str(), s.as_str());
        prop_assert_eq!(n.to_string(), s.clone());
        prop_assert_eq!(n.parent(), format!("projects/{project}/locations/{location}"));
        prop_assert_eq!(
            check(n.parent(), LOCATION_PATTERN).ok(),
            Some(vec![project.as_str(), location.as_str()])
        );
        prop_assert_eq!(
            check(&s, OPERATION_PATTERN).ok(),
            Some(vec![project.as_str(), location.as_str(), operation.as_str()])
        );
        // An operation name is not a location, and a location is not an operation name.
        prop_assert!(check(&s, LOCATION_PATTERN).is_err());
        assert_invalid(n.parent())?;
    }

    #[test]
    fn broken_names_are_rejected(
        project in segment(),
        location in segment(),
        operation in segment(),
        how in breakage(),
    ) {
        let mut segs = vec![
            "projects".to_owned(), project, "locations".to_owned(), location,
            "operations".to_owned(), operation,
        ];
        match how {
            Break::Empty(i) => segs[i].clear(),
            Break::Replace(i, s) => {
                // Only literals are wrong when replaced; a variable takes any segment.
                prop_assume!(i % 2 == 0 && s != segs[i]);
                segs[i] = s;
            }
            Break::Extra(s) => segs.push(s),
            Break::Drop(i) => { segs.remove(i); }
            Break::Control(i, c) => segs[2 * i + 1].push(c),
        }
        assert_invalid(&segs.join("/"))?;
    }
}

#[test]
fn names_from_the_brief_are_rejected() {
    for bad in [
        "projects/p/locations/l/operations/o/",
        "/projects/p/locations/l/operations/o",
        "projects/p/locations//operations/o",
        "projects/p/Locations/l/operations/o",
        "projects/p/locations/l/operation/o",
        "projects/p/locations/l/operations",
        "projects/p/locations/l/operations/o/x/y",
    ] {
        assert!(bad.parse::<OperationName>().is_err(), "{bad}");
    }
}

/// The variables of `pattern`, in order.
fn vars_of(pattern: &str) -> Vec<&str> {
    pattern
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

/// One resource type's round trips: every pattern parses with the segments it was filled with,
/// each segment reads back, the canonical constructor (`new`, given each variable's value)
/// agrees with parsing, and one segment too many matches no pattern.
fn round_trips<N: ResourceName>(
    values: &[String],
    new: impl Fn(&dyn Fn(&str) -> String) -> Result<N, Error>,
) -> Result<(), TestCaseError> {
    let every_var: Vec<&str> = N::PATTERNS.iter().flat_map(|p| vars_of(p)).collect();
    for (i, pattern) in N::PATTERNS.iter().enumerate() {
        let vars = vars_of(pattern);
        let value_of = |var: &str| {
            let at = vars.iter().position(|v| *v == var).unwrap_or(0);
            values[at % values.len()].clone()
        };
        let filled: String = pattern
            .split('/')
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(var) => value_of(var),
                    None => s.to_owned(),
                },
            )
            .collect::<Vec<_>>()
            .join("/");
        let parsed: N = filled
            .parse()
            .map_err(|e| TestCaseError::fail(format!("{filled:?}: {e}")))?;
        prop_assert_eq!(parsed.as_str(), filled.as_str());
        prop_assert_eq!(parsed.pattern(), *pattern);
        for var in &every_var {
            let expected = vars.contains(var).then(|| value_of(var));
            prop_assert_eq!(parsed.segment(var).map(str::to_owned), expected, "{}", var);
        }
        if i == 0 {
            let made = new(&value_of).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(made, parsed);
        }
        let longer = format!("{filled}/extra");
        match longer.parse::<N>() {
            Err(Error::InvalidName { expected, .. }) => {
                for p in N::PATTERNS {
                    prop_assert!(expected.contains(p));
                }
            }
            other => prop_assert!(false, "{longer:?} was accepted: {other:?}"),
        }
    }
    Ok(())
}

/// Each resource type's round trips, with its canonical constructor.
fn round_trip(values: &[String]) -> Result<(), TestCaseError> {
    round_trips(values, |v| {
        AnalysisName::new(
            &v("project"),
            &v("location"),
            &v("conversation"),
            &v("analysis"),
        )
    })?;
    round_trips(values, |v| {
        AnalysisRuleName::new(&v("project"), &v("location"), &v("analysis_rule"))
    })?;
    round_trips(values, |v| {
        ConversationName::new(&v("project"), &v("location"), &v("conversation"))
    })?;
    round_trips(values, |v| {
        EncryptionSpecName::new(&v("project"), &v("location"))
    })?;
    round_trips(values, |v| {
        let (p, l, c) = (v("project"), v("location"), v("conversation"));
        FeedbackLabelName::new(&p, &l, &c, &v("feedback_label"))
    })?;
    round_trips(values, |v| {
        IssueName::new(
            &v("project"),
            &v("location"),
            &v("issue_model"),
            &v("issue"),
        )
    })?;
    round_trips(values, |v| {
        IssueModelName::new(&v("project"), &v("location"), &v("issue_model"))
    })?;
    round_trips(values, |v| {
        PhraseMatcherName::new(&v("project"), &v("location"), &v("phrase_matcher"))
    })?;
    round_trips(values, |v| {
        let (p, l, s) = (v("project"), v("location"), v("qa_scorecard"));
        QaQuestionName::new(&p, &l, &s, &v("revision"), &v("qa_question"))
    })?;
    round_trips(values, |v| {
        QaScorecardName::new(&v("project"), &v("location"), &v("qa_scorecard"))
    })?;
    round_trips(values, |v| {
        QaScorecardResultName::new(&v("project"), &v("location"), &v("qa_scorecard_result"))
    })?;
    round_trips(values, |v| {
        let (p, l, s) = (v("project"), v("location"), v("qa_scorecard"));
        QaScorecardRevisionName::new(&p, &l, &s, &v("revision"))
    })?;
    round_trips(values, |v| SettingsName::new(&v("project"), &v("location")))?;
    round_trips(values, |v| {
        ViewName::new(&v("project"), &v("location"), &v("view"))
    })?;
    Ok(())
}

/// The types `round_trip` covers: (resource type, patterns).
fn resource_types() -> Vec<(&'static str, &'static [&'static str])> {
    fn of<N: ResourceName>() -> (&'static str, &'static [&'static str]) {
        (N::TYPE, N::PATTERNS)
    }
    vec![
        of::<AnalysisName>(),
        of::<AnalysisRuleName>(),
        of::<ConversationName>(),
        of::<EncryptionSpecName>(),
        of::<FeedbackLabelName>(),
        of::<IssueName>(),
        of::<IssueModelName>(),
        of::<PhraseMatcherName>(),
        of::<QaQuestionName>(),
        of::<QaScorecardName>(),
        of::<QaScorecardResultName>(),
        of::<QaScorecardRevisionName>(),
        of::<SettingsName>(),
        of::<ViewName>(),
    ]
}

#[test]
fn there_is_a_type_for_each_resource_of_the_schema_and_round_trip_covers_each() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../reference/schema.json")).unwrap();
    let mut published: Vec<(String, Vec<String>)> = schema["messages"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|m| {
            let r = m.get("resource")?;
            let patterns = r["pattern"].as_array()?.iter();
            let patterns = patterns.filter_map(|p| p.as_str().map(str::to_owned));
            Some((r["type"].as_str()?.to_owned(), patterns.collect()))
        })
        .collect();
    published.sort();
    let mut covered: Vec<(String, Vec<String>)> = resource_types()
        .into_iter()
        .map(|(t, p)| (t.to_owned(), p.iter().map(|s| s.to_string()).collect()))
        .collect();
    covered.sort();
    assert_eq!(covered, published);
    assert_eq!(covered.len(), 14);
    let conversation = covered
        .iter()
        .find(|(t, _)| t == "contactcenterinsights.googleapis.com/Conversation")
        .expect("Conversation");
    assert!(conversation.1.iter().any(|p| p
        .contains("authorizedViewSets/{authorized_view_set}/authorizedViews/{authorized_view}")));
}

proptest! {
    #![proptest_config(fixed())]

    #[test]
    fn every_resource_name_round_trips(values in vec(segment(), 6..=6)) {
        round_trip(&values)?;
    }

    #[test]
    fn a_resource_constructor_refuses_a_segment_with_a_slash(a in segment(), b in segment()) {
        let err = ccai_lro::name::IssueModelName::new("p", "l", &format!("{a}/{b}")).unwrap_err();
        prop_assert!(matches!(err, Error::InvalidName { .. }), "{err:?}");
    }
}
