//! The 17 Insights RPCs that start long-running operations, as one table.
//!
//! The library's typed starters ([`crate::insights`]), the mock's service and the mock's method
//! list all expand from this table, so an RPC is added or fixed in one row; the tests below tie
//! every row to the schema's declarations, so the table cannot drift from `proto/`.

/// Invokes `$callback!` once with one row per RPC, in the service's declaration order:
///
/// ```text
/// $(#[doc])* fn_name, "RpcName", RequestType => AliasName<Response, Metadata>,
///     route "field" = |r| resource, PATTERN;
/// ```
///
/// `fn_name` is the method of the generated client and server trait; `AliasName` the library's
/// `Operation<Response, Metadata>` alias; `resource` borrows the request `r` and yields the
/// `&str` it names (empty when absent), which is the routing header's value under the key
/// `"field"` (a dotted path for a nested field) and is checked against `PATTERN` before sending.
///
/// Type names are bare: the expansion site glob-imports
/// `proto::google::cloud::contactcenterinsights::v1`.
// Exported (hidden) for `ccai-lro-mock`, whose service expands from the same table.
#[macro_export]
#[doc(hidden)]
macro_rules! insights_lro_rpcs {
    ($callback:ident) => {
        $callback! {
            /// Starts UploadConversation under a location.
            upload_conversation, "UploadConversation", UploadConversationRequest
                => UploadConversationOperation<Conversation, UploadConversationMetadata>,
                route "parent" = |r| &r.parent, $crate::name::LOCATION_PATTERN;
            /// Starts CreateAnalysis of a conversation.
            create_analysis, "CreateAnalysis", CreateAnalysisRequest
                => CreateAnalysisOperation<Analysis, CreateAnalysisOperationMetadata>,
                route "parent" = |r| &r.parent, $crate::name::CONVERSATION_PATTERN;
            /// Starts BulkAnalyzeConversations under a location.
            bulk_analyze_conversations, "BulkAnalyzeConversations", BulkAnalyzeConversationsRequest
                => BulkAnalyzeConversationsOperation<BulkAnalyzeConversationsResponse, BulkAnalyzeConversationsMetadata>,
                route "parent" = |r| &r.parent, $crate::name::LOCATION_PATTERN;
            /// Starts BulkDeleteConversations under a location.
            bulk_delete_conversations, "BulkDeleteConversations", BulkDeleteConversationsRequest
                => BulkDeleteConversationsOperation<BulkDeleteConversationsResponse, BulkDeleteConversationsMetadata>,
                route "parent" = |r| &r.parent, $crate::name::LOCATION_PATTERN;
            /// Starts IngestConversations under a location.
            ingest_conversations, "IngestConversations", IngestConversationsRequest
                => IngestConversationsOperation<IngestConversationsResponse, IngestConversationsMetadata>,
                route "parent" = |r| &r.parent, $crate::name::LOCATION_PATTERN;
            /// Starts ExportInsightsData under a location.
            export_insights_data, "ExportInsightsData", ExportInsightsDataRequest
                => ExportInsightsDataOperation<ExportInsightsDataResponse, ExportInsightsDataMetadata>,
                route "parent" = |r| &r.parent, $crate::name::LOCATION_PATTERN;
            /// Starts CreateIssueModel under a location.
            create_issue_model, "CreateIssueModel", CreateIssueModelRequest
                => CreateIssueModelOperation<IssueModel, CreateIssueModelMetadata>,
                route "parent" = |r| &r.parent, $crate::name::LOCATION_PATTERN;
            /// Starts DeleteIssueModel; the response is `google.protobuf.Empty`.
            delete_issue_model, "DeleteIssueModel", DeleteIssueModelRequest
                => DeleteIssueModelOperation<$crate::Empty, DeleteIssueModelMetadata>,
                route "name" = |r| &r.name, $crate::name::ISSUE_MODEL_PATTERN;
            /// Starts DeployIssueModel.
            deploy_issue_model, "DeployIssueModel", DeployIssueModelRequest
                => DeployIssueModelOperation<DeployIssueModelResponse, DeployIssueModelMetadata>,
                route "name" = |r| &r.name, $crate::name::ISSUE_MODEL_PATTERN;
            /// Starts UndeployIssueModel.
            undeploy_issue_model, "UndeployIssueModel", UndeployIssueModelRequest
                => UndeployIssueModelOperation<UndeployIssueModelResponse, UndeployIssueModelMetadata>,
                route "name" = |r| &r.name, $crate::name::ISSUE_MODEL_PATTERN;
            /// Starts ExportIssueModel.
            export_issue_model, "ExportIssueModel", ExportIssueModelRequest
                => ExportIssueModelOperation<ExportIssueModelResponse, ExportIssueModelMetadata>,
                route "name" = |r| &r.name, $crate::name::ISSUE_MODEL_PATTERN;
            /// Starts ImportIssueModel under a location.
            import_issue_model, "ImportIssueModel", ImportIssueModelRequest
                => ImportIssueModelOperation<ImportIssueModelResponse, ImportIssueModelMetadata>,
                route "parent" = |r| &r.parent, $crate::name::LOCATION_PATTERN;
            /// Starts InitializeEncryptionSpec.
            initialize_encryption_spec, "InitializeEncryptionSpec", InitializeEncryptionSpecRequest
                => InitializeEncryptionSpecOperation<InitializeEncryptionSpecResponse, InitializeEncryptionSpecMetadata>,
                route "encryption_spec.name" = |r| r.encryption_spec.as_ref().map_or("", |s| s.name.as_str()), $crate::name::ENCRYPTION_SPEC_PATTERN;
            /// Starts QueryMetrics for a location.
            query_metrics, "QueryMetrics", QueryMetricsRequest
                => QueryMetricsOperation<QueryMetricsResponse, QueryMetricsMetadata>,
                route "location" = |r| &r.location, $crate::name::LOCATION_PATTERN;
            /// Starts TuneQaScorecardRevision.
            tune_qa_scorecard_revision, "TuneQaScorecardRevision", TuneQaScorecardRevisionRequest
                => TuneQaScorecardRevisionOperation<TuneQaScorecardRevisionResponse, TuneQaScorecardRevisionMetadata>,
                route "parent" = |r| &r.parent, $crate::name::QA_REVISION_PATTERN;
            /// Starts BulkUploadFeedbackLabels under a location.
            bulk_upload_feedback_labels, "BulkUploadFeedbackLabels", BulkUploadFeedbackLabelsRequest
                => BulkUploadFeedbackLabelsOperation<BulkUploadFeedbackLabelsResponse, BulkUploadFeedbackLabelsMetadata>,
                route "parent" = |r| &r.parent, $crate::name::LOCATION_PATTERN;
            /// Starts BulkDownloadFeedbackLabels under a location.
            bulk_download_feedback_labels, "BulkDownloadFeedbackLabels", BulkDownloadFeedbackLabelsRequest
                => BulkDownloadFeedbackLabelsOperation<BulkDownloadFeedbackLabelsResponse, BulkDownloadFeedbackLabelsMetadata>,
                route "parent" = |r| &r.parent, $crate::name::LOCATION_PATTERN;
        }
    };
}

#[cfg(test)]
mod tests {
    use prost::Name;

    use crate::proto::google::cloud::contactcenterinsights::v1::*;
    use crate::registry;

    /// One row as the schema sees it.
    struct Row {
        rpc: &'static str,
        request: String,
        response: String,
        metadata: String,
        field: &'static str,
    }

    macro_rules! rows {
        ($(
            $(#[$doc:meta])*
            $fn:ident, $rpc:literal, $req:ty => $alias:ident<$resp:ty, $meta:ty>,
            route $key:literal = |$r:ident| $value:expr, $pattern:expr;
        )*) => {
            vec![$(Row {
                rpc: $rpc,
                request: <$req as Name>::full_name(),
                response: <$resp as Name>::full_name(),
                metadata: <$meta as Name>::full_name(),
                field: $key,
            }),*]
        };
    }

    fn table() -> Vec<Row> {
        crate::insights_lro_rpcs!(rows)
    }

    #[test]
    fn the_table_lists_the_services_rpcs_in_order() {
        let rpcs: Vec<&str> = table().iter().map(|r| r.rpc).collect();
        assert_eq!(rpcs, registry::insights_lro_methods());
    }

    #[test]
    fn each_row_carries_the_declared_operation_types() {
        for row in table() {
            assert_eq!(
                registry::operation_info(row.rpc),
                Some((row.response, row.metadata)),
                "{}",
                row.rpc
            );
        }
    }

    #[test]
    fn each_row_routes_on_a_string_field_of_its_request() {
        let service = registry::pool()
            .get_service_by_name(registry::INSIGHTS_SERVICE)
            .expect("the Insights service is in the pool");
        for row in table() {
            let method = service.methods().find(|m| m.name() == row.rpc);
            let input = method.map(|m| m.input());
            assert_eq!(
                input.as_ref().map(|i| i.full_name()),
                Some(row.request.as_str()),
                "{}",
                row.rpc
            );
            let (mut message, mut kind) = (input, None);
            for part in row.field.split('.') {
                let field = message.as_ref().and_then(|m| m.get_field_by_name(part));
                kind = field.as_ref().map(|f| f.kind());
                message = kind.as_ref().and_then(|k| k.as_message().cloned());
            }
            assert!(
                matches!(kind, Some(prost_reflect::Kind::String)),
                "{}: {} is not a string field of {}",
                row.rpc,
                row.field,
                row.request
            );
        }
    }
}
