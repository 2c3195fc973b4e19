//! A location's history: finished operations from earlier days that a listing wades through.

use crate::{operations::script::Script, server::MockServer};
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    CreateIssueModelMetadata, IssueModel,
};

impl MockServer {
    /// Adds `count` finished CreateIssueModel operations under `location`
    /// (`projects/{p}/locations/{l}`), named `{location}/operations/history-{i}`: the history a
    /// real location accumulates, listed before anything inserted later.
    ///
    /// # Panics
    ///
    /// If `location` is not `projects/{project}/locations/{location}`.
    pub fn add_history(&self, location: &str, count: usize) {
        for i in 0..count {
            let name = format!("{location}/operations/history-{i}");
            let model = IssueModel {
                name: format!("{location}/issueModels/history-{i}"),
                display_name: format!("history {i}"),
                ..IssueModel::default()
            };
            let script = Script::new()
                .final_metadata(&CreateIssueModelMetadata::default())
                .respond(&model);
            self.insert(&name, script);
        }
    }
}
