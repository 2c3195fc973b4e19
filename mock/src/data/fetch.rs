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
    conversation, conversation_data_source,
    ingest_conversations_request::{self, gcs_source::BucketObjectType},
    Conversation, CreateConversationRequest, IngestConversationsRequest, UploadConversationRequest,
};

/// The path of a conversation's transcript URI in the requests that carry one.
pub(crate) const TRANSCRIPT_FIELD: &str = "conversation.data_source.gcs_source.transcript_uri";

/// The most bytes one IngestConversations reads in all; objects past it fail, each named.
pub const MAX_INGEST_BYTES: usize = 256 << 20;

/// One object an ingest found: its URI, and what was read of it or why it could not be.
pub(crate) struct Ingested {
    pub(crate) uri: String,
    pub(crate) outcome: Result<Object, Status>,
}

/// What an ingested object gave: its transcript (none for audio, which is not transcribed
/// here), and the labels its metadata object gave.
pub(crate) struct Object {
    pub(crate) transcript: Option<Derived>,
    pub(crate) labels: Vec<(String, String)>,
}

/// What a request's objects gave: the transcript it names, parsed, by URI; or, for an ingest,
/// every object under its bucket URI.
#[derive(Default)]
pub(crate) struct Fetched {
    transcript: Option<(String, Derived)>,
    pub(crate) ingested: Vec<Ingested>,
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
    if method == "IngestConversations" {
        let request = IngestConversationsRequest::decode(request).unwrap_or_default();
        return ingest(storage, &request, now).await;
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
        ingested: Vec::new(),
    })
}

/// Reads every object under an ingest's `gcs_source.bucket_uri` (at most `sample_size`, in
/// name order), each with its metadata object's labels. A listing that fails fails the ingest;
/// an object that fails is that object's outcome, and the others go on.
async fn ingest(
    storage: &Storage,
    request: &IngestConversationsRequest,
    now: Timestamp,
) -> Result<Fetched, Status> {
    let Some(ingest_conversations_request::Source::GcsSource(source)) = &request.source else {
        return Ok(Fetched::none());
    };
    let bucket = super::storage::GsUri::parse(&source.bucket_uri, "gcs_source.bucket_uri")?;
    let mut names = storage.list(bucket.bucket, bucket.object).await?;
    if let Some(n) = request.sample_size.and_then(|n| usize::try_from(n).ok()) {
        names.truncate(n);
    }
    let config = request.conversation_config.clone().unwrap_or_default();
    let audio = source.bucket_object_type == BucketObjectType::Audio as i32;
    let metadata_bucket = match &source.metadata_bucket_uri {
        Some(uri) if !uri.is_empty() => Some(
            super::storage::GsUri::parse(uri, "gcs_source.metadata_bucket_uri")?
                .bucket
                .to_owned(),
        ),
        _ => None,
    };
    let mut read = 0usize;
    let mut ingested = Vec::with_capacity(names.len());
    for name in names {
        let uri = format!("gs://{}/{name}", bucket.bucket);
        let outcome = async {
            let labels = match &metadata_bucket {
                Some(meta) => {
                    labels(
                        storage,
                        &format!("gs://{meta}/{name}"),
                        &source.custom_metadata_keys,
                    )
                    .await?
                }
                None => Vec::new(),
            };
            if audio {
                return Ok(Object {
                    transcript: None,
                    labels,
                });
            }
            if read > MAX_INGEST_BYTES {
                return Err(Status::resource_exhausted(format!(
                    "the ingest read {MAX_INGEST_BYTES} bytes, the most one ingest reads"
                )));
            }
            let bytes = storage.read(&uri, "gcs_source.bucket_uri").await?;
            read += bytes.len();
            let ctx = Context {
                language_code: "",
                agent_channel: config.agent_channel,
                customer_channel: config.customer_channel,
                start_time: None,
                create_time: now,
            };
            Ok(Object {
                transcript: Some(transcript::parse(&uri, &bytes, &ctx)?),
                labels,
            })
        }
        .await;
        ingested.push(Ingested { uri, outcome });
    }
    Ok(Fetched {
        transcript: None,
        ingested,
    })
}

/// The labels the metadata object at `uri` gives: its values for `keys` (a missing object
/// gives none; one that is not a JSON object is an error naming it).
async fn labels(
    storage: &Storage,
    uri: &str,
    keys: &[String],
) -> Result<Vec<(String, String)>, Status> {
    let bytes = match storage.read(uri, "gcs_source.metadata_bucket_uri").await {
        Ok(b) => b,
        Err(e) if e.code() == tonic::Code::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        Status::invalid_argument(format!(
            "metadata object {}: not JSON ({e})",
            crate::names::quote(uri)
        ))
    })?;
    let object = value.as_object().ok_or_else(|| {
        Status::invalid_argument(format!(
            "metadata object {}: not a JSON object",
            crate::names::quote(uri)
        ))
    })?;
    Ok(keys
        .iter()
        .filter_map(|k| {
            let v = match object.get(k)? {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => return None,
                other => other.to_string(),
            };
            Some((k.clone(), v))
        })
        .collect())
}
