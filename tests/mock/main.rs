//! The mock server's semantics, exercised through the raw generated clients.

use ccai_lro::proto::google::cloud::contactcenterinsights::v1 as insights;
use ccai_lro::proto::google::longrunning::{
    operation, operations_client::OperationsClient, GetOperationRequest, ListOperationsRequest,
    Operation,
};
use ccai_lro::proto::google::rpc;
use ccai_lro_mock::{MockServer, Script};
use prost::Message;
use tonic::transport::Channel;

mod faults;
mod operations;
mod requests;
mod scripts;
mod serving;
mod starters;

const LOC: &str = "projects/p/locations/us-central1";

fn name(id: &str) -> String {
    format!("{LOC}/operations/{id}")
}

fn ops(server: &MockServer) -> OperationsClient<Channel> {
    OperationsClient::new(server.channel())
}

async fn get(
    client: &mut OperationsClient<Channel>,
    name: &str,
) -> Result<Operation, tonic::Status> {
    client
        .get_operation(GetOperationRequest { name: name.into() })
        .await
        .map(tonic::Response::into_inner)
}

fn list(parent: &str, filter: &str, page_size: i32, token: &str) -> ListOperationsRequest {
    ListOperationsRequest {
        name: parent.into(),
        filter: filter.into(),
        page_size,
        page_token: token.into(),
        return_partial_success: false,
    }
}

fn rpc_status(status: &tonic::Status) -> rpc::Status {
    rpc::Status::decode(status.details())
        .expect("grpc-status-details-bin holds a google.rpc.Status")
}

fn error_of(op: &Operation) -> Option<&rpc::Status> {
    match &op.result {
        Some(operation::Result::Error(e)) => Some(e),
        _ => None,
    }
}

fn response_of(op: &Operation) -> Option<&prost_types::Any> {
    match &op.result {
        Some(operation::Result::Response(r)) => Some(r),
        _ => None,
    }
}

fn two_step() -> Script {
    Script::new()
        .metadata(&insights::DeployIssueModelMetadata::default())
        .metadata(&insights::DeployIssueModelMetadata::default())
        .respond(&insights::DeployIssueModelResponse::default())
}
