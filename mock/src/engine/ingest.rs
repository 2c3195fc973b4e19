//! IngestConversations over the objects the request's bucket prefix held: one conversation per
//! object, read and parsed before the engine's lock (`crate::data::fetch`), made here.

use prost::Message;
use prost_types::Timestamp;
use tonic::Status;

use super::records::kind;
use super::{Ctx, Engine, Started};
use crate::operations::{script::pack, start::Start};
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{conversation, Conversation};

impl Engine {
    /// Makes a conversation of each object the ingest read (`ctx.fetched`), skipping those
    /// whose URI is already some conversation's transcript, and counts what happened.
    pub(crate) fn ingest(
        &mut self,
        start: &Start,
        end: &Timestamp,
        ctx: &Ctx,
    ) -> Result<Started, Status> {
        use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
            conversation_data_source::Source,
            ingest_conversations_metadata::IngestConversationsStats,
            ingest_conversations_request::ObjectConfig, ConversationDataSource, GcsSource,
            IngestConversationsMetadata, IngestConversationsRequest, IngestConversationsResponse,
        };
        let kind = kind("Conversation").ok_or_else(|| Status::internal("no Conversation kind"))?;
        let request: IngestConversationsRequest = start.request_as().unwrap_or_default();
        let config = request.conversation_config.clone().unwrap_or_default();
        let medium = match &request.object_config {
            Some(ObjectConfig::TranscriptObjectConfig(c)) => c.medium,
            None => 0,
        };
        let mut known = std::collections::HashSet::new();
        for (_, record) in self
            .store
            .under(&format!("{}/conversations/", start.location))
        {
            if std::ptr::eq(record.kind, kind) {
                if let Ok(c) = Conversation::decode(record.bytes.as_slice()) {
                    known.extend(crate::data::fetch::transcript_uri(&c).map(str::to_owned));
                }
            }
        }
        let mut stats = IngestConversationsStats::default();
        let mut partial_errors = Vec::new();
        let mut fail = |stats: &mut IngestConversationsStats, uri: &str, status: &Status| {
            stats.failed_ingest_count += 1;
            partial_errors.push(ccai_lro::proto::google::rpc::Status {
                code: status.code() as i32,
                message: format!("{uri}: {}", status.message()),
                details: Vec::new(),
            });
        };
        for item in &ctx.fetched.ingested {
            stats.processed_object_count += 1;
            if known.contains(&item.uri) {
                stats.duplicates_skipped_count += 1;
                continue;
            }
            let (derived, labels) = match &item.outcome {
                Ok(found) => (&found.transcript, &found.labels),
                Err(status) => {
                    fail(&mut stats, &item.uri, status);
                    continue;
                }
            };
            let source = if derived.is_some() {
                GcsSource {
                    transcript_uri: item.uri.clone(),
                    ..Default::default()
                }
            } else {
                GcsSource {
                    audio_uri: item.uri.clone(),
                    ..Default::default()
                }
            };
            let mut conversation = Conversation {
                name: format!("{}/conversations/{}", start.location, (ctx.next_id)()),
                create_time: Some(*end),
                update_time: Some(*end),
                medium,
                agent_id: config.agent_id.clone(),
                labels: labels.iter().cloned().collect(),
                data_source: Some(ConversationDataSource {
                    source: Some(Source::GcsSource(source)),
                }),
                ..Default::default()
            };
            if config.agent_channel != 0 || config.customer_channel != 0 {
                conversation.metadata = Some(conversation::Metadata::CallMetadata(
                    conversation::CallMetadata {
                        agent_channel: config.agent_channel,
                        customer_channel: config.customer_channel,
                    },
                ));
            }
            if let Some(derived) = derived {
                super::transcripts::set(&self.store, &mut conversation, derived);
            }
            match self.store.insert(
                conversation.name.clone(),
                kind,
                conversation.encode_to_vec(),
            ) {
                Ok(()) => {
                    stats.successful_ingest_count += 1;
                    known.insert(item.uri.clone());
                    self.notice_created(&conversation, Some("ingest-conversations"));
                }
                Err(status) => fail(&mut stats, &item.uri, &status),
            }
        }
        self.watch_end(&start.operation, "ingest-conversations", &start.location);
        let metadata = IngestConversationsMetadata {
            partial_errors,
            ingest_conversations_stats: Some(stats),
            ..Default::default()
        };
        Ok(Started {
            response: Some(pack(&IngestConversationsResponse::default())),
            failure: None,
            metadata: metadata.encode_to_vec(),
        })
    }
}
