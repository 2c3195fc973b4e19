//! What a conversation's transcript gives it: the segments, `turn_count`, `duration` and
//! `start_time` the data plane derived (`crate::data::transcript`), applied as the
//! conversation is stored. The object was read and parsed before the engine's lock was taken
//! (`crate::data::fetch`); here only the location's language is filled in.

use prost::Message;
use prost_reflect::DynamicMessage;
use tonic::Status;

use super::records::typed;
use super::schema::Kind;
use super::store::Store;
use super::Ctx;
use crate::data::fetch::transcript_uri;
use crate::data::transcript::Derived;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::Conversation;

/// The language of segments when neither the conversation nor its location's settings name one.
const DEFAULT_LANGUAGE: &str = "en-US";

/// Sets the fields `conversation`'s transcript gives it, if this request read one. Returns
/// whether anything changed.
pub(crate) fn apply(store: &Store, conversation: &mut Conversation, ctx: &Ctx) -> bool {
    let Some(derived) = transcript_uri(conversation).and_then(|uri| ctx.fetched.transcript(uri))
    else {
        return false;
    };
    set(store, conversation, derived);
    true
}

/// Sets the fields `derived` gives `conversation`, segments in the conversation's language
/// (else its location's, else [`DEFAULT_LANGUAGE`]).
pub(crate) fn set(store: &Store, conversation: &mut Conversation, derived: &Derived) {
    let language = if conversation.language_code.is_empty() {
        settings_language(store, &conversation.name)
    } else {
        conversation.language_code.clone()
    };
    let mut transcript = derived.transcript.clone();
    for segment in &mut transcript.transcript_segments {
        if segment.language_code.is_empty() {
            segment.language_code.clone_from(&language);
        }
    }
    conversation.transcript = Some(transcript);
    conversation.turn_count = derived.turn_count;
    conversation.duration = Some(derived.duration);
    if conversation.start_time.is_none() {
        conversation.start_time = Some(derived.start_time);
    }
}

/// [`apply`] on a dynamic conversation (the standard Create's form).
pub(crate) fn apply_dynamic(
    store: &Store,
    kind: &Kind,
    resource: &mut DynamicMessage,
    ctx: &Ctx,
) -> Result<(), Status> {
    if kind.label != "Conversation" {
        return Ok(());
    }
    let mut conversation: Conversation = typed(resource)?;
    if apply(store, &mut conversation, ctx) {
        *resource = DynamicMessage::decode(
            kind.message.clone(),
            conversation.encode_to_vec().as_slice(),
        )
        .map_err(|e| Status::internal(format!("a derived conversation: {e}")))?;
    }
    Ok(())
}

/// The language of the settings of the location `name` is in, else [`DEFAULT_LANGUAGE`].
fn settings_language(store: &Store, name: &str) -> String {
    super::records::settings(store, super::records::location_of_name(name))
        .map(|s| s.language_code)
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| DEFAULT_LANGUAGE.to_owned())
}
