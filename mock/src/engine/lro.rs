//! What the RPCs that start operations do to the resources, when the emulator keeps them
//! (`track_resources`): an issue model created, deployed, undeployed or deleted; a conversation
//! uploaded; an analysis created; conversations analysed or deleted in bulk; the encryption
//! spec initialised. A start the service would refuse is refused here, before its operation
//! exists.
//!
//! An issue model moves UNDEPLOYED → DEPLOYING → DEPLOYED → UNDEPLOYING → UNDEPLOYED, each move
//! lasting as long as the operation that makes it, however that operation is timed or scripted:
//! it lands when the operation succeeds, and goes back where it came from when the operation
//! fails or is cancelled. The engine is told where operations stand through [`Engine::settle`],
//! so it never reads the operation store itself.

use prost::Message;
use prost_reflect::DynamicMessage;
use prost_types::{Any, Timestamp};
use tonic::Status;

use super::errors::precondition;
use super::filter::Filter;
use super::names::check_id;
use super::records::{conversation_names, kind, load};
use super::training;
use super::{Ctx, Engine};
use crate::operations::{defaults, script::pack, start::Start};
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    issue_model::State, Analysis, BulkDeleteConversationsRequest, BulkDeleteConversationsResponse,
    Conversation, EncryptionSpec, ExportInsightsDataRequest, InitializeEncryptionSpecRequest,
    IssueModel, QueryMetricsRequest, UploadConversationRequest,
};

/// What a start decided, for the operation's default script: the response it ends with, or
/// the status it fails with (a start the service accepts whose work then fails, such as
/// training below the minimum).
#[derive(Debug, Default)]
pub(crate) struct Started {
    pub(crate) response: Option<Any>,
    pub(crate) failure: Option<Status>,
    /// Fields merged into the final metadata (an encoding of the metadata type: protobuf
    /// merges concatenated encodings), such as an ingest's counts.
    pub(crate) metadata: Vec<u8>,
}

impl Started {
    fn respond(response: Any) -> Result<Started, Status> {
        Ok(Started {
            response: Some(response),
            ..Default::default()
        })
    }
}

/// Where the operation behind a move stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Running,
    Succeeded,
    /// Failed or cancelled.
    Failed,
    /// Deleted: the move is taken to have landed, as the service goes on with an operation
    /// whose record is deleted.
    Gone,
}

/// A move under way: the operation making it, where it lands, and where it goes back to.
#[derive(Debug)]
pub(crate) struct Move {
    operation: String,
    to: State,
    back: State,
}

fn bad(e: prost::DecodeError) -> Status {
    Status::internal(format!("stored resource does not decode: {e}"))
}

impl Engine {
    fn model(&self, name: &str) -> Result<IssueModel, Status> {
        let kind = kind("IssueModel").ok_or_else(|| Status::internal("no IssueModel kind"))?;
        let m = load(&self.store, kind, name)?;
        IssueModel::decode(m.encode_to_vec().as_slice()).map_err(bad)
    }

    fn set_state(&mut self, name: &str, state: State) -> Result<(), Status> {
        let mut model = self.model(name)?;
        model.set_state(state);
        self.store.replace(name, model.encode_to_vec())
    }

    /// Ends the moves whose operations have ended; `outcome` says where an operation stands.
    pub(crate) fn settle(&mut self, outcome: &dyn Fn(&str) -> Outcome) {
        let ended: Vec<(String, bool)> = self
            .pending
            .keys()
            .filter_map(|op| match outcome(op) {
                Outcome::Running => None,
                Outcome::Succeeded | Outcome::Gone => Some((op.clone(), true)),
                Outcome::Failed => Some((op.clone(), false)),
            })
            .collect();
        for (op, succeeded) in ended {
            if succeeded {
                self.commit_analyses(&op);
            } else {
                self.pending.remove(&op);
            }
        }
        // An upload, ingest or export that ended (failed ones too: their Operation says so)
        // is an event; one whose record was deleted is not seen ending.
        for (op, w) in std::mem::take(&mut self.watched) {
            match outcome(&op) {
                Outcome::Succeeded | Outcome::Failed => self.ended.push((op, w)),
                Outcome::Running => {
                    self.watched.insert(op, w);
                }
                Outcome::Gone => {}
            }
        }
        let done: Vec<(String, State)> = self
            .moves
            .iter()
            .filter_map(|(model, m)| match outcome(&m.operation) {
                Outcome::Running => None,
                Outcome::Succeeded | Outcome::Gone => Some((model.clone(), m.to)),
                Outcome::Failed => Some((model.clone(), m.back)),
            })
            .collect();
        for (model, state) in done {
            self.moves.remove(&model);
            // A model deleted meanwhile has nothing left to settle.
            let _ = self.set_state(&model, state);
        }
    }

    /// Lands every issue model that is moving (restored from a saved state, whose moves are
    /// not saved) where its move was going: DEPLOYING → DEPLOYED, UNDEPLOYING → UNDEPLOYED.
    pub(crate) fn land_moves(&mut self) {
        let Some(kind) = kind("IssueModel") else {
            return;
        };
        let moving: Vec<(String, State)> = self
            .store
            .in_creation_order()
            .into_iter()
            .filter(|(_, r)| std::ptr::eq(r.kind, kind))
            .filter_map(|(name, r)| {
                let model = IssueModel::decode(r.bytes.as_slice()).ok()?;
                let to = match model.state() {
                    State::Deploying => State::Deployed,
                    State::Undeploying => State::Undeployed,
                    _ => return None,
                };
                Some((name.clone(), to))
            })
            .collect();
        for (name, to) in moving {
            let _ = self.set_state(&name, to);
        }
    }

    /// Settles the move `operation` makes as it stands when its record is deleted (a running
    /// one is taken to land).
    pub(crate) fn settle_deleted(&mut self, operation: &str, outcome: Outcome) {
        let outcome = match outcome {
            Outcome::Running => Outcome::Gone,
            done => done,
        };
        self.settle(&|op| {
            if op == operation {
                outcome
            } else {
                Outcome::Running
            }
        });
    }

    fn start_move(
        &mut self,
        start: &Start,
        from: State,
        via: State,
        to: State,
        what: &str,
    ) -> Result<(), Status> {
        let name = start.resource.as_str();
        let state = self.model(name)?.state();
        if state != from {
            return Err(precondition(
                "issue model",
                name,
                &format!("is {}: cannot {what} it", state.as_str_name()),
            ));
        }
        self.moves.insert(
            name.to_owned(),
            Move {
                operation: start.operation.clone(),
                to,
                back: from,
            },
        );
        self.set_state(name, via)
    }

    /// Applies what `start` does to the resources, or refuses it as the service would. Returns
    /// the operation's response when the resources decide it (the resource created, the
    /// counts of a bulk operation), or its failure, for the default script to end with.
    pub(crate) fn start(
        &mut self,
        start: &Start,
        end: &Timestamp,
        ctx: &Ctx,
    ) -> Result<Started, Status> {
        let name = start.resource.as_str();
        let missing = |label: &str| Status::internal(format!("no {label} kind"));
        match start.method {
            "CreateIssueModel" => {
                let kind = kind("IssueModel").ok_or_else(|| missing("IssueModel"))?;
                let mut model = defaults::issue_model(start, end);
                let input = model.input_data_config.clone().unwrap_or_default();
                let counts = training::count(&self.store, name, &input)?;
                let found = counts.analyzed;
                if found < self.min_training_conversations {
                    return Ok(Started {
                        failure: Some(Status::failed_precondition(format!(
                            "the training data holds {found} conversations, fewer than the \
                             {} an issue model needs (--min-training-conversations)",
                            self.min_training_conversations
                        ))),
                        ..Default::default()
                    });
                }
                training::train(&mut self.store, &mut model, &counts, end, ctx.next_id)?;
                let message =
                    DynamicMessage::decode(kind.message.clone(), model.encode_to_vec().as_slice())
                        .map_err(bad)?;
                self.store
                    .insert(model.name.clone(), kind, message.encode_to_vec())?;
                return Started::respond(pack(&model));
            }
            "DeployIssueModel" => self.start_move(
                start,
                State::Undeployed,
                State::Deploying,
                State::Deployed,
                "deploy",
            )?,
            "UndeployIssueModel" => self.start_move(
                start,
                State::Deployed,
                State::Undeploying,
                State::Undeployed,
                "undeploy",
            )?,
            "DeleteIssueModel" => {
                let kind = kind("IssueModel").ok_or_else(|| missing("IssueModel"))?;
                super::rules::before_delete(&self.store, kind, name)?;
                for child in self.store.descendants(name) {
                    self.store.remove(&child);
                }
                self.store.remove(name);
            }
            "ExportIssueModel" => {
                self.model(name)?;
            }
            "UploadConversation" => {
                let kind = kind("Conversation").ok_or_else(|| missing("Conversation"))?;
                let request: UploadConversationRequest = start.request_as().unwrap_or_default();
                if !request.conversation_id.is_empty() {
                    check_id("conversation_id", &request.conversation_id)?;
                }
                let mut conversation: Conversation = defaults::uploaded(start, end);
                super::transcripts::apply(&self.store, &mut conversation, ctx);
                if self.store.get(&conversation.name).is_some() {
                    return Err(Status::already_exists(format!(
                        "Conversation {} already exists",
                        crate::names::quote(&conversation.name)
                    )));
                }
                self.store.insert(
                    conversation.name.clone(),
                    kind,
                    conversation.encode_to_vec(),
                )?;
                self.watch_end(&start.operation, "upload-conversation", &start.location);
                self.notice_created(&conversation, Some("upload-conversation"));
                // The location's upload_conversation_analysis_percentage of uploads are analysed
                // too, drawn with the server's seeded generator, with its annotator selector.
                let config = super::records::settings(&self.store, &start.resource)
                    .and_then(|s| s.analysis_config)
                    .unwrap_or_default();
                let share = config.upload_conversation_analysis_percentage;
                if share > 0.0 && (ctx.draw)() * 100.0 < share {
                    let analysis = Analysis {
                        name: format!("{}/analyses/{}", conversation.name, (ctx.next_id)()),
                        request_time: Some(start.created),
                        create_time: Some(*end),
                        annotator_selector: config.annotator_selector,
                        ..Default::default()
                    };
                    let analysis = self.analyse(&start.operation, &conversation.name, analysis)?;
                    conversation.latest_analysis = Some(analysis);
                }
                return Started::respond(pack(&conversation));
            }
            "CreateAnalysis" => {
                let analysis =
                    self.analyse(&start.operation, name, defaults::analysis(start, end))?;
                return Started::respond(pack(&analysis));
            }
            "IngestConversations" => return self.ingest(start, end, ctx),
            "BulkAnalyzeConversations" => {
                return Started::respond(self.bulk_analyze(start, end, ctx)?)
            }
            "BulkDeleteConversations" => return Started::respond(self.bulk_delete(start)?),
            "QueryMetrics" => {
                let request: QueryMetricsRequest = start.request_as().unwrap_or_default();
                let response = super::metrics::query_metrics(&self.store, &request, *end)?;
                return Started::respond(pack(&response));
            }
            // A conversation filter the service would refuse is refused before the operation.
            "ExportInsightsData" => {
                let request: ExportInsightsDataRequest = start.request_as().unwrap_or_default();
                let kind = kind("Conversation").ok_or_else(|| missing("Conversation"))?;
                Filter::parse(&request.filter, &kind.message)?;
                self.watch_end(&start.operation, "export-insights-data", &start.location);
            }
            "InitializeEncryptionSpec" => {
                let kind = kind("EncryptionSpec").ok_or_else(|| missing("EncryptionSpec"))?;
                let request: InitializeEncryptionSpecRequest =
                    start.request_as().unwrap_or_default();
                let spec = EncryptionSpec {
                    name: name.to_owned(),
                    ..request.encryption_spec.unwrap_or_default()
                };
                let bytes = spec.encode_to_vec();
                if self.store.get(name).is_some() {
                    self.store.replace(name, bytes)?;
                } else {
                    self.store.insert(name.to_owned(), kind, bytes)?;
                }
            }
            "TuneQaScorecardRevision" => {
                let kind =
                    kind("QaScorecardRevision").ok_or_else(|| missing("QaScorecardRevision"))?;
                load(&self.store, kind, name)?;
            }
            _ => {}
        }
        Ok(Started::default())
    }

    pub(crate) fn filtered(&self, location: &str, filter: &str) -> Result<Vec<String>, Status> {
        let kind = kind("Conversation").ok_or_else(|| Status::internal("no Conversation kind"))?;
        let filter = Filter::parse(filter, &kind.message)?;
        conversation_names(&self.store, location, &filter)
    }

    /// Deletes the filtered conversations, at most `max_delete_count` (0: all); those with
    /// analyses only with `force`.
    fn bulk_delete(&mut self, start: &Start) -> Result<Any, Status> {
        let request: BulkDeleteConversationsRequest = start.request_as().unwrap_or_default();
        if request.max_delete_count < 0 {
            return Err(super::errors::bad_field(
                "max_delete_count",
                "must not be negative",
            ));
        }
        let limit = usize::try_from(request.max_delete_count).unwrap_or(0);
        let mut deleted = 0;
        for conversation in self.filtered(&start.location, &request.filter)? {
            if limit != 0 && deleted >= limit {
                break;
            }
            let children = self.store.descendants(&conversation);
            if !children.is_empty() && !request.force {
                continue;
            }
            for child in children {
                self.store.remove(&child);
            }
            self.store.remove(&conversation);
            deleted += 1;
        }
        Ok(pack(&BulkDeleteConversationsResponse::default()))
    }
}
