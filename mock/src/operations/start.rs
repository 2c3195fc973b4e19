//! What a starter RPC asked for: the one value script functions see.
//!
//! It sits apart from the starters that build it so that the default scripts and the shared
//! state can name it without importing the service (the mock's modules form no cycle).

use prost::{Message, Name};
use prost_types::{Any, Timestamp};

/// What a starter RPC asked for, handed to script functions.
#[derive(Clone, Debug)]
pub struct Start {
    /// The RPC, e.g. `"CreateIssueModel"`.
    pub method: &'static str,
    /// The request, packed.
    pub request: Any,
    /// The resource the request names: its `parent`, `name`, `location` or
    /// `encryption_spec.name`.
    pub resource: String,
    /// `projects/{p}/locations/{l}`, the parent of the new operation.
    pub location: String,
    /// The new operation's id (its last name segment).
    pub id: String,
    /// The new operation's full name.
    pub operation: String,
    /// When the operation was created (wall clock derived from tokio time).
    pub created: Timestamp,
}

impl Start {
    /// Decodes the request as `M`; `None` if it is another type.
    pub fn request_as<M: Message + Name + Default>(&self) -> Option<M> {
        if !ccai_lro::registry::same_type(&self.request.type_url, &M::type_url()) {
            return None;
        }
        M::decode(self.request.value.as_slice()).ok()
    }
}
