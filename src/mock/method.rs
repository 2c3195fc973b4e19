//! gRPC method names, as used to key faults, scripts and recorded requests.

/// Matches every method in fault plans.
pub const ALL: &str = "*";

/// `google.longrunning.Operations/GetOperation`.
pub const GET_OPERATION: &str = "GetOperation";
/// `google.longrunning.Operations/ListOperations`.
pub const LIST_OPERATIONS: &str = "ListOperations";
/// `google.longrunning.Operations/CancelOperation`.
pub const CANCEL_OPERATION: &str = "CancelOperation";
/// `google.longrunning.Operations/DeleteOperation`.
pub const DELETE_OPERATION: &str = "DeleteOperation";
/// `google.longrunning.Operations/WaitOperation`.
pub const WAIT_OPERATION: &str = "WaitOperation";

/// The 17 `ContactCenterInsights` RPCs that start a long-running operation.
pub const INSIGHTS: [&str; 17] = [
    "UploadConversation",
    "CreateAnalysis",
    "BulkAnalyzeConversations",
    "BulkDeleteConversations",
    "IngestConversations",
    "ExportInsightsData",
    "CreateIssueModel",
    "DeleteIssueModel",
    "DeployIssueModel",
    "UndeployIssueModel",
    "ExportIssueModel",
    "ImportIssueModel",
    "InitializeEncryptionSpec",
    "QueryMetrics",
    "TuneQaScorecardRevision",
    "BulkUploadFeedbackLabels",
    "BulkDownloadFeedbackLabels",
];
