//! Tools find their way in: gRPC server reflection (v1 and v1alpha) lists and describes the
//! services with no proto files, and `grpc.health.v1` says they are serving.

use ccai_lro_mock::MockServer;
use tonic_health::pb::{
    health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest,
};

const SERVICES: [&str; 2] = [
    "google.cloud.contactcenterinsights.v1.ContactCenterInsights",
    "google.longrunning.Operations",
];

const TEN_SECONDS: std::time::Duration = std::time::Duration::from_secs(10);

/// A channel to `server`, over TCP when `tcp` (where network clients' limits apply), else
/// in memory.
async fn channel(server: &MockServer, tcp: bool) -> tonic::transport::Channel {
    if !tcp {
        return server.channel();
    }
    let addr = server.local_addr().expect("address");
    tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect")
}

// Interactive, as tools use it: the second question is asked only once the first is answered,
// on the same open stream.
macro_rules! reflection_lists_and_describes {
    ($version:ident, $tcp:expr) => {{
        use tonic_reflection::pb::$version::{
            server_reflection_client::ServerReflectionClient,
            server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
            ServerReflectionRequest,
        };
        let server = MockServer::start_tcp().await.expect("mock on loopback");
        let mut client = ServerReflectionClient::new(channel(&server, $tcp).await);
        let ask = |request| ServerReflectionRequest {
            host: String::new(),
            message_request: Some(request),
        };
        let (questions, asked) = tokio::sync::mpsc::unbounded_channel();
        questions
            .send(ask(MessageRequest::ListServices(String::new())))
            .expect("first question");
        let asked = tokio_stream::wrappers::UnboundedReceiverStream::new(asked);
        let mut answers = tokio::time::timeout(TEN_SECONDS, client.server_reflection_info(asked))
            .await
            .expect("answered within 10 s")
            .expect("reflection answers")
            .into_inner();
        let Some(Ok(first)) = tokio::time::timeout(TEN_SECONDS, answers.next())
            .await
            .expect("answered within 10 s")
        else {
            panic!("no list")
        };
        let Some(MessageResponse::ListServicesResponse(list)) = first.message_response else {
            panic!("not a list: {first:?}")
        };
        let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
        for s in SERVICES {
            assert!(names.iter().any(|n| n == s), "{s} not in {names:?}");
        }
        questions
            .send(ask(MessageRequest::FileContainingSymbol(
                SERVICES[0].into(),
            )))
            .expect("second question");
        let Some(Ok(second)) = tokio::time::timeout(TEN_SECONDS, answers.next())
            .await
            .expect("answered within 10 s")
        else {
            panic!("no file")
        };
        let Some(MessageResponse::FileDescriptorResponse(files)) = second.message_response else {
            panic!("not a file: {second:?}")
        };
        assert!(!files.file_descriptor_proto.is_empty());
    }};
}

use tokio_stream::StreamExt;

#[tokio::test]
async fn reflection_v1_lists_and_describes() {
    reflection_lists_and_describes!(v1, false);
    reflection_lists_and_describes!(v1, true);
}

#[tokio::test]
async fn reflection_v1alpha_lists_and_describes() {
    reflection_lists_and_describes!(v1alpha, false);
    reflection_lists_and_describes!(v1alpha, true);
}

#[tokio::test]
async fn health_says_serving() {
    let server = MockServer::start().await;
    let mut health = HealthClient::new(server.channel());
    for service in SERVICES.into_iter().chain([""]) {
        // The reporter is set right after start; give it a turn.
        let mut status = ServingStatus::Unknown;
        for _ in 0..50 {
            let answer = health
                .check(HealthCheckRequest {
                    service: service.into(),
                })
                .await;
            if let Ok(a) = answer {
                status = a.into_inner().status();
                if status == ServingStatus::Serving {
                    break;
                }
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(status, ServingStatus::Serving, "{service:?}");
    }
}
