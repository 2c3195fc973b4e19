//! Resource names, checked before any RPC.
//!
//! Insights names operations `projects/{project}/locations/{location}/operations/{operation}` and
//! lists them under `projects/{project}/locations/{location}`. Other APIs name theirs otherwise
//! (`projects/{project}/operations/{operation}`, `operations/{operation}`), so a handle whose
//! types are not Insights types only checks the shape every resource name shares
//! ([`ANY_PATTERN`]). A malformed name never reaches the server: it becomes
//! [`Error::InvalidName`] showing the expected pattern. Segments are non-empty and hold no
//! whitespace or control characters, which is what the service itself refuses.
//!
//! Each Insights resource has a type that parses every published pattern of its name and
//! formats the canonical one ([`ConversationName`], [`IssueModelName`], …, fourteen in all).
//!
//! ```
//! use ccai_lro::name::ConversationName;
//! let c = ConversationName::new("p", "us-central1", "c1").unwrap();
//! assert_eq!(c.as_str(), "projects/p/locations/us-central1/conversations/c1");
//! let viewed: ConversationName =
//!     "projects/p/locations/l/authorizedViewSets/s/authorizedViews/v/conversations/c1".parse().unwrap();
//! assert_eq!((viewed.conversation(), viewed.authorized_view()), ("c1", Some("v")));
//! assert!("projects/p/conversations/c1".parse::<ConversationName>().is_err());
//! ```
//!
//! ```
//! use ccai_lro::name::{OperationName, OPERATION_PATTERN};
//! let name: OperationName = "projects/p/locations/us-central1/operations/42".parse().unwrap();
//! assert_eq!(name.location(), "us-central1");
//! assert_eq!(name.parent(), "projects/p/locations/us-central1");
//! let err = "projects/p/operations/42".parse::<OperationName>().unwrap_err();
//! assert!(err.to_string().contains(OPERATION_PATTERN));
//! ```

use std::{fmt, str::FromStr};

use crate::Error;

pub(crate) mod resource;

pub use crate::generated::resources::*;
pub use resource::ResourceName;

/// The pattern of an operation name.
pub const OPERATION_PATTERN: &str =
    "projects/{project}/locations/{location}/operations/{operation}";
/// The pattern of a location, the parent of operations and most Insights resources.
pub const LOCATION_PATTERN: &str = "projects/{project}/locations/{location}";
/// The shape every resource name of every API shares: one or more `/`-separated segments.
pub const ANY_PATTERN: &str = "{segment}[/{segment}...] (non-empty segments, no whitespace)";
/// The protobuf package of the Insights API's messages.
pub const INSIGHTS_PACKAGE: &str = "google.cloud.contactcenterinsights.v1";

/// Checks a resource name of any API against [`ANY_PATTERN`].
///
/// ```
/// use ccai_lro::name::check_any;
/// assert!(check_any("projects/p/operations/o").is_ok());
/// assert!(check_any("operations/123").is_ok());
/// assert!(check_any("projects//operations/o").is_err());
/// assert!(check_any("projects/p/operations/o o").is_err());
/// ```
pub fn check_any(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty() && name.split('/').all(is_valid_segment);
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidName {
            name: name.to_owned(),
            expected: ANY_PATTERN,
        })
    }
}

/// Whether the service accepts `seg` as one segment of a name: non-empty, no whitespace or
/// control characters (`/` is the caller's to split on).
pub fn is_valid_segment(seg: &str) -> bool {
    !seg.is_empty() && !seg.chars().any(|c| c.is_control() || c.is_whitespace())
}
/// The pattern of a conversation, the parent of CreateAnalysis.
pub const CONVERSATION_PATTERN: &str =
    "projects/{project}/locations/{location}/conversations/{conversation}";
/// The pattern of an issue model, named by DeleteIssueModel, DeployIssueModel,
/// UndeployIssueModel and ExportIssueModel.
pub const ISSUE_MODEL_PATTERN: &str =
    "projects/{project}/locations/{location}/issueModels/{issue_model}";
/// The pattern of a location's encryption spec (a singleton), named by InitializeEncryptionSpec.
pub const ENCRYPTION_SPEC_PATTERN: &str = "projects/{project}/locations/{location}/encryptionSpec";
/// The pattern of a QA scorecard revision, the parent of TuneQaScorecardRevision.
pub const QA_REVISION_PATTERN: &str =
    "projects/{project}/locations/{location}/qaScorecards/{qa_scorecard}/revisions/{revision}";

/// Checks `name` against a pattern of literal segments and `{variables}`; returns the variables.
///
/// A variable matches one non-empty segment without `/`, whitespace or control characters.
pub fn check<'a>(name: &'a str, pattern: &'static str) -> Result<Vec<&'a str>, Error> {
    let mut vars = Vec::new();
    walk(name, pattern, |v| vars.push(v))?;
    Ok(vars)
}

/// Matches `name` against `pattern` in one pass, handing each variable's segment to `var`:
/// [`check`] without allocating. Every RPC by name runs this (the client's and the mock's
/// checks are this one function), so it walks both strings once, in step.
///
/// ```
/// use ccai_lro::name::{walk, LOCATION_PATTERN};
/// let mut location = "";
/// walk("projects/p/locations/eu", LOCATION_PATTERN, |v| location = v).unwrap();
/// assert_eq!(location, "eu");
/// ```
pub fn walk<'a>(
    name: &'a str,
    pattern: &'static str,
    mut var: impl FnMut(&'a str),
) -> Result<(), Error> {
    let invalid = || Error::InvalidName {
        name: name.to_owned(),
        expected: pattern,
    };
    let (got, want) = (name.as_bytes(), pattern.as_bytes());
    let (mut i, mut j) = (0, 0);
    while let Some(&w) = want.get(j) {
        // A variable is a whole pattern segment starting with `{`; a `{` inside a segment is
        // literal text, as in `check`'s contract.
        let starts_segment = j == 0 || want.get(j - 1) == Some(&b'/');
        if w != b'{' || !starts_segment {
            // A literal byte, `/` included.
            if got.get(i) != Some(&w) {
                return Err(invalid());
            }
            i += 1;
            j += 1;
            continue;
        }
        // A variable: skip its pattern segment, take one segment of the name.
        while want.get(j).is_some_and(|&b| b != b'/') {
            j += 1;
        }
        let start = i;
        let mut suspect = false;
        while let Some(&b) = got.get(i).filter(|&&b| b != b'/') {
            // Space, C0 and DEL, or any non-ASCII byte (C1 controls and Unicode spaces are
            // multi-byte): confirmed below, so plain ASCII names pay one comparison a byte.
            suspect |= b <= b' ' || b >= 0x7f;
            i += 1;
        }
        match name.get(start..i) {
            Some(seg) if !seg.is_empty() && (!suspect || is_valid_segment(seg)) => var(seg),
            _ => return Err(invalid()),
        }
    }
    if i == got.len() {
        Ok(())
    } else {
        Err(invalid())
    }
}

/// A validated operation name, `projects/{project}/locations/{location}/operations/{operation}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OperationName {
    full: String,
    location_len: usize,
    project_len: usize,
}

impl OperationName {
    /// The whole name.
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// The project id or number.
    pub fn project(&self) -> &str {
        &self.full["projects/".len()..self.project_len]
    }

    /// The location, e.g. `us-central1`.
    pub fn location(&self) -> &str {
        &self.full[self.project_len + "/locations/".len()..self.location_len]
    }

    /// The operation id.
    pub fn operation(&self) -> &str {
        &self.full[self.location_len + "/operations/".len()..]
    }

    /// The location the operation lives in, `projects/{project}/locations/{location}`.
    pub fn parent(&self) -> &str {
        &self.full[..self.location_len]
    }
}

impl FromStr for OperationName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        // The first two variables are the project and the location.
        let mut lens = [0; 2];
        let mut seen = 0;
        walk(s, OPERATION_PATTERN, |v| {
            if let Some(len) = lens.get_mut(seen) {
                *len = v.len();
            }
            seen += 1;
        })?;
        let project_len = "projects/".len() + lens[0];
        let location_len = project_len + "/locations/".len() + lens[1];
        Ok(OperationName {
            full: s.to_owned(),
            location_len,
            project_len,
        })
    }
}

impl fmt::Display for OperationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

impl AsRef<str> for OperationName {
    fn as_ref(&self) -> &str {
        &self.full
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_splits() {
        let n: OperationName = "projects/p-1/locations/eu/operations/op".parse().unwrap();
        assert_eq!(
            (n.project(), n.location(), n.operation()),
            ("p-1", "eu", "op")
        );
        assert_eq!(n.parent(), "projects/p-1/locations/eu");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "projects/p/locations/l/operations/",
            "projects//locations/l/operations/o",
            "projects/p/locations/l/operations/o/extra",
            "project/p/locations/l/operations/o",
            "projects/p/locations/l",
            "projects/p/locations/l/operations/o\n",
            "projects/p/locations/l\u{7f}/operations/o",
            "projects/p/locations/l\u{85}x/operations/o",
            "projects/p/locations/l/operations",
            "projects/p/locations/l/operations/o/",
            "/projects/p/locations/l/operations/o",
            "projects/p/locations/l/operations/o/x",
            "projects/p/locations/l/operation/o",
        ] {
            let err = bad.parse::<OperationName>().unwrap_err();
            assert!(
                matches!(err, Error::InvalidName { .. }),
                "{bad:?} gave {err:?}"
            );
        }
    }

    #[test]
    fn location_pattern() {
        assert_eq!(
            check("projects/p/locations/l", LOCATION_PATTERN).unwrap(),
            ["p", "l"]
        );
        assert!(check("projects/p/locations/l/x", LOCATION_PATTERN).is_err());
        // A variable fills its whole segment; a `{` later in a segment is literal text.
        assert_eq!(check("a.json/x", "{id}/x").unwrap(), ["a.json"]);
        assert_eq!(
            check("v{version}", "v{version}").unwrap(),
            Vec::<&str>::new()
        );
        assert!(check("v1", "v{version}").is_err());
        assert_eq!(check("ab", "{a}{b}").unwrap(), ["ab"]);
        // Non-ASCII that is neither a control character nor whitespace is a valid segment,
        // including characters whose lead byte 0xC2 a C1 control shares.
        assert_eq!(
            check("projects/é/locations/l\u{a2}", LOCATION_PATTERN).unwrap(),
            ["é", "l\u{a2}"]
        );
        // The service refuses whitespace, ASCII or not, so we do too.
        for bad in [
            "projects/p q/locations/l",
            "projects/p/locations/l\u{a0}",
            "projects/p/locations/\u{3000}",
        ] {
            assert!(check(bad, LOCATION_PATTERN).is_err(), "{bad:?}");
        }
    }
}
