//! Insights' Pub/Sub notifications: what the emulator publishes when something happens.
//!
//! A location's `Settings.pubsub_notification_settings` maps a *trigger* to a topic
//! (`projects/{project}/topics/{topic}`). The triggers, as Insights documents them:
//!
//! | trigger | when | `data` |
//! |---|---|---|
//! | `create-conversation` | CreateConversation; each conversation an upload or ingest makes, unless `upload-conversation` or `ingest-conversations` is set | the Conversation, transcript included |
//! | `upload-conversation` | an UploadConversation operation finishes | the finished Operation |
//! | `ingest-conversations` | an IngestConversations operation finishes | the finished Operation |
//! | `update-conversation` | UpdateConversation | the Conversation |
//! | `create-analysis` | an analysis is made (CreateAnalysis, each of a bulk analysis or an upload) | the Analysis |
//! | `export-insights-data` | an ExportInsightsData operation finishes | the finished Operation |
//! | `update-or-analyze-conversation` | UpdateConversation, or an analysis is made | the Conversation with its latest analysis |
//! | `all-triggers` | every one of the above | as the event's own |
//!
//! The message's `data` is that resource's JSON as the REST API writes it; its attributes, the
//! emulator's choice where Google documents none, are `trigger` (the event's own key, also when
//! `all-triggers` sent it) and `resource` (the resource's name, or the operation's). An event
//! that several keys send to one topic is published there once.
//!
//! Every message is recorded (the last [`MAX_RECORDED`]: `MockServer::notifications`, the
//! emulator's `GET /notifications`) and, when a Pub/Sub emulator is configured, published
//! through its REST API from a bounded queue ([`publish`]), so a slow or absent Pub/Sub never
//! slows the RPC that caused the message.

pub(crate) mod publish;

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde_json::Value;
use tonic::Status;

/// The most recent notifications kept for `MockServer::notifications` and `GET /notifications`.
pub const MAX_RECORDED: usize = 1_000;

/// Every trigger a setting may name.
pub const TRIGGERS: [&str; 8] = [
    "all-triggers",
    "create-conversation",
    "upload-conversation",
    "ingest-conversations",
    "update-conversation",
    "create-analysis",
    "export-insights-data",
    "update-or-analyze-conversation",
];

/// One message the emulator published (or would have, with no Pub/Sub configured).
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// `projects/{project}/topics/{topic}`.
    pub topic: String,
    /// The resource's JSON, as the REST API writes it.
    pub data: Value,
    /// `trigger` and `resource`.
    pub attributes: BTreeMap<String, String>,
}

/// Checks a settings' `pubsub_notification_settings`: known triggers, topic names. `field`
/// names the map in errors.
pub(crate) fn check_settings(
    settings: &HashMap<String, String>,
    field: &str,
) -> Result<(), Status> {
    let mut keys: Vec<&String> = settings.keys().collect();
    keys.sort();
    for key in keys {
        let at = format!("{field}[{}]", crate::names::quote(key));
        if !TRIGGERS.contains(&key.as_str()) {
            return Err(crate::errors::bad_field(
                &at,
                format!("not a trigger; the triggers are {}", TRIGGERS.join(", ")),
            ));
        }
        let topic = settings.get(key).map(String::as_str).unwrap_or_default();
        if !is_topic(topic) {
            return Err(crate::errors::bad_field(
                &at,
                format!(
                    "{} is not a topic: expected projects/{{project}}/topics/{{topic}}",
                    crate::names::quote(topic)
                ),
            ));
        }
    }
    Ok(())
}

fn is_topic(name: &str) -> bool {
    name.len() <= 512
        && ccai_lro::name::walk(name, "projects/{project}/topics/{topic}", |_| {}).is_ok()
}

/// The topics `trigger` goes to under `settings` (its own key's and `all-triggers`'), each once.
pub(crate) fn topics(settings: &HashMap<String, String>, trigger: &str) -> Vec<String> {
    let mut topics: Vec<String> = [trigger, "all-triggers"]
        .iter()
        .filter_map(|k| settings.get(*k).cloned())
        .collect();
    topics.dedup();
    topics
}

/// The messages of one event, one per topic.
pub(crate) fn messages(
    settings: &HashMap<String, String>,
    trigger: &'static str,
    resource: &str,
    data: &Value,
) -> Vec<Notification> {
    topics(settings, trigger)
        .into_iter()
        .map(|topic| Notification {
            topic,
            data: data.clone(),
            attributes: BTreeMap::from([
                ("trigger".to_owned(), trigger.to_owned()),
                ("resource".to_owned(), resource.to_owned()),
            ]),
        })
        .collect()
}

/// The last [`MAX_RECORDED`] notifications.
#[derive(Debug, Default)]
pub(crate) struct Record(VecDeque<Notification>);

impl Record {
    pub(crate) fn push(&mut self, n: Notification) {
        if self.0.len() == MAX_RECORDED {
            self.0.pop_front();
        }
        self.0.push_back(n);
    }

    pub(crate) fn snapshot(&self) -> Vec<Notification> {
        self.0.iter().cloned().collect()
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}

/// A notification as `GET /notifications` lists it.
pub(crate) fn to_json(n: &Notification) -> Value {
    serde_json::json!({"topic": n.topic, "data": n.data, "attributes": n.attributes})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn an_event_goes_once_to_each_topic_its_key_or_all_triggers_names() {
        let same = settings(&[
            ("create-analysis", "projects/p/topics/a"),
            ("all-triggers", "projects/p/topics/a"),
        ]);
        assert_eq!(topics(&same, "create-analysis"), ["projects/p/topics/a"]);
        let two = settings(&[
            ("create-analysis", "projects/p/topics/a"),
            ("all-triggers", "projects/p/topics/all"),
        ]);
        assert_eq!(
            topics(&two, "create-analysis"),
            ["projects/p/topics/a", "projects/p/topics/all"]
        );
        assert_eq!(
            topics(&two, "update-conversation"),
            ["projects/p/topics/all"]
        );
        assert!(topics(&settings(&[]), "create-analysis").is_empty());
    }

    #[test]
    fn settings_name_known_triggers_and_topics() {
        check_settings(
            &settings(&[("create-analysis", "projects/p/topics/t")]),
            "s",
        )
        .expect("fine");
        for (k, v) in [
            ("create-analyses", "projects/p/topics/t"),
            ("create-analysis", "topics/t"),
            ("create-analysis", "projects/p/topics/"),
            ("create-analysis", "projects/p/subscriptions/s"),
        ] {
            let err = check_settings(
                &settings(&[(k, v)]),
                "settings.pubsub_notification_settings",
            )
            .expect_err("refused");
            assert_eq!(err.code(), tonic::Code::InvalidArgument);
            assert!(err.message().contains(k), "{}", err.message());
        }
    }

    #[test]
    fn the_record_keeps_the_latest() {
        let mut r = Record::default();
        for i in 0..=MAX_RECORDED {
            r.push(Notification {
                topic: i.to_string(),
                data: Value::Null,
                attributes: BTreeMap::new(),
            });
        }
        let kept = r.snapshot();
        assert_eq!(kept.len(), MAX_RECORDED);
        assert_eq!(kept[0].topic, "1");
    }
}
