//! A type per Insights resource, from the generated table: each parses every published
//! pattern of its resource, formats the canonical one, and names its variables.

use std::{fmt, str::FromStr};

use super::walk;
use crate::Error;

/// The segment of `name` that fills `{var}` in `pattern` (`name` matched `pattern`).
fn variable<'a>(name: &'a str, pattern: &str, var: &str) -> Option<&'a str> {
    pattern
        .split('/')
        .zip(name.split('/'))
        .find(|(p, _)| p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) == Some(var))
        .map(|(_, n)| n)
}

/// `pattern` with each `{var}` replaced by its value.
fn fill(pattern: &str, values: &[(&str, &str)]) -> String {
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

/// The index of the first of `patterns` that `name` matches.
fn matching(name: &str, patterns: &[&'static str]) -> Option<usize> {
    patterns.iter().position(|p| walk(name, p, |_| ()).is_ok())
}

macro_rules! resources {
    ($(
        $(#[$doc:meta])*
        $ty:ident, $kind:literal, [$first:literal $(, $pattern:literal)*],
            always($($always:ident),*), sometimes($($sometimes:ident),*);
    )*) => {$(
        $(#[$doc])*
        ///
        /// Parsed from any of [`Self::PATTERNS`]; a string that matches none is refused with
        /// [`Error::InvalidName`] naming them.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty {
            name: String,
            pattern: usize,
        }

        impl $ty {
            /// The resource type.
            pub const TYPE: &'static str = $kind;
            /// The published name patterns; the first is the one [`Self::new`] makes.
            pub const PATTERNS: &'static [&'static str] = &[$first $(, $pattern)*];
            const EXPECTED: &'static str = concat!($first $(, " or ", $pattern)*);

            /// The name under the first pattern; each value must be one non-empty segment
            /// (no `/`, whitespace or control characters).
            #[allow(clippy::too_many_arguments)]
            pub fn new($($always: &str),*) -> Result<Self, Error> {
                fill($first, &[$((stringify!($always), $always)),*]).parse()
            }

            /// The name as a string.
            pub fn as_str(&self) -> &str {
                &self.name
            }

            /// The pattern the name matched.
            pub fn pattern(&self) -> &'static str {
                Self::PATTERNS.get(self.pattern).copied().unwrap_or($first)
            }

            fn var(&self, var: &str) -> Option<&str> {
                variable(&self.name, self.pattern(), var)
            }

            $(
                #[doc = concat!("The `{", stringify!($always), "}` segment.")]
                pub fn $always(&self) -> &str {
                    self.var(stringify!($always)).unwrap_or_default()
                }
            )*
            $(
                #[doc = concat!("The `{", stringify!($sometimes), "}` segment, under the patterns that have one.")]
                pub fn $sometimes(&self) -> Option<&str> {
                    self.var(stringify!($sometimes))
                }
            )*
        }

        impl FromStr for $ty {
            type Err = Error;

            fn from_str(name: &str) -> Result<Self, Error> {
                match matching(name, Self::PATTERNS) {
                    Some(pattern) => Ok($ty { name: name.to_owned(), pattern }),
                    None => Err(Error::InvalidName { name: name.to_owned(), expected: Self::EXPECTED }),
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.name)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.name
            }
        }

        impl From<$ty> for String {
            fn from(name: $ty) -> String {
                name.name
            }
        }
    )*};
}

crate::insights_resources!(resources);
