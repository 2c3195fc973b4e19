//! Issue models trained on what is stored.
//!
//! The service finds a location's topics by machine learning; the emulator cannot, and never
//! makes them up. Its rule, documented as its own: **a conversation's issue is its label
//! `issue`** (`labels: {"issue": "Billing dispute"}`), trimmed; a conversation without one is
//! unclassified. So a test decides which issue each conversation belongs to, and every count
//! the emulator reports was counted:
//!
//! - the training data is the location's conversations that match the model's
//!   `input_data_config` (its `medium`, when set, and its AIP-160 `filter`);
//!   `training_conversations_count` and `analyzed_conversations_count` are their number;
//! - each distinct issue label becomes an `Issue` resource under the model, which `ListIssues`
//!   and `GetIssue` find, named in `training_stats.issue_stats` with the number of its
//!   conversations; labelled plus unclassified conversations add up to the analysed ones;
//! - a deployed model assigns each analysed conversation its issue by the same rule, with
//!   score 1 (`issue_model_result`); `CalculateIssueModelStats` counts again from the store.

use std::collections::{BTreeMap, HashMap};

use prost::Message;
use prost_types::Timestamp;
use tonic::Status;

use super::filter::Filter;
use super::records::{for_each_conversation, kind, missing_kind, typed};
use super::store::Store;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    issue_model::{self, InputDataConfig},
    issue_model_label_stats::IssueStats,
    Conversation, Issue, IssueAssignment, IssueModel, IssueModelLabelStats, IssueModelResult,
};

/// The label that names a conversation's issue (the emulator's rule).
pub const ISSUE_LABEL: &str = "issue";

/// The issue `conversation` belongs to by the emulator's rule, if any.
pub(crate) fn issue_of(conversation: &Conversation) -> Option<&str> {
    conversation
        .labels
        .get(ISSUE_LABEL)
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
}

/// What the training data holds: how many conversations, and how many of each issue.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Counts {
    pub(crate) analyzed: i64,
    pub(crate) by_issue: BTreeMap<String, i64>,
}

impl Counts {
    fn unclassified(&self) -> i64 {
        self.analyzed - self.by_issue.values().sum::<i64>()
    }
}

/// Counts the conversations of `location` that `input` selects.
pub(crate) fn count(
    store: &Store,
    location: &str,
    input: &InputDataConfig,
) -> Result<Counts, Status> {
    let conversation = kind("Conversation").ok_or_else(|| missing_kind("Conversation"))?;
    let filter = Filter::parse(&input.filter, &conversation.message).map_err(|e| {
        super::errors::bad_field("issue_model.input_data_config.filter", e.message())
    })?;
    let mut counts = Counts::default();
    let mut broken = None;
    for_each_conversation(store, location, &filter, |_, message| {
        let c: Conversation = match typed(message) {
            Ok(c) => c,
            Err(e) => {
                broken.get_or_insert(e);
                return;
            }
        };
        if input.medium != 0 && c.medium != input.medium {
            return;
        }
        counts.analyzed += 1;
        if let Some(issue) = issue_of(&c) {
            *counts.by_issue.entry(issue.to_owned()).or_default() += 1;
        }
    })?;
    match broken {
        Some(e) => Err(e),
        None => Ok(counts),
    }
}

/// The issue resources of `model`, by display name.
fn issues_of(store: &Store, model: &str) -> HashMap<String, String> {
    let Some(kind) = kind("Issue") else {
        return HashMap::new();
    };
    store
        .under(&format!("{model}/issues/"))
        .filter(|(_, r)| std::ptr::eq(r.kind, kind))
        .filter_map(|(name, r)| {
            let issue = Issue::decode(r.bytes.as_slice()).ok()?;
            Some((issue.display_name, name.clone()))
        })
        .collect()
}

/// `model`'s statistics from `counts`, naming the model's issue resources.
fn stats(store: &Store, model: &str, counts: &Counts) -> IssueModelLabelStats {
    let issues = issues_of(store, model);
    let issue_stats = counts
        .by_issue
        .iter()
        .filter_map(|(display, n)| {
            let name = issues.get(display)?;
            let stats = IssueStats {
                issue: name.clone(),
                labeled_conversations_count: *n,
                display_name: display.clone(),
            };
            Some((name.clone(), stats))
        })
        .collect();
    IssueModelLabelStats {
        analyzed_conversations_count: counts.analyzed,
        unclassified_conversations_count: counts.unclassified(),
        issue_stats,
    }
}

/// Trains `model` (already named, not yet stored) on the location's conversations, as
/// [`count`] counted them for its `input_data_config`: stores an `Issue` for each issue found,
/// and fills the model's counts. `next_id` names the issues.
pub(crate) fn train(
    store: &mut Store,
    model: &mut IssueModel,
    counts: &Counts,
    now: &Timestamp,
    next_id: &dyn Fn() -> String,
) -> Result<(), Status> {
    let input = model.input_data_config.clone().unwrap_or_default();
    let kind = kind("Issue").ok_or_else(|| missing_kind("Issue"))?;
    for display in counts.by_issue.keys() {
        let issue = Issue {
            name: format!("{}/issues/{}", model.name, next_id()),
            display_name: display.clone(),
            create_time: Some(*now),
            update_time: Some(*now),
            ..Default::default()
        };
        store.insert(issue.name.clone(), kind, issue.encode_to_vec())?;
    }
    model.training_stats = Some(stats(store, &model.name, counts));
    model.issue_count = counts.by_issue.len() as i64;
    model.input_data_config = Some(InputDataConfig {
        training_conversations_count: counts.analyzed,
        ..input
    });
    Ok(())
}

/// The statistics of the stored model `model` counted again from the store.
pub(crate) fn recount(store: &Store, model: &IssueModel) -> Result<IssueModelLabelStats, Status> {
    let location = super::records::location_of_name(&model.name);
    let input = model.input_data_config.clone().unwrap_or_default();
    let counts = count(store, location, &input)?;
    Ok(stats(store, &model.name, &counts))
}

/// What the location's deployed issue model (if any) says of `conversation`: its issue by the
/// emulator's rule, score 1, when the model has that issue.
pub(crate) fn assignment(store: &Store, conversation: &Conversation) -> Option<IssueModelResult> {
    let kind = kind("IssueModel")?;
    let location = super::records::location_of_name(&conversation.name);
    let prefix = format!("{location}/issueModels/");
    let model = store
        .under(&prefix)
        .filter(|(_, r)| std::ptr::eq(r.kind, kind))
        .filter_map(|(_, r)| IssueModel::decode(r.bytes.as_slice()).ok())
        .find(|m| m.state() == issue_model::State::Deployed)?;
    let issues = issue_of(conversation)
        .and_then(|display| {
            let name = issues_of(store, &model.name).remove(display)?;
            Some(IssueAssignment {
                issue: name,
                score: 1.0,
                display_name: display.to_owned(),
            })
        })
        .into_iter()
        .collect();
    Some(IssueModelResult {
        issue_model: model.name,
        issues,
    })
}
