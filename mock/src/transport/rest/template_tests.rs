//! The template parser and matcher, case by case.
use super::*;

fn bind(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    Template::parse(template)
        .expect("test template parses")
        .matches(path)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn bare_variable_is_single_star() {
    assert_eq!(
        Template::parse("/v1/messages/{message_id}"),
        Template::parse("/v1/messages/{message_id=*}")
    );
    assert_eq!(
        bind("/v1/messages/{message_id}", "/v1/messages/123"),
        Some(pairs(&[("message_id", "123")]))
    );
    assert_eq!(bind("/v1/messages/{message_id}", "/v1/messages/1/2"), None);
}

#[test]
fn nested_field_paths_and_several_variables() {
    assert_eq!(
        bind(
            "/v1/users/{user_id}/messages/{sub.sub_field}",
            "/v1/users/me/messages/m1"
        ),
        Some(pairs(&[("user_id", "me"), ("sub.sub_field", "m1")]))
    );
}

#[test]
fn unbound_wildcards_match_without_binding() {
    assert_eq!(bind("/v1/*/x", "/v1/anything/x"), Some(vec![]));
    assert_eq!(bind("/v1/*/x", "/v1/x"), None);
    assert_eq!(bind("/v1/**", "/v1/a/b/c"), Some(vec![]));
    assert_eq!(bind("/v1/**", "/v1"), None);
    assert_eq!(bind("/v1/*/x", "/v1/%zz/x"), None);
}

#[test]
fn double_star_takes_one_or_more_segments() {
    let t = "/v1/{name=operations/**}";
    assert_eq!(
        bind(t, "/v1/operations/a"),
        Some(pairs(&[("name", "operations/a")]))
    );
    assert_eq!(
        bind(t, "/v1/operations/a/b/c"),
        Some(pairs(&[("name", "operations/a/b/c")]))
    );
    assert_eq!(bind(t, "/v1/operations"), None);
    assert_eq!(bind(t, "/v1/operations/"), None);
    assert_eq!(bind(t, "/v1/operations/a//b"), None);
    assert_eq!(bind(t, "/v1/other/a"), None);
}

#[test]
fn double_star_with_verb_and_prefix_variable() {
    let t = "/v1/{parent=projects/*}/files/{path=**}:download";
    assert_eq!(
        bind(t, "/v1/projects/p/files/a/b.txt:download"),
        Some(pairs(&[("parent", "projects/p"), ("path", "a/b.txt")]))
    );
    assert_eq!(bind(t, "/v1/projects/p/files/a/b.txt"), None);
    assert_eq!(bind(t, "/v1/projects/p/files:download"), None);
    assert_eq!(
        bind("/v1/{name=**}", "/v1/x%2Fy/z%20w"),
        Some(pairs(&[("name", "x%2Fy/z w")]))
    );
}

#[test]
fn verb_is_peeled_only_when_the_template_has_one() {
    let with_verb = "/v1/{name=things/*}:cancel";
    let without = "/v1/{name=things/*}";
    let path = "/v1/things/t:1:cancel";
    assert_eq!(
        bind(with_verb, path),
        Some(pairs(&[("name", "things/t:1")]))
    );
    assert_eq!(
        bind(without, path),
        Some(pairs(&[("name", "things/t:1:cancel")]))
    );
    assert_eq!(bind(with_verb, "/v1/things/t"), None);
    assert_eq!(bind(with_verb, "/v1/things/t:cance"), None);
    assert_eq!(bind(with_verb, "/v1/things/t:Cancel"), None);
    assert_eq!(bind(with_verb, "/v1/things/t%3Acancel"), None);
    assert_eq!(bind(with_verb, "/v1/things/:cancel"), None);
    assert_eq!(bind(with_verb, "/v1/things/tcancel"), None);
    assert_eq!(bind(with_verb, "/:cancel"), None);
    assert_eq!(bind("/v1/things:list", "/v1/things"), None);
    assert_eq!(bind("/v1/things", "/v1/things:list"), None);
}

#[test]
fn single_segment_variable_is_fully_decoded() {
    let t = "/v1/items/{id}";
    assert_eq!(bind(t, "/v1/items/a%20b"), Some(pairs(&[("id", "a b")])));
    // http.proto: single-segment variables get the full reverse decoding.
    assert_eq!(bind(t, "/v1/items/a%2Fb"), Some(pairs(&[("id", "a/b")])));
    assert_eq!(bind(t, "/v1/items/a%2fb"), Some(pairs(&[("id", "a/b")])));
    assert_eq!(bind(t, "/v1/items/%25"), Some(pairs(&[("id", "%")])));
    assert_eq!(bind(t, "/v1/items/%C3%A9"), Some(pairs(&[("id", "é")])));
    assert_eq!(bind(t, "/v1/items/a+b"), Some(pairs(&[("id", "a+b")])));
    assert_eq!(bind(t, "/v1/items/é"), Some(pairs(&[("id", "é")])));
}

#[test]
fn multi_segment_variable_keeps_encoded_slash() {
    let t = "/v1/{name=projects/*/things/*}";
    assert_eq!(
        bind(t, "/v1/projects/my%20proj/things/a%2Fb"),
        Some(pairs(&[("name", "projects/my proj/things/a%2Fb")]))
    );
    assert_eq!(
        bind(t, "/v1/projects/p/things/a%2fb"),
        Some(pairs(&[("name", "projects/p/things/a%2fb")]))
    );
    assert_eq!(
        bind(t, "/v1/projects/p/things/%2D"),
        Some(pairs(&[("name", "projects/p/things/-")]))
    );
}

#[test]
fn invalid_escapes_and_non_utf8_do_not_match() {
    let single = "/v1/items/{id}";
    let multi = "/v1/{name=items/*}";
    for t in [single, multi] {
        for bad in [
            "%zz", "%", "%2", "a%", "a%g0", "%C3", "%FF", "%C3%28", "%E2%82",
        ] {
            let path = format!("/v1/items/{bad}");
            assert_eq!(bind(t, &path), None, "{t} vs {path}");
        }
    }
    assert_eq!(bind("/v1/items/x", "/v1/item%zz/x"), None);
}

#[test]
fn empty_segments_and_shape_mismatches_do_not_match() {
    let t = "/v1/items/{id}";
    for path in [
        "",
        "/",
        "v1/items/a",
        "/v1/items/",
        "/v1/items//a",
        "//v1/items/a",
        "/v1//items/a",
        "/v1/items/a/",
        "/v1/items",
        "/v1/Items/a",
        "/v2/items/a",
    ] {
        assert_eq!(bind(t, path), None, "{path:?}");
    }
}

#[test]
fn oversized_paths_do_not_match() {
    let t = "/v1/{name=**}";
    let long = format!("/v1/{}", "a".repeat(10 * 1024));
    assert_eq!(bind(t, &long), None);
    assert_eq!(bind("/v1/{id}", &long), None);

    let at_limit = format!("/v1/{}", "a".repeat(MAX_PATH_LEN - 4));
    assert_eq!(at_limit.len(), MAX_PATH_LEN);
    assert!(bind(t, &at_limit).is_some());
    assert_eq!(bind(t, &format!("{at_limit}a")), None);

    let hundred = format!("/v1{}", "/s".repeat(99));
    assert_eq!(hundred.split('/').count() - 1, 100);
    assert_eq!(bind(t, &hundred), None);
    let max = format!("/v1{}", "/s".repeat(MAX_SEGMENTS - 1));
    assert!(bind(t, &max).is_some());
    let over = format!("/v1{}", "/s".repeat(MAX_SEGMENTS));
    assert_eq!(bind(t, &over), None);
    // Millions of slashes must be rejected cheaply, not split in full.
    assert_eq!(bind(t, &"/".repeat(MAX_PATH_LEN)), None);
}

#[test]
fn invalid_templates_are_rejected() {
    for bad in [
        "",
        "v1/x",
        "/",
        "/v1//x",
        "/v1/x/",
        "/v1/**/x",
        "/v1/{a=**}/x",
        "/v1/{a=**}/{b=**}",
        "/v1/{a}/{a}",
        "/v1/{a=x/{b}}",
        "/v1/{a",
        "/v1/a}",
        "/v1/x{a}",
        "/v1/{a}x",
        "/v1/{}",
        "/v1/{a.}",
        "/v1/{1a}",
        "/v1/{a-b}",
        "/v1/{a=}",
        "/v1/{a=x//y}",
        "/v1/x:",
        "/v1/x:a:b",
        "/v1/x:a/b",
        "/v1/x:*",
        "/v1/x y",
        "/v1/%41",
        "/v1/***",
        "/v1/a=b",
    ] {
        assert!(Template::parse(bad).is_err(), "{bad:?} should be rejected");
    }
    let too_many = format!("/v1{}", "/x".repeat(MAX_SEGMENTS));
    assert!(Template::parse(&too_many).is_err());
}

#[test]
fn parse_error_names_the_template() {
    let err = Template::parse("/v1/{a}/{a}").expect_err("duplicate binding");
    assert!(
        err.contains("/v1/{a}/{a}") && err.contains("twice"),
        "{err}"
    );
}
