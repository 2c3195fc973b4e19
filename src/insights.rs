//! Typed starters for the 17 Insights RPCs that return long-running operations.
//!
//! Each starter validates the request's resource name, sends the call once (starting an
//! operation is not idempotent, so it is never retried) with the routing header, and returns a
//! typed [`Operation`] handle. The generated client stays reachable through
//! [`InsightsClient::generated`] for everything else.
//!
//! ```no_run
//! # async fn demo(client: ccai_lro::Client) -> Result<(), ccai_lro::Error> {
//! use ccai_lro::insights::InsightsClient;
//! use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{CreateIssueModelRequest, IssueModel};
//! let insights = InsightsClient::new(client);
//! let op = insights
//!     .create_issue_model(CreateIssueModelRequest {
//!         parent: "projects/p/locations/us-central1".into(),
//!         issue_model: Some(IssueModel { display_name: "Topics".into(), ..Default::default() }),
//!     })
//!     .await?;
//! let model = op.wait().await?;
//! # Ok(()) }
//! ```

use crate::{
    client::{call::Kind, headers::routing},
    name::{walk, LOCATION_PATTERN},
    operation::{Empty, Operation},
    proto::google::cloud::contactcenterinsights::v1::{
        contact_center_insights_client::ContactCenterInsightsClient as Generated, *,
    },
    Client, Error, Transport,
};

const CONVERSATION: &str = "projects/{project}/locations/{location}/conversations/{conversation}";
const ISSUE_MODEL: &str = "projects/{project}/locations/{location}/issueModels/{issue_model}";
const ENCRYPTION_SPEC: &str = "projects/{project}/locations/{location}/encryptionSpec";
const QA_REVISION: &str =
    "projects/{project}/locations/{location}/qaScorecards/{qa_scorecard}/revisions/{revision}";

/// The client of the Insights service's long-running RPCs.
#[derive(Clone, Debug)]
pub struct InsightsClient {
    client: Client,
}

macro_rules! starters {
    ($(
        $(#[$doc:meta])*
        $fn:ident, $rpc:literal, $req:ty => $alias:ident<$resp:ty, $meta:ty>,
        route $key:literal = |$r:ident| $value:expr, $pattern:expr;
    )*) => {
        $(
            #[doc = concat!("The handle of a `", $rpc, "` operation.")]
            pub type $alias = Operation<$resp, $meta>;
        )*

        impl InsightsClient {
            $(
                $(#[$doc])*
                pub async fn $fn(&self, request: $req) -> Result<$alias, Error> {
                    let value: String = {
                        let $r = &request;
                        $value.to_owned()
                    };
                    walk(&value, $pattern, |_| ())?;
                    let req = self.client.request_for(Kind::Start, request, routing($key, &value), None);
                    let mut generated = Some(self.generated());
                    let mut req = Some(req);
                    let raw = self
                        .client
                        .call($rpc, &value, Kind::Start, |_| {
                            let (mut g, r) = (generated.take(), req.take());
                            async move {
                                match (g.as_mut(), r) {
                                    (Some(g), Some(r)) => g.$fn(r).await,
                                    _ => Err(tonic::Status::internal("a starter is sent only once")),
                                }
                            }
                        })
                        .await?;
                    Ok(Operation::new(self.client.clone(), raw))
                }
            )*
        }
    };
}

impl InsightsClient {
    /// Starters over `client`'s connection.
    pub fn new(client: Client) -> InsightsClient {
        InsightsClient { client }
    }

    /// The underlying connection.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The generated client on the same connection, for the RPCs without starters here. It adds
    /// no Google headers by itself; see [`Client::request`].
    pub fn generated(&self) -> Generated<Transport> {
        Generated::new(self.client.transport())
    }
}

starters! {
    /// Starts UploadConversation under a location.
    upload_conversation, "UploadConversation", UploadConversationRequest
        => UploadConversationOperation<Conversation, UploadConversationMetadata>,
        route "parent" = |r| &r.parent, LOCATION_PATTERN;
    /// Starts CreateAnalysis of a conversation.
    create_analysis, "CreateAnalysis", CreateAnalysisRequest
        => CreateAnalysisOperation<Analysis, CreateAnalysisOperationMetadata>,
        route "parent" = |r| &r.parent, CONVERSATION;
    /// Starts BulkAnalyzeConversations under a location.
    bulk_analyze_conversations, "BulkAnalyzeConversations", BulkAnalyzeConversationsRequest
        => BulkAnalyzeConversationsOperation<BulkAnalyzeConversationsResponse, BulkAnalyzeConversationsMetadata>,
        route "parent" = |r| &r.parent, LOCATION_PATTERN;
    /// Starts BulkDeleteConversations under a location.
    bulk_delete_conversations, "BulkDeleteConversations", BulkDeleteConversationsRequest
        => BulkDeleteConversationsOperation<BulkDeleteConversationsResponse, BulkDeleteConversationsMetadata>,
        route "parent" = |r| &r.parent, LOCATION_PATTERN;
    /// Starts IngestConversations under a location.
    ingest_conversations, "IngestConversations", IngestConversationsRequest
        => IngestConversationsOperation<IngestConversationsResponse, IngestConversationsMetadata>,
        route "parent" = |r| &r.parent, LOCATION_PATTERN;
    /// Starts ExportInsightsData under a location.
    export_insights_data, "ExportInsightsData", ExportInsightsDataRequest
        => ExportInsightsDataOperation<ExportInsightsDataResponse, ExportInsightsDataMetadata>,
        route "parent" = |r| &r.parent, LOCATION_PATTERN;
    /// Starts CreateIssueModel under a location.
    create_issue_model, "CreateIssueModel", CreateIssueModelRequest
        => CreateIssueModelOperation<IssueModel, CreateIssueModelMetadata>,
        route "parent" = |r| &r.parent, LOCATION_PATTERN;
    /// Starts DeleteIssueModel; the response is `google.protobuf.Empty`.
    delete_issue_model, "DeleteIssueModel", DeleteIssueModelRequest
        => DeleteIssueModelOperation<Empty, DeleteIssueModelMetadata>,
        route "name" = |r| &r.name, ISSUE_MODEL;
    /// Starts DeployIssueModel.
    deploy_issue_model, "DeployIssueModel", DeployIssueModelRequest
        => DeployIssueModelOperation<DeployIssueModelResponse, DeployIssueModelMetadata>,
        route "name" = |r| &r.name, ISSUE_MODEL;
    /// Starts UndeployIssueModel.
    undeploy_issue_model, "UndeployIssueModel", UndeployIssueModelRequest
        => UndeployIssueModelOperation<UndeployIssueModelResponse, UndeployIssueModelMetadata>,
        route "name" = |r| &r.name, ISSUE_MODEL;
    /// Starts ExportIssueModel.
    export_issue_model, "ExportIssueModel", ExportIssueModelRequest
        => ExportIssueModelOperation<ExportIssueModelResponse, ExportIssueModelMetadata>,
        route "name" = |r| &r.name, ISSUE_MODEL;
    /// Starts ImportIssueModel under a location.
    import_issue_model, "ImportIssueModel", ImportIssueModelRequest
        => ImportIssueModelOperation<ImportIssueModelResponse, ImportIssueModelMetadata>,
        route "parent" = |r| &r.parent, LOCATION_PATTERN;
    /// Starts InitializeEncryptionSpec.
    initialize_encryption_spec, "InitializeEncryptionSpec", InitializeEncryptionSpecRequest
        => InitializeEncryptionSpecOperation<InitializeEncryptionSpecResponse, InitializeEncryptionSpecMetadata>,
        route "encryption_spec.name" = |r| r.encryption_spec.as_ref().map_or("", |s| s.name.as_str()), ENCRYPTION_SPEC;
    /// Starts QueryMetrics for a location.
    query_metrics, "QueryMetrics", QueryMetricsRequest
        => QueryMetricsOperation<QueryMetricsResponse, QueryMetricsMetadata>,
        route "location" = |r| &r.location, LOCATION_PATTERN;
    /// Starts TuneQaScorecardRevision.
    tune_qa_scorecard_revision, "TuneQaScorecardRevision", TuneQaScorecardRevisionRequest
        => TuneQaScorecardRevisionOperation<TuneQaScorecardRevisionResponse, TuneQaScorecardRevisionMetadata>,
        route "parent" = |r| &r.parent, QA_REVISION;
    /// Starts BulkUploadFeedbackLabels under a location.
    bulk_upload_feedback_labels, "BulkUploadFeedbackLabels", BulkUploadFeedbackLabelsRequest
        => BulkUploadFeedbackLabelsOperation<BulkUploadFeedbackLabelsResponse, BulkUploadFeedbackLabelsMetadata>,
        route "parent" = |r| &r.parent, LOCATION_PATTERN;
    /// Starts BulkDownloadFeedbackLabels under a location.
    bulk_download_feedback_labels, "BulkDownloadFeedbackLabels", BulkDownloadFeedbackLabelsRequest
        => BulkDownloadFeedbackLabelsOperation<BulkDownloadFeedbackLabelsResponse, BulkDownloadFeedbackLabelsMetadata>,
        route "parent" = |r| &r.parent, LOCATION_PATTERN;
}
