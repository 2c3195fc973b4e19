//! `google.rpc.Status`: a code, a message and typed details.
//!
//! Servers explain failures with a [`Status`]; Google's APIs attach standard detail messages
//! (why, what to fix, when to retry). This module decodes the ten standard types into [`Detail`]
//! variants and keeps anything else as the raw [`Any`], so nothing the server said is lost.
//!
//! We decode with the crate's own generated `google.rpc` types rather than tonic-types' decoder:
//! that one skips unknown detail types and fails the whole list on one bad detail, while we must
//! keep both visible. [`Status`] converts to a [`tonic::Status`] (details in
//! `grpc-status-details-bin`) for code that uses tonic-types' `StatusExt`, through [`to_tonic`],
//! the one encoder of a `google.rpc.Status` for the wire (the mock answers with it too).

use std::{borrow::Cow, fmt, time::Duration};

use prost::{Message, Name};
use prost_types::Any;

use crate::proto::google::rpc::{
    self as pb, BadRequest, DebugInfo, ErrorInfo, Help, LocalizedMessage, PreconditionFailure,
    QuotaFailure, RequestInfo, ResourceInfo, RetryInfo,
};

pub use crate::proto::google::rpc::Code;

/// One detail attached to a [`Status`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Detail {
    /// Why the error happened: reason, domain, metadata.
    ErrorInfo(ErrorInfo),
    /// When the client may retry.
    RetryInfo(RetryInfo),
    /// Server-side debugging information.
    DebugInfo(DebugInfo),
    /// Which quota check failed.
    QuotaFailure(QuotaFailure),
    /// Which precondition failed.
    PreconditionFailure(PreconditionFailure),
    /// Which request fields were invalid.
    BadRequest(BadRequest),
    /// Identifies the request for a bug report.
    RequestInfo(RequestInfo),
    /// The resource the error is about.
    ResourceInfo(ResourceInfo),
    /// Links to documentation.
    Help(Help),
    /// The message in the user's language.
    LocalizedMessage(LocalizedMessage),
    /// A detail of a type we do not know, kept as sent.
    Other(Any),
    /// A detail whose type is known but whose bytes did not decode; kept as sent.
    Undecodable {
        /// The detail as sent.
        any: Any,
        /// What the decoder said.
        reason: String,
    },
}

/// `from_any` / `to_any` for the standard types: one list, so the two cannot disagree.
macro_rules! standard_details {
    ($($t:ident),* $(,)?) => {
        impl Detail {
            /// Decodes one `Any` into the matching standard type, or keeps it.
            pub fn from_any(any: Any) -> Detail {
                let name = crate::registry::type_name(&any.type_url);
                $(
                    if name == $t::full_name() {
                        return match $t::decode(any.value.as_slice()) {
                            Ok(v) => Detail::$t(v),
                            Err(e) => Detail::Undecodable { any, reason: e.to_string() },
                        };
                    }
                )*
                Detail::Other(any)
            }

            /// Encodes the detail back into an `Any`.
            pub fn to_any(&self) -> Any {
                match self {
                    $(Detail::$t(m) => Any { type_url: $t::type_url(), value: m.encode_to_vec() },)*
                    Detail::Other(any) | Detail::Undecodable { any, .. } => any.clone(),
                }
            }
        }
    };
}

standard_details!(
    ErrorInfo,
    RetryInfo,
    DebugInfo,
    QuotaFailure,
    PreconditionFailure,
    BadRequest,
    RequestInfo,
    ResourceInfo,
    Help,
    LocalizedMessage,
);

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Detail::ErrorInfo(e) => {
                write!(f, "ErrorInfo reason={} domain={}", e.reason, e.domain)?;
                let mut meta: Vec<_> = e.metadata.iter().collect();
                meta.sort();
                for (k, v) in meta {
                    write!(f, " {k}={v}")?;
                }
                Ok(())
            }
            Detail::RetryInfo(r) => match r.retry_delay.as_ref().and_then(duration) {
                Some(d) => write!(f, "RetryInfo retry_delay={d:?}"),
                None => write!(f, "RetryInfo (no delay)"),
            },
            Detail::BadRequest(b) => {
                write!(f, "BadRequest")?;
                for v in &b.field_violations {
                    write!(f, " {}: {}", v.field, v.description)?;
                }
                Ok(())
            }
            Detail::PreconditionFailure(p) => {
                write!(f, "PreconditionFailure")?;
                for v in &p.violations {
                    write!(f, " {} {}: {}", v.r#type, v.subject, v.description)?;
                }
                Ok(())
            }
            Detail::QuotaFailure(q) => {
                write!(f, "QuotaFailure")?;
                for v in &q.violations {
                    write!(f, " {}: {}", v.subject, v.description)?;
                }
                Ok(())
            }
            Detail::ResourceInfo(r) => {
                write!(f, "ResourceInfo {} {}", r.resource_type, r.resource_name)?;
                if !r.description.is_empty() {
                    write!(f, ": {}", r.description)?;
                }
                Ok(())
            }
            Detail::RequestInfo(r) => write!(f, "RequestInfo request_id={}", r.request_id),
            Detail::Help(h) => {
                write!(f, "Help")?;
                for l in &h.links {
                    write!(f, " {} <{}>", l.description, l.url)?;
                }
                Ok(())
            }
            Detail::LocalizedMessage(l) => {
                write!(f, "LocalizedMessage {}: {}", l.locale, l.message)
            }
            Detail::DebugInfo(d) => write!(f, "DebugInfo {}", d.detail),
            Detail::Other(any) => write!(f, "{} ({} bytes)", any.type_url, any.value.len()),
            Detail::Undecodable { any, reason } => {
                write!(f, "{} (undecodable: {reason})", any.type_url)
            }
        }
    }
}

/// A `google.rpc.Status`: what a server said about a failed call or a failed operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    code: i32,
    message: String,
    details: Vec<Detail>,
}

impl Status {
    /// A status with a code and message, no details.
    pub fn new(code: Code, message: impl Into<String>) -> Status {
        Status {
            code: code as i32,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// Adds a detail.
    pub fn with_detail(mut self, detail: Detail) -> Status {
        self.details.push(detail);
        self
    }

    /// The code; numbers outside `google.rpc.Code` read as [`Code::Unknown`] (see [`Status::raw_code`]).
    pub fn code(&self) -> Code {
        Code::try_from(self.code).unwrap_or(Code::Unknown)
    }

    /// The code number exactly as the server sent it.
    pub fn raw_code(&self) -> i32 {
        self.code
    }

    /// The code's name, e.g. `NOT_FOUND`; `CODE_42` for a number outside `google.rpc.Code`.
    pub fn code_name(&self) -> Cow<'static, str> {
        code_name(self.code)
    }

    /// The message and details without the code, `message [detail; detail]`: for lines that
    /// name the code elsewhere.
    pub fn summary(&self) -> Summary<'_> {
        Summary(self)
    }

    /// The developer-facing message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Every detail, decoded where the type is standard.
    pub fn details(&self) -> &[Detail] {
        &self.details
    }

    /// The delay the server asked for in a `RetryInfo` detail.
    pub fn retry_delay(&self) -> Option<Duration> {
        self.details.iter().find_map(|d| match d {
            Detail::RetryInfo(r) => r.retry_delay.as_ref().and_then(duration),
            _ => None,
        })
    }

    /// The first `ErrorInfo` detail, the machine-readable reason.
    pub fn error_info(&self) -> Option<&ErrorInfo> {
        self.details.iter().find_map(|d| match d {
            Detail::ErrorInfo(e) => Some(e),
            _ => None,
        })
    }

    /// Reads a status from a gRPC response: its code, message and `grpc-status-details-bin`.
    pub fn from_tonic(status: &tonic::Status) -> Status {
        let code = status.code() as i32;
        let message = status.message().to_owned();
        if status.details().is_empty() {
            return Status {
                code,
                message,
                details: Vec::new(),
            };
        }
        match pb::Status::decode(status.details()) {
            Ok(proto) => Status {
                code,
                message,
                details: decode_details(proto.details),
            },
            Err(e) => Status {
                code,
                message,
                details: vec![Detail::Undecodable {
                    any: Any {
                        type_url: pb::Status::type_url(),
                        value: status.details().to_vec(),
                    },
                    reason: format!("grpc-status-details-bin: {e}"),
                }],
            },
        }
    }

    /// The status as a `google.rpc.Status` message.
    pub fn to_proto(&self) -> pb::Status {
        pb::Status {
            code: self.code,
            message: self.message.clone(),
            details: self.details.iter().map(Detail::to_any).collect(),
        }
    }
}

impl From<pb::Status> for Status {
    fn from(proto: pb::Status) -> Status {
        Status {
            code: proto.code,
            message: proto.message,
            details: decode_details(proto.details),
        }
    }
}

impl From<&Status> for tonic::Status {
    fn from(s: &Status) -> tonic::Status {
        to_tonic(&s.to_proto())
    }
}

/// A `google.rpc.Status` as the tonic status that carries it on the wire: code and message in
/// `grpc-status`/`grpc-message`, the whole message (details included) in
/// `grpc-status-details-bin`, where [`Status::from_tonic`] and tonic-types read it back.
///
/// A code outside `google.rpc.Code` becomes `UNKNOWN` in `grpc-status`; the encoded message
/// keeps the number as given.
pub fn to_tonic(proto: &pb::Status) -> tonic::Status {
    tonic::Status::with_details(
        tonic::Code::from_i32(proto.code),
        proto.message.clone(),
        proto.encode_to_vec().into(),
    )
}

fn decode_details(details: Vec<Any>) -> Vec<Detail> {
    details.into_iter().map(Detail::from_any).collect()
}

/// A protobuf duration as a std one; `None` when negative or out of range.
pub(crate) fn duration(d: &prost_types::Duration) -> Option<Duration> {
    Duration::try_from(*d).ok()
}

impl fmt::Display for Status {
    /// `CODE_NAME: message [detail; detail]`, one line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code_name(), self.summary())
    }
}

/// A status's message and details without its code; see [`Status::summary`].
#[derive(Clone, Copy, Debug)]
pub struct Summary<'a>(&'a Status);

impl fmt::Display for Summary<'_> {
    /// One line: the server's text has its control characters (newlines, ESC, ...) escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Escaped(&self.0.message))?;
        if !self.0.details.is_empty() {
            let parts: Vec<String> = self.0.details.iter().map(ToString::to_string).collect();
            f.write_str(" [")?;
            write!(f, "{}", Escaped(&parts.join("; ")))?;
            f.write_str("]")?;
        }
        Ok(())
    }
}

/// Text shown with its control characters written as escapes (`\n`, `\u{1b}`), so that
/// server text cannot break a line or drive a terminal.
///
/// ```
/// use ccai_lro::status::Escaped;
/// assert_eq!(Escaped("a\nb\u{1b}").to_string(), "a\\nb\\u{1b}");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

/// The name of the `google.rpc.Code` numbered `code`; `CODE_42` for a number outside it (a
/// server may send any number).
///
/// ```
/// use ccai_lro::status::code_name;
/// assert_eq!(code_name(5), "NOT_FOUND");
/// assert_eq!(code_name(42), "CODE_42");
/// ```
pub fn code_name(code: i32) -> Cow<'static, str> {
    match Code::try_from(code) {
        Ok(c) => Cow::Borrowed(c.as_str_name()),
        Err(_) => Cow::Owned(format!("CODE_{code}")),
    }
}
