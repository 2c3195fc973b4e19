//! What every resource name type shares: the [`ResourceName`] trait and the parsing and
//! formatting the generated types (`src/generated/resources.rs`) call.

use std::{fmt, str::FromStr};

use super::walk;
use crate::Error;

/// A resource's name type ([`ConversationName`](super::ConversationName), …): code generic
/// over resources reads the type, the patterns and any segment through it.
///
/// ```
/// use ccai_lro::name::{IssueModelName, ResourceName};
/// fn describe<N: ResourceName>(name: &N) -> String {
///     format!("{} under {}", N::TYPE, name.pattern())
/// }
/// let m: IssueModelName = "projects/p/locations/l/issueModels/m".parse().unwrap();
/// assert_eq!(m.segment("issue_model"), Some("m"));
/// assert!(describe(&m).starts_with("contactcenterinsights.googleapis.com/IssueModel under"));
/// ```
pub trait ResourceName:
    FromStr<Err = Error> + fmt::Display + fmt::Debug + AsRef<str> + Clone + Eq
{
    /// The resource type, `contactcenterinsights.googleapis.com/Conversation` say.
    const TYPE: &'static str;
    /// The published name patterns; the first is the canonical one.
    const PATTERNS: &'static [&'static str];

    /// The name as a string.
    fn as_str(&self) -> &str;

    /// The pattern the name matched.
    fn pattern(&self) -> &'static str;

    /// The segment that fills `{var}` in [`ResourceName::pattern`]; `None` when that pattern
    /// has no such variable.
    fn segment(&self, var: &str) -> Option<&str> {
        variable(self.as_str(), self.pattern(), var)
    }
}

/// The segment of `name` that fills `{var}` in `pattern` (`name` matched `pattern`).
fn variable<'a>(name: &'a str, pattern: &str, var: &str) -> Option<&'a str> {
    pattern
        .split('/')
        .zip(name.split('/'))
        .find(|(p, _)| p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) == Some(var))
        .map(|(_, n)| n)
}

/// `pattern` with each `{var}` replaced by its value.
pub(crate) fn fill(pattern: &str, values: &[(&str, &str)]) -> String {
    pattern
        .split('/')
        .map(|seg| {
            let var = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
            var.and_then(|v| values.iter().find(|(k, _)| *k == v))
                .map_or(seg, |(_, value)| value)
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The index of the first of `patterns` that `name` matches, or the error naming them all
/// (`expected`).
pub(crate) fn parse(
    name: &str,
    patterns: &[&'static str],
    expected: &'static str,
) -> Result<usize, Error> {
    patterns
        .iter()
        .position(|p| walk(name, p, |_| ()).is_ok())
        .ok_or_else(|| Error::InvalidName {
            name: name.to_owned(),
            expected,
        })
}

/// The pattern at `index` (one that [`parse`] gave), else the canonical one.
pub(crate) fn pattern_at(patterns: &[&'static str], index: usize) -> &'static str {
    patterns
        .get(index)
        .or(patterns.first())
        .copied()
        .unwrap_or_default()
}
