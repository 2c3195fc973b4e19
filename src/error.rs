//! One error type with classes a caller can match on.
//!
//! Every failure of this crate is an [`Error`]. Its variants say *where* things went wrong: the
//! server refused a call ([`Error::Rpc`]), the operation itself finished with an error
//! ([`Error::OperationFailed`]), a payload was not what its type promised ([`Error::TypeMismatch`],
//! [`Error::Corrupt`]), we stopped waiting ([`Error::Timeout`]: the operation goes on), and so on.
//! Whatever the class, [`Error::code`] gives the `google.rpc.Code` that best describes it and
//! [`Error::status`] the server's full [`Status`] when there is one.
//!
//! ```
//! use ccai_lro::{Code, Error};
//! fn explain(e: &Error) -> &'static str {
//!     match e {
//!         Error::OperationFailed { .. } => "the operation ran and failed",
//!         Error::Timeout { .. } => "still running; resume later by name",
//!         e if e.is_retryable() => "try again",
//!         e if e.code() == Code::NotFound => "no such operation",
//!         _ => "other",
//!     }
//! }
//! # let _ = explain;
//! ```

use std::time::Duration;

use crate::status::{Code, Status};

/// Everything that can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered a call with a non-OK status.
    #[error("{method}: {status}")]
    Rpc {
        /// The RPC, e.g. `GetOperation`.
        method: &'static str,
        /// What the server said.
        status: Status,
    },
    /// The service does not implement this method (Insights answers DeleteOperation and
    /// WaitOperation with UNIMPLEMENTED).
    #[error("the service does not support {method}: {status}")]
    Unsupported {
        /// The RPC.
        method: &'static str,
        /// What the server said.
        status: Status,
    },
    /// The call failed for lack of valid credentials: the provider could not produce them, or the
    /// server answered UNAUTHENTICATED.
    #[error("authentication failed: {message}")]
    Auth {
        /// What failed; never contains a secret.
        message: String,
        /// The server's status, when the server refused.
        status: Option<Status>,
    },
    /// The connection failed or broke before the server answered.
    #[error("{method}: transport error: {message}")]
    Transport {
        /// The RPC.
        method: &'static str,
        /// What the transport said.
        message: String,
    },
    /// The operation finished with `Operation.error`.
    #[error("operation {name} failed: {status}")]
    OperationFailed {
        /// The operation's name.
        name: String,
        /// The operation's error.
        status: Status,
    },
    /// A payload's type URL was not the one its typed handle expects.
    #[error("operation {name}: {field} has type {actual}, expected {expected}")]
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
    #[error("operation {name}: {field} of type {type_url} is corrupt: {source}")]
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
    #[error("stopped waiting for operation {name} after {waited:?}; it continues server-side, resume it by name")]
    Timeout {
        /// The operation's name.
        name: String,
        /// How long we waited.
        waited: Duration,
    },
    /// A resource name did not match its pattern; no RPC was made.
    #[error("invalid resource name {name:?}: expected {expected}")]
    InvalidName {
        /// The rejected name.
        name: String,
        /// The expected pattern.
        expected: &'static str,
    },
    /// A local argument or configuration was invalid; no RPC was made.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The server said the operation is done but gave neither a response nor an error.
    #[error("operation {name} is done but has neither a response nor an error")]
    DoneWithoutResult {
        /// The operation's name.
        name: String,
    },
    /// The operation's error had code 0 (OK), which cannot describe a failure.
    #[error("operation {name} reported an error with code 0 (OK): {message:?}")]
    ErrorWithOkCode {
        /// The operation's name.
        name: String,
        /// The error's message.
        message: String,
    },
}

impl Error {
    /// The `google.rpc.Code` that best describes this error.
    pub fn code(&self) -> Code {
        match self {
            Error::Rpc { status, .. } | Error::OperationFailed { status, .. } => status.code(),
            Error::Unsupported { .. } => Code::Unimplemented,
            Error::Auth { .. } => Code::Unauthenticated,
            Error::Transport { .. } => Code::Unavailable,
            Error::TypeMismatch { .. } | Error::Corrupt { .. } => Code::DataLoss,
            Error::Timeout { .. } => Code::DeadlineExceeded,
            Error::InvalidName { .. } | Error::InvalidArgument(_) => Code::InvalidArgument,
            Error::DoneWithoutResult { .. } | Error::ErrorWithOkCode { .. } => Code::Internal,
        }
    }

    /// The server's status, for errors that carry one.
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

    /// Classifies a failed call.
    pub(crate) fn from_call(method: &'static str, status: &tonic::Status) -> Error {
        if let Some(message) = crate::auth::failure(status) {
            return Error::Auth {
                message,
                status: None,
            };
        }
        if source_is::<tonic::TimeoutExpired>(status) {
            // The channel enforced the grpc-timeout we sent: our deadline, not a broken link.
            let status = Status::new(Code::DeadlineExceeded, "no answer within the call deadline");
            return Error::Rpc { method, status };
        }
        if is_transport(status) {
            // Layers often repeat their inner error's text; keep each piece once.
            let mut message = status.message().to_owned();
            let mut source = std::error::Error::source(status);
            while let Some(s) = source {
                let piece = s.to_string();
                if !message.contains(&piece) {
                    message = format!("{message}: {piece}");
                }
                source = s.source();
            }
            return Error::Transport { method, message };
        }
        let parsed = Status::from_tonic(status);
        match parsed.code() {
            Code::Unauthenticated => Error::Auth {
                message: format!("{method}: {}", parsed.message()),
                status: Some(parsed),
            },
            Code::Unimplemented => Error::Unsupported {
                method,
                status: parsed,
            },
            _ => Error::Rpc {
                method,
                status: parsed,
            },
        }
    }
}

/// The first error of type `E` in the status's source chain.
pub(crate) fn find_source<E: std::error::Error + 'static>(status: &tonic::Status) -> Option<&E> {
    let mut source = std::error::Error::source(status);
    while let Some(s) = source {
        if let Some(e) = s.downcast_ref::<E>() {
            return Some(e);
        }
        source = s.source();
    }
    None
}

fn source_is<E: std::error::Error + 'static>(status: &tonic::Status) -> bool {
    find_source::<E>(status).is_some()
}

/// A status made up by the client side for a failure below gRPC (connect refused, stream reset).
fn is_transport(status: &tonic::Status) -> bool {
    source_is::<tonic::transport::Error>(status)
        || source_is::<std::io::Error>(status)
        || source_is::<h2::Error>(status)
}
