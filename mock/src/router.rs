//! One port for everything: gRPC services, reflection, health, and the REST surface.

use std::io;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_stream::StreamExt;
use tonic::service::Routes;
use tonic::transport::server::Router;
use tonic::transport::Server;

use super::insights::InsightsService;
use super::operations::OperationsService;
use super::shared::Shared;
use super::transport::MockIo;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::contact_center_insights_server::ContactCenterInsightsServer;
use ccai_lro::proto::google::longrunning::operations_server::OperationsServer;

/// gRPC and REST on one router: gRPC requests go by their `/package.Service/Method` paths,
/// everything else (HTTP/1.1 or HTTP/2 JSON) to the REST surface. Server reflection (v1 and
/// v1alpha, which many tools still ask for) and `grpc.health.v1` let tools find their way in
/// with no proto files.
pub(crate) fn router(shared: &Arc<Shared>) -> Router {
    let mut grpc = Routes::builder();
    grpc.add_service(OperationsServer::new(OperationsService(shared.clone())))
        .add_service(ContactCenterInsightsServer::new(InsightsService(
            shared.clone(),
        )));
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(ccai_lro::proto::FILE_DESCRIPTOR_SET)
    };
    // Our own descriptor set: it always builds; were it not to, tools lose reflection only.
    if let Ok(v1) = reflection().build_v1() {
        grpc.add_service(v1);
    }
    if let Ok(v1alpha) = reflection().build_v1alpha() {
        grpc.add_service(v1alpha);
    }
    let (health, health_service) = tonic_health::server::health_reporter();
    tokio::spawn(async move {
        health
            .set_serving::<OperationsServer<OperationsService>>()
            .await;
        health
            .set_serving::<ContactCenterInsightsServer<InsightsService>>()
            .await;
    });
    grpc.add_service(health_service);
    let grpc = grpc.routes();
    let both = grpc
        .into_axum_router()
        .fallback_service(crate::rest::service(shared.clone()));
    Server::builder()
        .accept_http1(true)
        .add_routes(Routes::from(both))
}

pub(crate) fn tcp_incoming(
    listener: TcpListener,
) -> impl tokio_stream::Stream<Item = io::Result<MockIo<tokio::net::TcpStream>>> {
    TcpListenerStream::new(listener).map(|conn| {
        conn.map(|s| {
            // Polls are tiny request/response pairs; Nagle would only add latency.
            let _ = s.set_nodelay(true);
            MockIo::new(s)
        })
    })
}
