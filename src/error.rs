//! One error type with classes a caller can match on.
//!
//! Every failure of this crate is an [`Error`]. Its variants say *where* things went wrong: the
//! server refused a call ([`Error::Rpc`]), the operation itself finished with an error
//! ([`Error::OperationFailed`]), a payload was not what its type promised ([`Error::TypeMismatch`],
//! [`Error::Corrupt`]), we stopped waiting ([`Error::Timeout`]: the operation goes on), your
//! input was refused before any RPC ([`Error::InvalidName`], [`Error::InvalidArgument`]), or
//! the server broke the protocol ([`Error::Protocol`]). Whatever the class, [`Error::code`]
//! gives the `google.rpc.Code` that best describes it and [`Error::status`] the server's full
//! [`Status`] when there is one. An error displays as one line that starts with that code's
//! name, once.
//!
//! ```
//! use ccai_lro::{Code, Error};
//! fn explain(e: &Error) -> &'static str {
//!     match e {
//!         Error::OperationFailed { .. } => "the operation ran and failed",
//!         Error::Timeout { .. } => "still running; resume later by name",
//!         Error::Protocol(_) => "the server misbehaved; report it",
//!         e if e.is_retryable() => "try again",
//!         e if e.code() == Code::NotFound => "no such operation",
//!         _ => "other",
//!     }
//! }
//! # let _ = explain;
//! ```

mod classify;
mod violation;

use std::{fmt, time::Duration};

pub use violation::Violation;

use crate::status::{Code, Status};

/// The cause of a transport or credentials failure, kept for [`std::error::Error::source`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server answered a call with a non-OK status.
    Rpc {
        /// The RPC, e.g. `GetOperation`.
        method: &'static str,
        /// What the server said.
        status: Status,
    },
    /// The service does not implement this method (Insights answers DeleteOperation and
    /// WaitOperation with UNIMPLEMENTED).
    Unsupported {
        /// The RPC.
        method: &'static str,
        /// What the server said.
        status: Status,
    },
    /// The call failed for lack of valid credentials: they could not be produced (then
    /// `source` says why), or the server answered UNAUTHENTICATED (then `status` is set).
    Auth {
        /// What failed; never contains a secret.
        message: String,
        /// The server's status, when the server refused.
        status: Option<Status>,
        /// The cause, when the credentials could not be produced.
        source: Option<BoxError>,
    },
    /// The connection failed or broke before the server answered.
    Transport {
        /// The RPC.
        method: &'static str,
        /// The cause's chain in one line.
        message: String,
        /// The cause.
        source: BoxError,
    },
    /// The connection could not be set up: the TLS handshake failed (the server's
    /// certificate did not verify, or the server asked for a client certificate), or a proxy
    /// refused the tunnel. Retrying will not fix it, so it is not retried.
    Connection {
        /// The RPC.
        method: &'static str,
        /// What failed and what to do, in one line.
        reason: String,
        /// The cause.
        source: BoxError,
    },
    /// The operation finished with `Operation.error`.
    OperationFailed {
        /// The operation's name.
        name: String,
        /// The operation's error.
        status: Status,
    },
    /// A payload named another message than its typed handle expects (the full names after the
    /// last `/` differ; the domains are not compared).
    TypeMismatch {
        /// The operation's name.
        name: String,
        /// `response` or `metadata`.
        field: &'static str,
        /// The type URL the handle expects.
        expected: String,
        /// The type URL the server sent.
        actual: String,
    },
    /// A payload had the right type URL but its bytes did not decode.
    Corrupt {
        /// The operation's name.
        name: String,
        /// `response`, `metadata` or `error`.
        field: &'static str,
        /// The payload's type URL.
        type_url: String,
        /// The decoder's complaint.
        source: prost::DecodeError,
    },
    /// We stopped waiting. The operation continues on the server; resume it by name.
    Timeout {
        /// The operation's name.
        name: String,
        /// How long we waited.
        waited: Duration,
    },
    /// A resource name did not match its pattern; no RPC was made.
    InvalidName {
        /// The rejected name.
        name: String,
        /// The expected pattern.
        expected: &'static str,
    },
    /// A local argument or configuration was invalid; no RPC was made.
    InvalidArgument(String),
    /// The server answered, but broke the protocol: retrying will not help.
    Protocol(Violation),
}

impl Error {
    /// The `google.rpc.Code` that best describes this error.
    pub fn code(&self) -> Code {
        match self {
            Error::Rpc { status, .. } | Error::OperationFailed { status, .. } => status.code(),
            Error::Unsupported { .. } => Code::Unimplemented,
            Error::Auth { .. } => Code::Unauthenticated,
            Error::Transport { .. } | Error::Connection { .. } => Code::Unavailable,
            Error::TypeMismatch { .. } | Error::Corrupt { .. } => Code::DataLoss,
            Error::Timeout { .. } => Code::DeadlineExceeded,
            Error::InvalidName { .. } | Error::InvalidArgument(_) => Code::InvalidArgument,
            Error::Protocol(_) => Code::Internal,
        }
    }

    /// The status of a call or operation, for errors that carry one: the server's, or for a
    /// call that outran its deadline on our side, DEADLINE_EXCEEDED made by the client.
    pub fn status(&self) -> Option<&Status> {
        match self {
            Error::Rpc { status, .. }
            | Error::Unsupported { status, .. }
            | Error::OperationFailed { status, .. } => Some(status),
            Error::Auth { status, .. } => status.as_ref(),
            _ => None,
        }
    }

    /// Whether repeating the same call may succeed (AIP-194: UNAVAILABLE, and a broken transport).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Rpc { status, .. } => status.code() == Code::Unavailable,
            Error::Transport { .. } => true,
            _ => false,
        }
    }

    /// The delay the server asked for in a `RetryInfo` detail.
    pub fn retry_delay(&self) -> Option<Duration> {
        self.status().and_then(Status::retry_delay)
    }
}

impl From<crate::auth::AuthError> for Error {
    /// Credentials that could not be produced or were malformed, e.g. from
    /// [`Credentials::api_key`](crate::auth::Credentials::api_key).
    fn from(e: crate::auth::AuthError) -> Error {
        Error::Auth {
            message: e.to_string(),
            status: None,
            source: Some(Box::new(e)),
        }
    }
}

impl fmt::Display for Error {
    /// One line: the code's name, then what happened and, where it helps, what to do.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status() {
            Some(s) => f.write_str(&s.code_name())?,
            None => f.write_str(self.code().as_str_name())?,
        }
        f.write_str(": ")?;
        match self {
            Error::Rpc { method, status } => write!(f, "{method}: {}", status.summary()),
            Error::Unsupported { method, status } => write!(
                f,
                "the service does not support {method}: {}",
                status.summary()
            ),
            Error::Auth {
                message,
                status: Some(status),
                ..
            } => write!(
                f,
                "{message}: {}: the credentials are missing, invalid or expired",
                status.summary()
            ),
            Error::Auth { message, .. } => write!(f, "no credentials: {message}"),
            Error::Transport {
                method, message, ..
            } => {
                write!(f, "{method}: no answer from the server: {message}")
            }
            Error::Connection { method, reason, .. } => write!(f, "{method}: {reason}"),
            Error::OperationFailed { name, status } => {
                write!(f, "operation {name} failed: {}", status.summary())
            }
            Error::TypeMismatch {
                name,
                field,
                expected,
                actual,
            } => write!(
                f,
                "operation {name}: {field} has type {actual}, expected {expected}"
            ),
            Error::Corrupt {
                name,
                field,
                type_url,
                source,
            } => write!(
                f,
                "operation {name}: {field} of type {type_url} is corrupt: {source}"
            ),
            Error::Timeout { name, waited } => write!(
                f,
                "stopped waiting for operation {name} after {waited:.1?}; it continues \
                 server-side, resume it by name"
            ),
            Error::InvalidName { name, expected } => {
                write!(f, "invalid resource name {name:?}: expected {expected}")
            }
            Error::InvalidArgument(message) => f.write_str(message),
            Error::Protocol(v) => write!(f, "the server broke the protocol: {v}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Auth {
                source: Some(s), ..
            }
            | Error::Transport { source: s, .. }
            | Error::Connection { source: s, .. } => Some(s.as_ref()),
            Error::Corrupt { source, .. } => Some(source),
            _ => None,
        }
    }
}
