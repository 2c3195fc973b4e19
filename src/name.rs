//! Resource names, checked before any RPC.
//!
//! Insights names operations `projects/{project}/locations/{location}/operations/{operation}` and
//! lists them under `projects/{project}/locations/{location}`. A malformed name never reaches the
//! server: it becomes [`Error::InvalidName`] showing the expected pattern.
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

/// The pattern of an operation name.
pub const OPERATION_PATTERN: &str =
    "projects/{project}/locations/{location}/operations/{operation}";
/// The pattern of a location, the parent of operations and most Insights resources.
pub const LOCATION_PATTERN: &str = "projects/{project}/locations/{location}";

/// Checks `name` against a pattern of literal segments and `{variables}`; returns the variables.
///
/// A variable matches one non-empty segment without `/`.
pub fn check<'a>(name: &'a str, pattern: &'static str) -> Result<Vec<&'a str>, Error> {
    let invalid = || Error::InvalidName {
        name: name.to_owned(),
        expected: pattern,
    };
    let mut got = name.split('/');
    let mut vars = Vec::new();
    for want in pattern.split('/') {
        let seg = got.next().ok_or_else(invalid)?;
        if want.starts_with('{') {
            if seg.is_empty() || seg.chars().any(char::is_control) {
                return Err(invalid());
            }
            vars.push(seg);
        } else if seg != want {
            return Err(invalid());
        }
    }
    if got.next().is_some() {
        return Err(invalid());
    }
    Ok(vars)
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
        let vars = check(s, OPERATION_PATTERN)?;
        let project_len = "projects/".len() + vars[0].len();
        let location_len = project_len + "/locations/".len() + vars[1].len();
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
    }
}
