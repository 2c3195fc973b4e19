//! The events the engine sees, as notifications (`crate::notify`): a conversation created or
//! updated, an analysis made, an upload, ingest or export that ends. The engine puts them in
//! its `outbox` under its lock; whoever holds the engine delivers them after letting go.

use std::collections::HashMap;

use prost::{Message, Name};
use serde_json::Value;

use super::records::location_of_name;
use super::Engine;
use crate::notify::{messages, Notification};
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{Analysis, Conversation};

/// An operation whose end is an event.
#[derive(Debug, Clone)]
pub(crate) struct Watched {
    pub(crate) trigger: &'static str,
    pub(crate) settings: HashMap<String, String>,
}

/// `message` as the REST API writes it (no `@type`: it is the resource, not an `Any`).
pub(crate) fn resource_json<M: Message + Name>(message: &M) -> Value {
    let mut json = ccai_lro::json::any_to_json(&crate::operations::script::pack(message));
    if let Value::Object(map) = &mut json {
        map.remove("@type");
    }
    json
}

impl Engine {
    /// The notification settings of `location`.
    pub(crate) fn notification_settings(&self, location: &str) -> HashMap<String, String> {
        super::records::settings(&self.store, location)
            .map(|s| s.pubsub_notification_settings)
            .unwrap_or_default()
    }

    /// Puts the messages of `trigger` about `resource` in the outbox.
    /// `data` is rendered only when a topic will receive it: a location without notification
    /// settings pays nothing.
    fn notice(&mut self, trigger: &'static str, resource: &str, data: &dyn Fn() -> Value) {
        let settings = self.notification_settings(location_of_name(resource));
        self.notice_under(&settings, trigger, resource, data);
    }

    /// [`Engine::notice`] with the location's settings already read.
    fn notice_under(
        &mut self,
        settings: &HashMap<String, String>,
        trigger: &'static str,
        resource: &str,
        data: &dyn Fn() -> Value,
    ) {
        if crate::notify::topics(settings, trigger).is_empty() {
            return;
        }
        let notes: Vec<Notification> = messages(settings, trigger, resource, &data());
        self.outbox.extend(notes);
    }

    /// A conversation was made. `by` is the trigger of the operation that made it, if one did:
    /// when that trigger is set, it speaks for the conversation instead.
    pub(crate) fn notice_created(&mut self, conversation: &Conversation, by: Option<&str>) {
        let settings = self.notification_settings(location_of_name(&conversation.name));
        if settings.is_empty() || by.is_some_and(|t| settings.contains_key(t)) {
            return;
        }
        self.notice_under(
            &settings,
            "create-conversation",
            &conversation.name,
            &|| resource_json(conversation),
        );
    }

    /// An analysis was made (and is now its conversation's latest, `conversation`).
    pub(crate) fn notice_analysis(&mut self, analysis: &Analysis, conversation: &Conversation) {
        self.notice("create-analysis", &analysis.name, &|| {
            resource_json(analysis)
        });
        self.notice(
            "update-or-analyze-conversation",
            &conversation.name,
            &|| resource_json(conversation),
        );
    }

    /// What an RPC that answers at once did: a conversation created or updated.
    pub(crate) fn notice_call(&mut self, rpc: &str, answer: &[u8]) {
        let updated = match rpc {
            "CreateConversation" => false,
            "UpdateConversation" => true,
            _ => return,
        };
        let Ok(conversation) = Conversation::decode(answer) else {
            return;
        };
        if updated {
            let data = || resource_json(&conversation);
            self.notice("update-conversation", &conversation.name, &data);
            self.notice("update-or-analyze-conversation", &conversation.name, &data);
        } else {
            self.notice_created(&conversation, None);
        }
    }

    /// Whether the engine does something when `operation` ends (stores its analyses, sends a
    /// notification).
    pub(crate) fn is_waiting_for(&self, operation: &str) -> bool {
        self.pending.contains_key(operation) || self.watched.contains_key(operation)
    }

    /// Watches `operation`, whose end is the event `trigger` in `location`.
    pub(crate) fn watch_end(&mut self, operation: &str, trigger: &'static str, location: &str) {
        let settings = self.notification_settings(location);
        if crate::notify::topics(&settings, trigger).is_empty() {
            return;
        }
        self.watched
            .insert(operation.to_owned(), Watched { trigger, settings });
    }
}
