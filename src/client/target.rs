//! An operation name, checked once, with its routing header.

use http::HeaderValue;

use super::headers::routing;
use crate::{
    name::{check_any, walk, OPERATION_PATTERN},
    Error,
};

/// Which names a call accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameRule {
    /// Insights' `projects/{project}/locations/{location}/operations/{operation}`.
    Insights,
    /// Any API's resource name ([`crate::name::ANY_PATTERN`]).
    Any,
}

impl NameRule {
    /// The rule for a handle on `R` and `M` payloads: Insights' pattern when either is an
    /// Insights type, any resource name otherwise.
    pub(crate) fn for_payloads<R: crate::Payload, M: crate::Payload>() -> NameRule {
        if R::is_insights() || M::is_insights() {
            NameRule::Insights
        } else {
            NameRule::Any
        }
    }

    pub(crate) fn check(self, name: &str) -> Result<(), Error> {
        match self {
            NameRule::Insights => walk(name, OPERATION_PATTERN, |_| ()),
            NameRule::Any => check_any(name),
        }
    }
}

/// A validated operation name and its routing header, for one call. An operation handle
/// borrows the name from its last state and checks it once.
#[derive(Clone, Debug)]
pub(crate) struct Target<'a> {
    pub(crate) name: &'a str,
    pub(crate) routing: HeaderValue,
}

impl<'a> Target<'a> {
    /// Checks `name` by `rule`.
    pub(crate) fn new(name: &'a str, rule: NameRule) -> Result<Target<'a>, Error> {
        rule.check(name)?;
        Ok(Target::checked(name))
    }

    /// The target of a name checked before.
    pub(crate) fn checked(name: &'a str) -> Target<'a> {
        Target {
            name,
            routing: routing("name", name),
        }
    }
}
