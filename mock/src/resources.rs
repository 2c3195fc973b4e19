//! Resources that exist: issue models made by CreateIssueModel and conversations made by
//! UploadConversation, with the service's rules for what may be done to them.
//!
//! An issue model moves UNDEPLOYED → DEPLOYING → DEPLOYED → UNDEPLOYING → UNDEPLOYED, each move
//! lasting as long as the operation that makes it, however that operation is timed or scripted:
//! it lands when the operation succeeds, and goes back where it came from when the operation
//! fails or is cancelled. Deploying, undeploying, exporting or deleting
//! a model that does not exist is NOT_FOUND, deleting a deployed one FAILED_PRECONDITION, and an
//! analysis of a conversation that was never uploaded is NOT_FOUND.

use std::collections::{HashMap, HashSet};

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    issue_model::State, UploadConversationRequest,
};
use tonic::Status;

use super::names::{bounded, quote};
use super::start::Start;

/// The most resources held, models and conversations together; past it, creating answers
/// RESOURCE_EXHAUSTED (each is a name and a few words).
pub(crate) const MAX_RESOURCES: usize = 100_000;

#[derive(Debug, Default)]
pub(crate) struct Resources {
    models: HashMap<String, Model>,
    conversations: HashSet<String>,
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

#[derive(Debug)]
struct Model {
    state: State,
    moving: Option<Move>,
}

/// A move under way: the operation making it, where it lands, and where it goes back to.
#[derive(Debug)]
struct Move {
    operation: String,
    to: State,
    back: State,
}

impl Model {
    fn state(&mut self, outcome: &dyn Fn(&str) -> Outcome) -> State {
        if let Some(m) = &self.moving {
            let now = outcome(&m.operation);
            self.settle(now);
        }
        self.state
    }

    /// Ends the move if its operation has: where it lands, or where it goes back to.
    fn settle(&mut self, outcome: Outcome) {
        let Some(m) = &self.moving else {
            return;
        };
        self.state = match outcome {
            Outcome::Running => return,
            Outcome::Succeeded | Outcome::Gone => m.to,
            Outcome::Failed => m.back,
        };
        self.moving = None;
    }
}

fn not_found(kind: &str, name: &str) -> Status {
    let resource_type = match kind {
        "Issue model" => "contactcenterinsights.googleapis.com/IssueModel",
        _ => "contactcenterinsights.googleapis.com/Conversation",
    };
    super::names::not_found(kind, resource_type, name)
}

impl Resources {
    /// Forgets every resource.
    pub(crate) fn clear(&mut self) {
        *self = Resources::default();
    }

    fn room(&self) -> Result<(), Status> {
        if self.models.len() + self.conversations.len() >= MAX_RESOURCES {
            return Err(Status::resource_exhausted(format!(
                "the emulator holds {MAX_RESOURCES} resources, its limit: POST /reset"
            )));
        }
        Ok(())
    }

    /// Applies what starting `start` does to the resources it names, or refuses it as the
    /// service would; `outcome` tells where an earlier operation stands.
    pub(crate) fn start(
        &mut self,
        start: &Start,
        outcome: &dyn Fn(&str) -> Outcome,
    ) -> Result<(), Status> {
        let name = start.resource.as_str();
        let model = |models: &mut HashMap<String, Model>| {
            models
                .get_mut(name)
                .map(|m| m.state(outcome))
                .ok_or_else(|| not_found("Issue model", name))
        };
        match start.method {
            "CreateIssueModel" => {
                self.room()?;
                let name = format!("{}/issueModels/{}", start.resource, start.id);
                self.models.insert(
                    name,
                    Model {
                        state: State::Undeployed,
                        moving: None,
                    },
                );
            }
            "DeployIssueModel" => match model(&mut self.models)? {
                State::Undeployed => self.move_model(start, State::Deploying, State::Deployed),
                other => return Err(precondition(name, other, "deploy")),
            },
            "UndeployIssueModel" => match model(&mut self.models)? {
                State::Deployed => self.move_model(start, State::Undeploying, State::Undeployed),
                other => return Err(precondition(name, other, "undeploy")),
            },
            "DeleteIssueModel" => match model(&mut self.models)? {
                s @ (State::Deployed | State::Deploying | State::Undeploying) => {
                    return Err(precondition(name, s, "delete"))
                }
                _ => {
                    self.models.remove(name);
                }
            },
            "ExportIssueModel" => {
                model(&mut self.models)?;
            }
            "UploadConversation" => {
                self.room()?;
                let request: UploadConversationRequest = start.request_as().unwrap_or_default();
                bounded("conversation_id", &request.conversation_id)?;
                let id = if request.conversation_id.is_empty() {
                    start.id.clone()
                } else {
                    request.conversation_id
                };
                self.conversations
                    .insert(format!("{}/conversations/{id}", start.resource));
            }
            "CreateAnalysis" if !self.conversations.contains(name) => {
                return Err(not_found("Conversation", name));
            }
            _ => {}
        }
        Ok(())
    }

    /// Settles the move `operation` makes, as it stands when its record is deleted (a running
    /// one is taken to land, as the service goes on with it).
    pub(crate) fn settle(&mut self, operation: &str, outcome: Outcome) {
        let outcome = match outcome {
            Outcome::Running => Outcome::Gone,
            done => done,
        };
        for model in self.models.values_mut() {
            if model
                .moving
                .as_ref()
                .is_some_and(|m| m.operation == operation)
            {
                model.settle(outcome);
            }
        }
    }

    /// Starts `start`'s model moving through `via` to `to`, back to where it is if the
    /// operation does not succeed.
    fn move_model(&mut self, start: &Start, via: State, to: State) {
        if let Some(m) = self.models.get_mut(&start.resource) {
            m.moving = Some(Move {
                operation: start.operation.clone(),
                to,
                back: m.state,
            });
            m.state = via;
        }
    }
}

fn precondition(name: &str, state: State, what: &str) -> Status {
    Status::failed_precondition(format!(
        "cannot {what} issue model {} while it is {}",
        quote(name),
        state.as_str_name()
    ))
}
