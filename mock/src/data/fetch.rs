//! Reading what a request names in storage, before any lock is taken.
//!
//! Storage is I/O (a storage emulator may be slow or hostile); the engine works under a lock
//! and must not wait on it. So a request that names a transcript has it read and parsed here
//! first, and the engine only applies the result ([`Fetched`]). A read or parse that fails is
//! the request's error: CreateConversation answers it, and UploadConversation's operation ends
//! with it. Nothing is stored in either case.

use bytes::Bytes;
use prost::Message;
use prost_types::Timestamp;
use tonic::Status;

use super::storage::Storage;
use super::transcript::{self, Context, Derived};
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    conversation, conversation_data_source, Conversation, CreateConversationRequest,
    UploadConversationRequest,
};

/// The path of a conversation's transcript URI in the requests that carry one.
pub(crate) const TRANSCRIPT_FIELD: &str = "conversation.data_source.gcs_source.transcript_uri";

/// What a request's objects gave: the transcript it names, parsed, by URI.
#[derive(Default)]
pub(crate) struct Fetched {
    transcript: Option<(String, Derived)>,
}

impl Fetched {
    /// Nothing read (no storage, or nothing named).
    pub(crate) fn none() -> Fetched {
        Fetched::default()
    }

    /// The parsed transcript at `uri`, if this request read it.
    pub(crate) fn transcript(&self, uri: &str) -> Option<&Derived> {
        self.transcript
            .as_ref()
            .filter(|(u, _)| u == uri)
            .map(|(_, d)| d)
    }
}

/// A conversation's transcript URI, if its data source is Cloud Storage.
pub(crate) fn transcript_uri(conversation: &Conversation) -> Option<&str> {
    let source = conversation.data_source.as_ref()?.source.as_ref()?;
    match source {
        conversation_data_source::Source::GcsSource(gcs) if !gcs.transcript_uri.is_empty() => {
            Some(&gcs.transcript_uri)
        }
        _ => None,
    }
}

/// Reads and parses the transcript `method`'s `request` names, if storage is configured;
/// `now` is the conversation's create time.
pub(crate) async fn for_request(
    storage: &Storage,
    method: &str,
    request: &[u8],
    now: Timestamp,
) -> Result<Fetched, Status> {
    if !storage.is_configured() {
        return Ok(Fetched::none());
    }
    let conversation = match method {
        "CreateConversation" => CreateConversationRequest::decode(request)
            .ok()
            .and_then(|r| r.conversation),
        "UploadConversation" => UploadConversationRequest::decode(request)
            .ok()
            .and_then(|r| r.conversation),
        _ => None,
    };
    let Some(conversation) = conversation else {
        return Ok(Fetched::none());
    };
    let Some(uri) = transcript_uri(&conversation) else {
        return Ok(Fetched::none());
    };
    let bytes: Bytes = storage.read(uri, TRANSCRIPT_FIELD).await?;
    let (agent_channel, customer_channel) = match &conversation.metadata {
        Some(conversation::Metadata::CallMetadata(m)) => (m.agent_channel, m.customer_channel),
        None => (0, 0),
    };
    let ctx = Context {
        // Filled in by the engine from the location's settings when the request names none.
        language_code: &conversation.language_code,
        agent_channel,
        customer_channel,
        start_time: conversation.start_time,
        create_time: now,
    };
    let derived = transcript::parse(uri, &bytes, &ctx)?;
    Ok(Fetched {
        transcript: Some((uri.to_owned(), derived)),
    })
}
