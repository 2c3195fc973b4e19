//! The 17 Insights RPCs that start operations.
//!
//! Each starter validates the resource its request names, derives the location
//! (`projects/{p}/locations/{l}`) its operation lives under, picks the script (an override from
//! [`MockServerBuilder::script_for`](super::MockServerBuilder::script_for), else the
//! [default](super::defaults::script)), stores the operation and returns its first view.

use std::sync::Arc;

use prost::{Message, Name};
use tokio::time::Instant;
use tonic::{Request, Response, Status};

use super::script::pack;
use super::shared::Shared;
use super::start::Start;
use super::{defaults, names};
use crate::proto::google::cloud::contactcenterinsights::v1::contact_center_insights_server::ContactCenterInsights;
use crate::proto::google::cloud::contactcenterinsights::v1::*;
use crate::proto::google::longrunning::Operation;

pub(crate) struct InsightsService(pub(crate) Arc<Shared>);

impl InsightsService {
    async fn start<T: Message + Name>(
        &self,
        method: &'static str,
        field: &str,
        resource: String,
        request: Request<T>,
    ) -> Result<Response<Operation>, Status> {
        let shared = &self.0;
        shared.admit(method, &resource, &request).await?;
        let location = names::location_of(field, &resource)?.to_owned();
        let id = shared.next_id();
        let operation = format!("{location}/operations/{id}");
        let start = Start {
            method,
            request: pack(request.get_ref()),
            resource,
            location,
            id,
            operation,
            created: shared.clock.now(),
        };
        // Run the user's script function without holding any lock.
        let script = match shared.script_fn(method) {
            Some(f) => f(&start),
            None => defaults::script(&start),
        };
        let now = Instant::now();
        let op = {
            let mut store = shared.store();
            store.insert(&start.operation, &start.location, script, now);
            store.get(&start.operation).map(|e| e.render(now))
        };
        shared.changed.notify_waiters();
        op.map(Response::new)
            .ok_or_else(|| Status::internal("operation vanished while being created"))
    }
}

/// One trait method per starter: `fn_name(RequestType) => "Method", "field", |r| resource`.
macro_rules! starters {
    ($( $fn:ident($req:ty) => $method:literal, $field:literal, |$r:ident| $resource:expr; )*) => {
        #[tonic::async_trait]
        impl ContactCenterInsights for InsightsService {
            $(
                async fn $fn(
                    &self,
                    request: Request<$req>,
                ) -> Result<Response<Operation>, Status> {
                    let resource: String = {
                        let $r = request.get_ref();
                        $resource
                    };
                    self.start($method, $field, resource, request).await
                }
            )*
        }
    };
}

starters! {
    upload_conversation(UploadConversationRequest) => "UploadConversation", "parent", |r| r.parent.clone();
    create_analysis(CreateAnalysisRequest) => "CreateAnalysis", "parent", |r| r.parent.clone();
    bulk_analyze_conversations(BulkAnalyzeConversationsRequest) => "BulkAnalyzeConversations", "parent", |r| r.parent.clone();
    bulk_delete_conversations(BulkDeleteConversationsRequest) => "BulkDeleteConversations", "parent", |r| r.parent.clone();
    ingest_conversations(IngestConversationsRequest) => "IngestConversations", "parent", |r| r.parent.clone();
    export_insights_data(ExportInsightsDataRequest) => "ExportInsightsData", "parent", |r| r.parent.clone();
    create_issue_model(CreateIssueModelRequest) => "CreateIssueModel", "parent", |r| r.parent.clone();
    delete_issue_model(DeleteIssueModelRequest) => "DeleteIssueModel", "name", |r| r.name.clone();
    deploy_issue_model(DeployIssueModelRequest) => "DeployIssueModel", "name", |r| r.name.clone();
    undeploy_issue_model(UndeployIssueModelRequest) => "UndeployIssueModel", "name", |r| r.name.clone();
    export_issue_model(ExportIssueModelRequest) => "ExportIssueModel", "name", |r| r.name.clone();
    import_issue_model(ImportIssueModelRequest) => "ImportIssueModel", "parent", |r| r.parent.clone();
    initialize_encryption_spec(InitializeEncryptionSpecRequest) => "InitializeEncryptionSpec", "encryption_spec.name",
        |r| r.encryption_spec.as_ref().map(|s| s.name.clone()).unwrap_or_default();
    query_metrics(QueryMetricsRequest) => "QueryMetrics", "location", |r| r.location.clone();
    tune_qa_scorecard_revision(TuneQaScorecardRevisionRequest) => "TuneQaScorecardRevision", "parent", |r| r.parent.clone();
    bulk_upload_feedback_labels(BulkUploadFeedbackLabelsRequest) => "BulkUploadFeedbackLabels", "parent", |r| r.parent.clone();
    bulk_download_feedback_labels(BulkDownloadFeedbackLabelsRequest) => "BulkDownloadFeedbackLabels", "parent", |r| r.parent.clone();
}
