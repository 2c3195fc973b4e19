//! Which standard method (AIP-131 to 135) each RPC is, read from its request and response
//! types: a Get names a resource and answers it, a List answers a repeated field of a resource,
//! a Create carries a resource and a `parent`, an Update a resource and an `update_mask`, a
//! Delete names a resource and answers nothing. The other RPCs are custom methods.

use std::collections::HashMap;
use std::sync::OnceLock;

use prost_reflect::{FieldDescriptor, Kind as Type, MessageDescriptor, MethodDescriptor};

use super::schema::{kind_of, referenced_kind, Kind};
use ccai_lro::registry::pool;

/// The five standard methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Standard {
    Create,
    Get,
    List,
    Update,
    Delete,
}

/// How the engine serves one RPC.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) standard: Standard,
    pub(crate) kind: &'static Kind,
    pub(crate) output: MessageDescriptor,
    /// Create/Update: the request's resource field. List: the response's items field.
    pub(crate) field: Option<FieldDescriptor>,
    /// Create: the request's `{resource}_id` field, if it has one.
    pub(crate) id: Option<FieldDescriptor>,
}

impl Plan {
    /// The name of the request's resource field (Create, Update); empty for the others.
    pub(crate) fn body(&self) -> &str {
        self.field.as_ref().map(|f| f.name()).unwrap_or_default()
    }
}

/// The singular field of `message` holding a resource, and that resource's kind.
fn resource_field(message: &MessageDescriptor) -> Option<(FieldDescriptor, &'static Kind)> {
    message.fields().find_map(|f| match f.kind() {
        Type::Message(m) if !f.is_list() && !f.is_map() => kind_of(&m).map(|k| (f, k)),
        _ => None,
    })
}

/// Whether the method's HTTP rule has a custom verb (`…:listAllFeedbackLabels`): a custom
/// method, whatever its name and types look like (AIP-136).
fn has_custom_verb(method: &MethodDescriptor) -> bool {
    let Some(ext) = pool().get_extension_by_name("google.api.http") else {
        return false;
    };
    let options = method.options();
    if !options.has_extension(&ext) {
        return false;
    }
    let rule = options.get_extension(&ext);
    let Some(rule) = rule.as_message() else {
        return false;
    };
    ["get", "post", "patch", "delete", "put"]
        .iter()
        .any(|verb| {
            rule.get_field_by_name(verb)
                .and_then(|v| {
                    v.as_str()
                        .map(|p| p.rsplit('}').next().unwrap_or_default().contains(':'))
                })
                .unwrap_or(false)
        })
}

fn classify(method: &MethodDescriptor) -> Option<Plan> {
    if has_custom_verb(method) {
        return None;
    }
    let (input, output) = (method.input(), method.output());
    let name = method.name();
    let plan = |standard, kind, field, id| Plan {
        standard,
        kind,
        output: output.clone(),
        field,
        id,
    };
    let named = || {
        input
            .get_field_by_name("name")
            .and_then(|f| referenced_kind(&f))
    };
    if name.starts_with("Get") {
        let kind = named().filter(|k| k.message.full_name() == output.full_name())?;
        return Some(plan(Standard::Get, kind, None, None));
    }
    if name.starts_with("List") {
        let (items, kind) = output.fields().find_map(|f| match f.kind() {
            Type::Message(m) if f.is_list() => kind_of(&m).map(|k| (f, k)),
            _ => None,
        })?;
        input.get_field_by_name("parent")?;
        return Some(plan(Standard::List, kind, Some(items), None));
    }
    if name.starts_with("Create") && kind_of(&output).is_some() {
        let (field, kind) = resource_field(&input)?;
        input.get_field_by_name("parent")?;
        let id = input.get_field_by_name(&format!("{}_id", field.name()));
        return Some(plan(Standard::Create, kind, Some(field), id));
    }
    if name.starts_with("Update") && input.get_field_by_name("update_mask").is_some() {
        let (field, kind) = resource_field(&input)?;
        return Some(plan(Standard::Update, kind, Some(field), None));
    }
    if name.starts_with("Delete") && output.full_name() == "google.protobuf.Empty" {
        return Some(plan(Standard::Delete, named()?, None, None));
    }
    None
}

/// The plan of every standard RPC of the Insights service, by RPC name.
pub(crate) fn plans() -> &'static HashMap<String, Plan> {
    static PLANS: OnceLock<HashMap<String, Plan>> = OnceLock::new();
    PLANS.get_or_init(|| {
        let Some(service) = pool().services().find(|s| {
            s.full_name() == "google.cloud.contactcenterinsights.v1.ContactCenterInsights"
        }) else {
            return HashMap::new();
        };
        service
            .methods()
            .filter_map(|m| classify(&m).map(|p| (m.name().to_owned(), p)))
            .collect()
    })
}

/// The input and output types of an Insights RPC.
pub(crate) fn method(rpc: &str) -> Option<MethodDescriptor> {
    pool()
        .services()
        .find(|s| s.full_name() == "google.cloud.contactcenterinsights.v1.ContactCenterInsights")?
        .methods()
        .find(|m| m.name() == rpc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_standard_methods_of_every_kind() {
        let plans = plans();
        let count = |s| plans.values().filter(|p| p.standard == s).count();
        // CreateIssueModel, CreateAnalysis and DeleteIssueModel start operations; QaScorecardResult
        // has no RPC; ListAllFeedbackLabels has a custom verb.
        assert_eq!(count(Standard::Create), 8, "{plans:#?}");
        assert_eq!(count(Standard::List), 11);
        assert_eq!(count(Standard::Get), 13);
        assert_eq!(count(Standard::Update), 10);
        assert_eq!(count(Standard::Delete), 10);
        let create = &plans["CreateConversation"];
        assert_eq!(
            create.id.as_ref().map(|f| f.name()),
            Some("conversation_id")
        );
        assert_eq!(
            plans["ListAnalyses"].field.as_ref().map(|f| f.name()),
            Some("analyses")
        );
        assert_eq!(plans["UpdateSettings"].kind.label, "Settings");
        assert!(!plans.contains_key("CreateIssueModel"));
        assert!(!plans.contains_key("DeployQaScorecardRevision"));
    }
}
