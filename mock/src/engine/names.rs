//! Resource names as the engine keys them: checked against their kind's patterns, and made
//! canonical. A conversation seen through an authorized view
//! (`…/authorizedViewSets/s/authorizedViews/v/conversations/c`) is the location's conversation
//! `…/conversations/c`: views filter access, they do not copy data.

use std::borrow::Cow;

use tonic::Status;

use super::errors::bad_field;
use super::schema::Kind;
use crate::names::{bounded, quote};
use ccai_lro::name::walk;

/// `name` in canonical form: the authorized-view segments dropped.
pub(crate) fn canonical(name: &str) -> Cow<'_, str> {
    let segments: Vec<&str> = name.split('/').collect();
    match segments.get(4..8) {
        Some([sets, _, views, _])
            if *sets == "authorizedViewSets" && *views == "authorizedViews" =>
        {
            let mut kept: Vec<&str> = segments.get(..4).unwrap_or_default().to_vec();
            kept.extend(segments.get(8..).unwrap_or_default());
            Cow::Owned(kept.join("/"))
        }
        _ => Cow::Borrowed(name),
    }
}

/// Checks `name` (the request's `field`) against one of `patterns` and makes it canonical.
pub(crate) fn checked<'a>(
    field: &str,
    name: &'a str,
    patterns: &[&'static str],
) -> Result<Cow<'a, str>, Status> {
    bounded(field, name)?;
    if patterns.iter().any(|p| walk(name, p, |_| {}).is_ok()) {
        return Ok(canonical(name));
    }
    let expected = patterns.join(" or ");
    let description = if name.is_empty() {
        format!("required: expected {expected}")
    } else {
        format!("invalid resource name {}: expected {expected}", quote(name))
    };
    Err(bad_field(field, description))
}

/// Checks the name of a resource of `kind`.
pub(crate) fn resource<'a>(
    field: &str,
    name: &'a str,
    kind: &Kind,
) -> Result<Cow<'a, str>, Status> {
    checked(field, name, &kind.patterns)
}

/// The patterns of the parent of `kind`: its canonical parent and, for resources that can be
/// reached through authorized views, the view's.
pub(crate) fn parent_patterns(kind: &Kind) -> Vec<&'static str> {
    kind.patterns
        .iter()
        .filter_map(|p| {
            let cut = if kind.singleton.is_some() { 1 } else { 2 };
            let mut end = p.len();
            for _ in 0..cut {
                end = p.get(..end)?.rfind('/')?;
            }
            p.get(..end)
        })
        .collect()
}

/// A user-chosen id (`conversation_id`...): 1 to 64 lowercase letters, digits and hyphens, as
/// Insights documents for its ids (URL-safe, so names need no escaping).
pub(crate) fn check_id(field: &str, id: &str) -> Result<(), Status> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(bad_field(
            field,
            format!("invalid id {}: expected 1 to 64 of [a-z0-9-]", quote(id)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorized_views_reach_the_locations_resources() {
        assert_eq!(
            canonical("projects/p/locations/l/authorizedViewSets/s/authorizedViews/v/conversations/c/analyses/a"),
            "projects/p/locations/l/conversations/c/analyses/a"
        );
        assert_eq!(
            canonical("projects/p/locations/l/conversations/c"),
            "projects/p/locations/l/conversations/c"
        );
        assert_eq!(canonical("projects/p"), "projects/p");
    }

    #[test]
    fn ids_are_url_safe() {
        assert!(check_id("conversation_id", "call-0001").is_ok());
        for bad in ["", "Call", "a/b", "a b", &"x".repeat(65)] {
            assert!(check_id("conversation_id", bad).is_err(), "{bad}");
        }
    }
}
