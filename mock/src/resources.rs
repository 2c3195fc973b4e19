//! Resources that exist: issue models made by CreateIssueModel and conversations made by
//! UploadConversation, with the service's rules for what may be done to them.
//!
//! An issue model moves UNDEPLOYED → DEPLOYING → DEPLOYED → UNDEPLOYING → UNDEPLOYED, each move
//! taking as long as the operation that makes it; deploying, undeploying, exporting or deleting
//! a model that does not exist is NOT_FOUND, deleting a deployed one FAILED_PRECONDITION, and an
//! analysis of a conversation that was never uploaded is NOT_FOUND.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    issue_model::State, UploadConversationRequest,
};
use tokio::time::Instant;
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

#[derive(Debug)]
struct Model {
    state: State,
    /// A move under way: the state it reaches, and when.
    moving: Option<(State, Instant)>,
}

impl Model {
    fn state(&mut self, now: Instant) -> State {
        if let Some((to, at)) = self.moving {
            if now >= at {
                self.state = to;
                self.moving = None;
            }
        }
        self.state
    }
}

fn not_found(kind: &str, name: &str) -> Status {
    Status::not_found(format!("{kind} {} not found.", quote(name)))
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
    /// service would; `lasting` is how long the operation runs.
    pub(crate) fn start(
        &mut self,
        start: &Start,
        now: Instant,
        lasting: Duration,
    ) -> Result<(), Status> {
        let name = start.resource.as_str();
        let model = |models: &mut HashMap<String, Model>| {
            models
                .get_mut(name)
                .map(|m| m.state(now))
                .ok_or_else(|| not_found("Issue model", name))
        };
        // A duration past what the clock holds: the move never ends.
        let done_at = now
            .checked_add(lasting)
            .unwrap_or(now + Duration::from_secs(86_400 * 365));
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
                State::Undeployed => {
                    self.move_model(name, State::Deploying, State::Deployed, done_at)
                }
                other => return Err(precondition(name, other, "deploy")),
            },
            "UndeployIssueModel" => match model(&mut self.models)? {
                State::Deployed => {
                    self.move_model(name, State::Undeploying, State::Undeployed, done_at)
                }
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

    fn move_model(&mut self, name: &str, now: State, then: State, at: Instant) {
        if let Some(m) = self.models.get_mut(name) {
            m.state = now;
            m.moving = Some((then, at));
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
