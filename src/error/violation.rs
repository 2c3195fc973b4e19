//! The ways a server can break the `google.longrunning` protocol.

use std::fmt;

/// What the server did wrong. Not the caller's input and not a transient failure: a server bug
/// to report, which retrying will not fix.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// The operation is done but has neither a response nor an error.
    DoneWithoutResult {
        /// The operation's name.
        name: String,
    },
    /// The operation's error has code 0 (OK), which cannot describe a failure.
    ErrorWithOkCode {
        /// The operation's name.
        name: String,
        /// The error's message.
        message: String,
    },
    /// Asked for one operation, the server answered with another.
    WrongOperation {
        /// The name asked for.
        asked: String,
        /// The name in the answer.
        answered: String,
    },
    /// A new operation's name does not have the shape its API gives operation names.
    MalformedName {
        /// The name as sent.
        name: String,
        /// The expected pattern.
        expected: &'static str,
    },
    /// ListOperations handed out a page token it had handed out before in the same listing,
    /// which would loop forever.
    RepeatedPageToken {
        /// The List RPC.
        method: &'static str,
        /// The parent being listed.
        parent: String,
        /// The repeated token.
        token: String,
    },
    /// An answer decoded but cannot be rendered or read as its type says (for example JSON
    /// of an `Any` whose type is unknown, or a timestamp out of range).
    Unreadable {
        /// The RPC.
        method: &'static str,
        /// What could not be read.
        reason: String,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::DoneWithoutResult { name } => {
                write!(
                    f,
                    "operation {name} is done but has neither a response nor an error"
                )
            }
            Violation::ErrorWithOkCode { name, message } => write!(
                f,
                "operation {name} reported an error with code 0 (OK): {message:?}"
            ),
            Violation::WrongOperation { asked, answered } => write!(
                f,
                "asked for operation {asked}, the server answered with {answered:?}"
            ),
            Violation::MalformedName { name, expected } => write!(
                f,
                "the server named a new operation {name:?}, which is not {expected}"
            ),
            Violation::RepeatedPageToken {
                method,
                parent,
                token,
            } => write!(
                f,
                "{method} of {parent} repeated page token {token:?}; stopped listing"
            ),
            Violation::Unreadable { method, reason } => {
                write!(f, "the answer of {method} cannot be read: {reason}")
            }
        }
    }
}
