//! Every published HTTP rule of the emulated services, matched against
//! example paths built by a deliberately separate (string-level) reading of
//! the template, so the parser under test is not checked against itself.

use std::fs;

#[path = "../src/transport/rest/template.rs"]
#[allow(dead_code)]
mod template;

use template::Template;

const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/src/transport/rest/http_rules.json"
);

struct Rule {
    rpc: String,
    method: String,
    uri: String,
}

fn load_rules() -> Vec<Rule> {
    let text = fs::read_to_string(RULES).expect("rules file is readable");
    let json: serde_json::Value = serde_json::from_str(&text).expect("rules file is JSON");
    let services = json.as_object().expect("top level is an object");
    let mut rules = Vec::new();
    for (service, rpcs) in services {
        if service == "source" {
            continue;
        }
        for (rpc, bindings) in rpcs.as_object().expect("service maps RPCs") {
            for binding in bindings.as_array().expect("RPC maps to a list") {
                let field = |k: &str| {
                    binding[k]
                        .as_str()
                        .unwrap_or_else(|| panic!("{service}.{rpc}: {k} is a string"))
                        .to_owned()
                };
                rules.push(Rule {
                    rpc: format!("{service}.{rpc}"),
                    method: field("method"),
                    uri: field("uri"),
                });
            }
        }
    }
    assert!(
        rules.len() >= 21,
        "expected the published rules, got {}",
        rules.len()
    );
    rules
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Literal,
    Wildcard,
}

/// A concrete path for a template: its segments, verb and expected bindings.
struct Example {
    segments: Vec<(Kind, String)>,
    verb: Option<String>,
    bindings: Vec<(String, String)>,
}

impl Example {
    fn path(&self) -> String {
        let body: Vec<&str> = self.segments.iter().map(|(_, s)| s.as_str()).collect();
        join(&body, self.verb.as_deref())
    }
}

fn join(segments: &[&str], verb: Option<&str>) -> String {
    let mut path = format!("/{}", segments.join("/"));
    if let Some(verb) = verb {
        path.push(':');
        path.push_str(verb);
    }
    path
}

/// How a wildcard value is written in the path and what it decodes to.
#[derive(Clone, Copy)]
enum Style {
    Plain,
    /// `%2D` for `-` and `%20` for a space: exercises decoding in every rule.
    Encoded,
    /// `:` inside values, as in `domain:project` ids: must never be taken
    /// for the verb.
    Colon,
}

fn wildcard_value(previous_literal: &str, n: usize, style: Style) -> (String, String) {
    let base = match previous_literal {
        "projects" => "my-proj".to_owned(),
        "locations" => "us-central1".to_owned(),
        other => format!("{}-{n}", other.trim_end_matches('s')),
    };
    match style {
        Style::Plain => (base.clone(), base),
        Style::Encoded => (
            format!("{}%20x", base.replace('-', "%2D")),
            format!("{base} x"),
        ),
        Style::Colon => (format!("ex:{base}"), format!("ex:{base}")),
    }
}

fn example(uri: &str, style: Style) -> Example {
    let body = uri.strip_prefix('/').expect("template starts with /");
    // The verb is the text after the last ':' outside braces.
    let (body, verb) = match body.rfind(':') {
        Some(i) if !body[i..].contains('}') => (&body[..i], Some(body[i + 1..].to_owned())),
        _ => (body, None),
    };
    let mut out = Example {
        segments: Vec::new(),
        verb,
        bindings: Vec::new(),
    };
    let mut previous_literal = String::new();
    let mut rest = body;
    while !rest.is_empty() {
        if let Some(var) = rest.strip_prefix('{') {
            let close = var.find('}').expect("closing brace");
            let (field, sub) = match var[..close].split_once('=') {
                Some((f, s)) => (f, s),
                None => (&var[..close], "*"),
            };
            let mut decoded = Vec::new();
            for part in sub.split('/') {
                assert_ne!(part, "**", "published rules have no '**'");
                if part == "*" {
                    let n = out.segments.len();
                    let (raw, value) = wildcard_value(&previous_literal, n, style);
                    out.segments.push((Kind::Wildcard, raw));
                    decoded.push(value);
                } else {
                    out.segments.push((Kind::Literal, part.to_owned()));
                    decoded.push(part.to_owned());
                    previous_literal = part.to_owned();
                }
            }
            out.bindings.push((field.to_owned(), decoded.join("/")));
            rest = &var[close + 1..];
        } else {
            let end = rest.find('/').unwrap_or(rest.len());
            let part = &rest[..end];
            assert_ne!(part, "*", "published rules have no unbound '*'");
            out.segments.push((Kind::Literal, part.to_owned()));
            previous_literal = part.to_owned();
            rest = &rest[end..];
        }
        rest = rest.strip_prefix('/').unwrap_or(rest);
    }
    out
}

fn parsed(rule: &Rule) -> Template {
    Template::parse(&rule.uri).unwrap_or_else(|e| panic!("{}: {e}", rule.rpc))
}

#[test]
fn every_rule_parses_and_binds_what_was_substituted() {
    for rule in load_rules() {
        let template = parsed(&rule);
        for style in [Style::Plain, Style::Encoded, Style::Colon] {
            let ex = example(&rule.uri, style);
            assert!(!ex.bindings.is_empty(), "{}: no variable", rule.rpc);
            let path = ex.path();
            assert_eq!(
                template.matches(&path),
                Some(ex.bindings.clone()),
                "{} {} vs {path}",
                rule.rpc,
                rule.uri
            );
        }
    }
}

#[test]
fn every_rule_rejects_mutated_paths() {
    for rule in load_rules() {
        let template = parsed(&rule);
        let ex = example(&rule.uri, Style::Plain);
        let segs: Vec<&str> = ex.segments.iter().map(|(_, s)| s.as_str()).collect();
        let verb = ex.verb.as_deref();
        let mut mutants: Vec<String> = Vec::new();
        for i in 0..segs.len() {
            let mut missing = segs.clone();
            missing.remove(i);
            mutants.push(join(&missing, verb));

            let mut extra = segs.clone();
            extra.insert(i, "extra");
            mutants.push(join(&extra, verb));

            let mut empty = segs.clone();
            empty[i] = "";
            mutants.push(join(&empty, verb));

            let mut doubled = segs.clone();
            doubled.insert(i, "");
            mutants.push(join(&doubled, verb));

            let mut bad_escape = segs.clone();
            bad_escape[i] = "%zz";
            mutants.push(join(&bad_escape, verb));

            if ex.segments[i].0 == Kind::Literal {
                let wrong = format!("{}x", segs[i]);
                let upper = segs[i].to_uppercase();
                for replacement in [wrong, upper] {
                    let mut changed = segs.clone();
                    changed[i] = &replacement;
                    mutants.push(join(&changed, verb));
                }
            }
        }
        let mut appended = segs.clone();
        appended.push("extra");
        mutants.push(join(&appended, verb));
        let mut trailing = segs.clone();
        trailing.push("");
        mutants.push(join(&trailing, verb));
        mutants.push(format!("/{}", join(&segs, verb)));

        match verb {
            Some(v) => {
                mutants.push(join(&segs, None));
                mutants.push(join(&segs, Some("bogus")));
                mutants.push(join(&segs, Some(&format!("{v}x"))));
                mutants.push(join(&segs, Some(&v[1..])));
                mutants.push(join(&segs, Some("")));
                mutants.push(format!("{}/:{v}", join(&segs, None)));
                mutants.push(format!("{}%3A{v}", join(&segs, None)));
            }
            None => {
                // A wildcard last segment legitimately absorbs ":bogus" (see
                // the dedicated test below); a literal one must not.
                if ex.segments.last().map(|(k, _)| *k) == Some(Kind::Literal) {
                    mutants.push(join(&segs, Some("bogus")));
                }
            }
        }

        assert!(
            mutants.len() > 5 * segs.len(),
            "{}: too few mutants",
            rule.rpc
        );
        for mutant in &mutants {
            assert_eq!(
                template.matches(mutant),
                None,
                "{} {} must not match {mutant}",
                rule.rpc,
                rule.uri
            );
        }
    }
}

#[test]
fn verbless_rules_keep_colons_in_a_trailing_value() {
    let mut checked = 0;
    for rule in load_rules() {
        let ex = example(&rule.uri, Style::Plain);
        if ex.verb.is_some() || ex.segments.last().map(|(k, _)| *k) != Some(Kind::Wildcard) {
            continue;
        }
        let path = format!("{}:bogus", ex.path());
        let mut expected = ex.bindings.clone();
        if let Some((_, last)) = expected.last_mut() {
            last.push_str(":bogus");
        }
        assert_eq!(parsed(&rule).matches(&path), Some(expected), "{path}");
        checked += 1;
    }
    assert!(checked > 0, "no verbless rule ends in a wildcard");
}

/// The router tries rules with a custom verb first (a verbless rule keeps a trailing `:x` as
/// value text, so `GET …/issueModels/m:calculateIssueModelStats` also fits GetIssueModel's
/// template): among the rules of each kind, exactly one fits each example path, and the one
/// the router picks is the rule itself.
#[test]
fn each_example_path_selects_exactly_its_own_rule_per_http_method() {
    let rules = load_rules();
    let templates: Vec<Template> = rules.iter().map(parsed).collect();
    let has_verb = |uri: &str| {
        uri.rsplit('/')
            .next()
            .is_some_and(|last| last.contains(':'))
    };
    let mut shadowed = 0;
    for rule in &rules {
        let path = example(&rule.uri, Style::Plain).path();
        let mut hits: Vec<&str> = rules
            .iter()
            .zip(&templates)
            .filter(|(other, t)| other.method == rule.method && t.matches(&path).is_some())
            .map(|(other, _)| other.uri.as_str())
            .collect();
        hits.sort_by_key(|uri| !has_verb(uri));
        assert_eq!(
            hits.first(),
            Some(&rule.uri.as_str()),
            "{} {path}: {hits:?}",
            rule.method
        );
        let same_kind = hits
            .iter()
            .filter(|u| has_verb(u) == has_verb(&rule.uri))
            .count();
        assert_eq!(same_kind, 1, "{} {path}: {hits:?}", rule.method);
        shadowed += hits.len() - 1;
    }
    // The verb routes of issue models, conversations and revisions also fit the verbless Get.
    assert!(shadowed > 0);
}
