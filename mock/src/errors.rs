//! Errors shaped as Google's services send them (AIP-193), for the engine, the data plane and
//! notifications alike: a field problem is INVALID_ARGUMENT with a `BadRequest` naming the
//! field's path, so a client can point at it.

use ccai_lro::proto::google::rpc::{self, bad_request::FieldViolation, BadRequest};
use prost::Message;
use tonic::{Code, Status};

use crate::names::quote;

/// One field problem: its path (`phrase_matcher.type`) and what is wrong with it.
pub(crate) fn violation(
    field: impl Into<String>,
    description: impl Into<String>,
) -> FieldViolation {
    FieldViolation {
        field: field.into(),
        description: description.into(),
        ..Default::default()
    }
}

/// INVALID_ARGUMENT carrying `violations`; the message lists them on one line.
pub(crate) fn bad_request(violations: Vec<FieldViolation>) -> Status {
    let message = violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.description))
        .collect::<Vec<_>>()
        .join("; ");
    let details = rpc::Status {
        code: Code::InvalidArgument as i32,
        message: message.clone(),
        details: prost_types::Any::from_msg(&BadRequest {
            field_violations: violations,
        })
        .into_iter()
        .collect(),
    };
    Status::with_details(
        Code::InvalidArgument,
        message,
        details.encode_to_vec().into(),
    )
}

/// INVALID_ARGUMENT for one field.
pub(crate) fn bad_field(field: &str, description: impl Into<String>) -> Status {
    bad_request(vec![violation(field, description)])
}

/// FAILED_PRECONDITION naming the resource and why.
pub(crate) fn precondition(what: &str, name: &str, why: &str) -> Status {
    Status::failed_precondition(format!("{what} {} {why}", quote(name)))
}
