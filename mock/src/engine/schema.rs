//! What the engine knows of the API, read once from the embedded descriptors' annotations:
//! the resource kinds (`google.api.resource`: type, name patterns, where each lives) and each
//! field's behaviours (`google.api.field_behavior`). Nothing here is written per resource: a
//! kind added to the schema is served without a line changed.

use std::collections::HashMap;
use std::sync::OnceLock;

use prost_reflect::{FieldDescriptor, MessageDescriptor, Value};

use ccai_lro::registry::pool;

/// `google.api.FieldBehavior` values the engine acts on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Behavior(u16);

impl Behavior {
    pub(crate) const REQUIRED: u16 = 1 << 2;
    pub(crate) const OUTPUT_ONLY: u16 = 1 << 3;
    pub(crate) const INPUT_ONLY: u16 = 1 << 4;
    pub(crate) const IMMUTABLE: u16 = 1 << 5;
    pub(crate) const IDENTIFIER: u16 = 1 << 8;

    /// Whether any of `flags` is set.
    pub(crate) fn has(self, flags: u16) -> bool {
        self.0 & flags != 0
    }
}

/// The behaviours published for `field`.
pub(crate) fn behavior(field: &FieldDescriptor) -> Behavior {
    static EXT: OnceLock<Option<prost_reflect::ExtensionDescriptor>> = OnceLock::new();
    let Some(ext) = EXT
        .get_or_init(|| pool().get_extension_by_name("google.api.field_behavior"))
        .as_ref()
    else {
        return Behavior::default();
    };
    let options = field.options();
    if !options.has_extension(ext) {
        return Behavior::default();
    }
    let mut bits = 0u16;
    if let Value::List(values) = options.get_extension(ext).as_ref() {
        for v in values {
            if let Some(n) = v.as_enum_number().and_then(|n| u32::try_from(n).ok()) {
                bits |= 1u16.checked_shl(n).unwrap_or(0);
            }
        }
    }
    Behavior(bits)
}

/// One resource kind: a message with a `google.api.resource` annotation.
#[derive(Debug)]
pub(crate) struct Kind {
    /// `contactcenterinsights.googleapis.com/Conversation`.
    pub(crate) type_name: String,
    /// The short name for messages ("Conversation").
    pub(crate) label: String,
    pub(crate) message: MessageDescriptor,
    /// Name patterns, the canonical one first.
    pub(crate) patterns: Vec<&'static str>,
    /// The collection segment (`conversations`); `None` for a singleton (`…/settings`).
    pub(crate) collection: Option<String>,
    /// The literal last segment of a singleton's name (`settings`).
    pub(crate) singleton: Option<String>,
}

impl Kind {
    /// The parent part of the canonical pattern (`projects/{project}/locations/{location}`).
    pub(crate) fn parent_pattern(&self) -> &'static str {
        let p = self.patterns.first().copied().unwrap_or_default();
        let cut = if self.singleton.is_some() { 1 } else { 2 };
        let mut end = p.len();
        for _ in 0..cut {
            end = p.get(..end).and_then(|s| s.rfind('/')).unwrap_or(0);
        }
        p.get(..end).unwrap_or_default()
    }

    /// Whether the kind's list is newest first (conversations, as Insights documents).
    pub(crate) fn newest_first(&self) -> bool {
        self.collection.as_deref() == Some("conversations")
    }
}

/// Every kind of the schema, by resource type.
pub(crate) fn kinds() -> &'static HashMap<String, Kind> {
    static KINDS: OnceLock<HashMap<String, Kind>> = OnceLock::new();
    KINDS.get_or_init(|| {
        let Some(ext) = pool().get_extension_by_name("google.api.resource") else {
            return HashMap::new();
        };
        let mut kinds = HashMap::new();
        for message in pool().all_messages() {
            let options = message.options();
            if !options.has_extension(&ext) {
                continue;
            }
            let Value::Message(resource) = options.get_extension(&ext).into_owned() else {
                continue;
            };
            let text = |field: &str| {
                resource
                    .get_field_by_name(field)
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            };
            let type_name = text("type");
            let patterns: Vec<&'static str> = match resource.get_field_by_name("pattern") {
                Some(v) => match v.as_list() {
                    // Built once for the life of the process: the name checks take `'static`.
                    Some(list) => list
                        .iter()
                        .filter_map(|p| p.as_str().map(|s| &*s.to_owned().leak()))
                        .collect(),
                    None => Vec::new(),
                },
                None => Vec::new(),
            };
            let Some(canonical) = patterns.first() else {
                continue;
            };
            let mut segments = canonical.rsplit('/');
            let last = segments.next().unwrap_or_default();
            let (collection, singleton) = if last.starts_with('{') {
                (segments.next().map(str::to_owned), None)
            } else {
                (None, Some(last.to_owned()))
            };
            let label = message.name().to_owned();
            kinds.insert(
                type_name.clone(),
                Kind {
                    type_name,
                    label,
                    message,
                    patterns,
                    collection,
                    singleton,
                },
            );
        }
        kinds
    })
}

/// The kind whose message is `message`, if it is a resource.
pub(crate) fn kind_of(message: &MessageDescriptor) -> Option<&'static Kind> {
    kinds()
        .values()
        .find(|k| k.message.full_name() == message.full_name())
}

/// The kind a field refers to (`google.api.resource_reference`'s `type`).
pub(crate) fn referenced_kind(field: &FieldDescriptor) -> Option<&'static Kind> {
    let ext = pool().get_extension_by_name("google.api.resource_reference")?;
    let options = field.options();
    if !options.has_extension(&ext) {
        return None;
    }
    let Value::Message(reference) = options.get_extension(&ext).into_owned() else {
        return None;
    };
    let type_name = reference.get_field_by_name("type")?.as_str()?.to_owned();
    kinds().get(&type_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fourteen_kinds_and_their_shapes() {
        let kinds = kinds();
        assert_eq!(kinds.len(), 14, "{:?}", kinds.keys().collect::<Vec<_>>());
        let conversation = &kinds["contactcenterinsights.googleapis.com/Conversation"];
        assert_eq!(conversation.collection.as_deref(), Some("conversations"));
        assert_eq!(
            conversation.parent_pattern(),
            "projects/{project}/locations/{location}"
        );
        assert_eq!(conversation.patterns.len(), 2);
        let settings = &kinds["contactcenterinsights.googleapis.com/Settings"];
        assert_eq!(settings.singleton.as_deref(), Some("settings"));
        assert_eq!(
            settings.parent_pattern(),
            "projects/{project}/locations/{location}"
        );
        let question = &kinds["contactcenterinsights.googleapis.com/QaQuestion"];
        assert_eq!(
            question.parent_pattern(),
            "projects/{project}/locations/{location}/qaScorecards/{qa_scorecard}/revisions/{revision}"
        );
    }

    #[test]
    fn reads_field_behaviours() {
        let matcher = pool()
            .get_message_by_name("google.cloud.contactcenterinsights.v1.PhraseMatcher")
            .expect("PhraseMatcher");
        let field = |n: &str| behavior(&matcher.get_field_by_name(n).expect("field"));
        assert!(field("type").has(Behavior::REQUIRED));
        assert!(field("update_time").has(Behavior::OUTPUT_ONLY));
        assert!(field("revision_id").has(Behavior::IMMUTABLE));
        assert!(!field("display_name").has(Behavior::REQUIRED));
    }
}
