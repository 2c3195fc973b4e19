//! A server that breaks the protocol: answers about another operation, or hands out a page
//! token it handed out before. Each is `Error::Protocol`, never `InvalidArgument`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ccai_lro::proto::google::longrunning::{
    operations_server::{Operations, OperationsServer},
    CancelOperationRequest, DeleteOperationRequest, GetOperationRequest, ListOperationsRequest,
    ListOperationsResponse, Operation, WaitOperationRequest,
};
use ccai_lro::{insights::CreateIssueModelOperation, Client, Error, ListOptions, Violation};
use futures_util::TryStreamExt;
use tonic::{Request, Response, Status};

const PARENT: &str = "projects/p/locations/l";

/// Answers every GetOperation with operation `other`, and pages A, B, A, B, … forever.
#[derive(Default)]
struct Liar {
    pages: Arc<AtomicUsize>,
}

#[tonic::async_trait]
impl Operations for Liar {
    async fn list_operations(
        &self,
        _: Request<ListOperationsRequest>,
    ) -> Result<Response<ListOperationsResponse>, Status> {
        let n = self.pages.fetch_add(1, Ordering::SeqCst);
        Ok(Response::new(ListOperationsResponse {
            operations: vec![Operation {
                name: format!("{PARENT}/operations/{n}"),
                ..Default::default()
            }],
            next_page_token: if n.is_multiple_of(2) { "A" } else { "B" }.into(),
            unreachable: Vec::new(),
        }))
    }
    async fn get_operation(
        &self,
        _: Request<GetOperationRequest>,
    ) -> Result<Response<Operation>, Status> {
        Ok(Response::new(Operation {
            name: format!("{PARENT}/operations/other"),
            ..Default::default()
        }))
    }
    async fn delete_operation(
        &self,
        _: Request<DeleteOperationRequest>,
    ) -> Result<Response<()>, Status> {
        Err(Status::unimplemented("no"))
    }
    async fn cancel_operation(
        &self,
        _: Request<CancelOperationRequest>,
    ) -> Result<Response<()>, Status> {
        Err(Status::unimplemented("no"))
    }
    async fn wait_operation(
        &self,
        _: Request<WaitOperationRequest>,
    ) -> Result<Response<Operation>, Status> {
        Err(Status::unimplemented("no"))
    }
}

/// The liar on a loopback port (a real socket: the point is a server we do not control).
async fn liar() -> (Client, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let liar = Liar::default();
    let pages = liar.pages.clone();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(OperationsServer::new(liar))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_lazy();
    (Client::from_channel(channel), pages)
}

#[tokio::test]
async fn an_answer_about_another_operation_is_a_protocol_error() {
    let (client, _) = liar().await;
    let asked = format!("{PARENT}/operations/mine");
    let err = client.get_operation(&asked).await.unwrap_err();
    let Error::Protocol(Violation::WrongOperation { asked: a, answered }) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(a, &asked);
    assert!(answered.ends_with("/other"));
    assert!(
        err.to_string()
            .starts_with("INTERNAL: the server broke the protocol"),
        "{err}"
    );

    // A wait does not follow it either, and keeps the name it was given.
    let op = CreateIssueModelOperation::from_name(client.clone(), &asked).unwrap();
    let err = op.wait().await.unwrap_err();
    assert!(
        matches!(err, Error::Protocol(Violation::WrongOperation { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_page_token_seen_before_ends_the_listing() {
    let (client, pages) = liar().await;
    let listed: Result<Vec<_>, _> = client
        .list_operations(PARENT, ListOptions::new())
        .try_collect()
        .await;
    let err = listed.unwrap_err();
    // A, then B, then A again: three pages asked for, and the third is refused.
    assert!(
        matches!(&err, Error::Protocol(Violation::RepeatedPageToken { token, .. }) if token == "A"),
        "{err:?}"
    );
    assert_eq!(pages.load(Ordering::SeqCst), 3);
}

/// A server that answers GetOperation with gRPC response headers and then never sends the
/// message: the call must still end at its deadline.
#[tokio::test]
async fn a_body_that_never_comes_ends_at_the_deadline() {
    use axum::body::Body;
    let router = axum::Router::new().route(
        "/google.longrunning.Operations/GetOperation",
        axum::routing::post(|| async {
            let stalled = futures_util::stream::pending::<
                Result<axum::body::Bytes, std::convert::Infallible>,
            >();
            http::Response::builder()
                .status(200)
                .header("content-type", "application/grpc")
                .body(Body::from_stream(stalled))
                .unwrap_or_default()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_routes(tonic::service::Routes::from(router))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_lazy();
    let client = ccai_lro::Client::builder()
        .timeout(std::time::Duration::from_millis(300))
        .retry(ccai_lro::RetryPolicy::never())
        .build_with_channel(channel)
        .unwrap();
    let started = std::time::Instant::now();
    let err = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        client.get_operation(&format!("{PARENT}/operations/1")),
    )
    .await
    .expect("the call ends by itself (hang guard)")
    .unwrap_err();
    assert_eq!(err.code(), ccai_lro::Code::DeadlineExceeded, "{err:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
