//! What the overhead benchmark and `examples/bench_overhead.rs` share: a mock server on a real
//! loopback socket holding one finished CreateIssueModel operation, our client, the bare
//! generated client, and one GetOperation through each; and a server of GetConversation, a
//! unary RPC that starts no operation, with one call through `InsightsClient` and the bare
//! generated Insights client.

use std::time::{Duration, SystemTime};

use ccai_lro::auth::Credentials;
use ccai_lro::insights::{CreateIssueModelOperation, InsightsClient};
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    contact_center_insights_client::ContactCenterInsightsClient,
    contact_center_insights_server::{ContactCenterInsights, ContactCenterInsightsServer},
    conversation, issue_model,
    issue_model_label_stats::IssueStats,
    Conversation, CreateIssueModelMetadata, CreateIssueModelRequest, GetConversationRequest,
    IssueModel, IssueModelLabelStats,
};
use ccai_lro::proto::google::longrunning::{
    operations_client::OperationsClient, GetOperationRequest,
};
use ccai_lro::Client;
use ccai_lro_mock::{MockServer, Script};
use tonic::metadata::MetadataMap;
use tonic::transport::Channel;

/// The operation every call fetches.
pub const NAME: &str =
    "projects/bench-project/locations/us-central1/operations/4000000000000000042";

fn timestamp(secs: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: 1_760_000_000 + secs,
        nanos: 0,
    }
}

/// An issue model as the service returns one after training: a few topics with their counts.
pub fn issue_model() -> IssueModel {
    let name = "projects/bench-project/locations/us-central1/issueModels/8431234567";
    let topics = [
        "Billing dispute",
        "Password reset",
        "Delivery delay",
        "Cancel plan",
    ];
    let issue_stats = topics
        .iter()
        .enumerate()
        .map(|(i, topic)| {
            let issue = format!("{name}/issues/{}", 1_000 + i);
            let stats = IssueStats {
                issue: issue.clone(),
                labeled_conversations_count: 120 * (i as i64 + 1),
                display_name: (*topic).into(),
            };
            (issue, stats)
        })
        .collect();
    IssueModel {
        name: name.into(),
        display_name: "Support topics Q3".into(),
        create_time: Some(timestamp(0)),
        update_time: Some(timestamp(1_800)),
        issue_count: topics.len() as i64,
        state: issue_model::State::Undeployed as i32,
        input_data_config: Some(issue_model::InputDataConfig {
            medium: 2, // CHAT
            training_conversations_count: 1_200,
            filter: "medium=\"CHAT\" AND duration_sec>60".into(),
        }),
        training_stats: Some(IssueModelLabelStats {
            analyzed_conversations_count: 1_200,
            unclassified_conversations_count: 0,
            issue_stats,
        }),
        model_type: issue_model::ModelType::TypeV2 as i32,
        language_code: "en-US".into(),
    }
}

/// The metadata the service reports for CreateIssueModel: times and the request.
pub fn metadata() -> CreateIssueModelMetadata {
    CreateIssueModelMetadata {
        create_time: Some(timestamp(0)),
        end_time: Some(timestamp(1_800)),
        request: Some(CreateIssueModelRequest {
            parent: "projects/bench-project/locations/us-central1".into(),
            issue_model: Some(IssueModel {
                display_name: "Support topics Q3".into(),
                ..Default::default()
            }),
        }),
    }
}

/// A mock on `127.0.0.1:0` (nothing recorded, fixed epoch) holding [`NAME`], already done.
pub async fn server() -> MockServer {
    let server = MockServer::builder()
        .record_limit(0)
        .epoch(SystemTime::UNIX_EPOCH + Duration::from_secs(1_760_000_000))
        .start_tcp("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    server.insert(
        NAME,
        Script::new().metadata(&metadata()).respond(&issue_model()),
    );
    server
}

fn url(server: &MockServer) -> String {
    format!("http://{}", server.local_addr().expect("a TCP server"))
}

/// Our full stack: endpoint, a (static) bearer token, Google headers, deadline, retries.
pub fn wrapper(server: &MockServer) -> Client {
    Client::builder()
        .endpoint(url(server))
        .credentials(Credentials::access_token("static-token").expect("token"))
        .build()
        .expect("client")
}

/// The generated client on a plain tonic channel: what a caller without this crate would use.
pub async fn bare(server: &MockServer) -> OperationsClient<Channel> {
    OperationsClient::connect(url(server))
        .await
        .expect("connect")
}

/// The server and both clients every measurement starts from.
pub async fn fixture() -> (MockServer, Client, OperationsClient<Channel>) {
    let server = server().await;
    let wrapper = wrapper(&server);
    let bare = bare(&server).await;
    (server, wrapper, bare)
}

/// One GetOperation through our stack (name check, Google headers, bearer token, deadline,
/// retry loop), the response decoded as a typed IssueModel.
pub async fn wrapper_call(client: &Client) -> IssueModel {
    let raw = client.get_operation(NAME).await.expect("GetOperation");
    let op = CreateIssueModelOperation::new(client.clone(), raw);
    op.result().expect("typed result").expect("done")
}

/// The same through [`CreateIssueModelOperation::resume`], which also checks the metadata's
/// type (so it decodes the metadata once and the response twice).
pub async fn resume_call(client: &Client) -> IssueModel {
    let op = CreateIssueModelOperation::resume(client, NAME)
        .await
        .expect("GetOperation");
    op.result().expect("typed result").expect("done")
}

/// The headers our client sends on a GetOperation of [`NAME`] (token, routing, API client,
/// deadline), built once: for a bare client that pays the wire cost of Google's headers but
/// none of our code.
pub fn google_headers(client: &Client) -> MetadataMap {
    let mut req = client.request((), "name", NAME);
    req.metadata_mut().insert(
        "authorization",
        "Bearer static-token".parse().expect("ascii"),
    );
    req.set_timeout(Duration::from_secs(10));
    req.into_parts().0
}

/// One GetOperation through the bare client, the IssueModel decoded by hand.
pub async fn bare_call(ops: &mut OperationsClient<Channel>) -> IssueModel {
    bare_call_with(ops, MetadataMap::new()).await
}

/// [`bare_call`] sending `headers`.
pub async fn bare_call_with(
    ops: &mut OperationsClient<Channel>,
    headers: MetadataMap,
) -> IssueModel {
    use ccai_lro::proto::google::longrunning::operation::Result as OpResult;
    let mut req = tonic::Request::new(GetOperationRequest { name: NAME.into() });
    *req.metadata_mut() = headers;
    let op = ops
        .get_operation(req)
        .await
        .expect("GetOperation")
        .into_inner();
    match op.result {
        Some(OpResult::Response(any)) => any.to_msg::<IssueModel>().expect("IssueModel"),
        other => panic!("not done: {other:?}"),
    }
}

/// Runs `iters` calls with `level` in flight (one task each) and returns the time taken.
pub async fn in_flight<C, F>(level: usize, iters: u64, client: &C, call: fn(C) -> F) -> Duration
where
    C: Clone + Send + 'static,
    F: std::future::Future<Output = ()> + Send + 'static,
{
    if iters == 0 || level == 0 {
        return Duration::ZERO;
    }
    let per_task = (iters as usize).div_ceil(level);
    let start = std::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..level {
        let client = client.clone();
        tasks.spawn(async move {
            for _ in 0..per_task {
                call(client.clone()).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task");
    }
    // Scale back to `iters` calls when rounding up added a few.
    start
        .elapsed()
        .mul_f64(iters as f64 / (per_task * level) as f64)
}

/// The conversation every GetConversation fetches.
pub const CONVERSATION: &str =
    "projects/bench-project/locations/us-central1/conversations/call-8431234567";

/// A conversation as the service returns one: agent, medium, labels, times and counts.
pub fn conversation() -> Conversation {
    Conversation {
        name: CONVERSATION.into(),
        agent_id: "agent-0042".into(),
        medium: conversation::Medium::PhoneCall as i32,
        language_code: "en-US".into(),
        turn_count: 37,
        create_time: Some(timestamp(0)),
        update_time: Some(timestamp(600)),
        start_time: Some(timestamp(-900)),
        duration: Some(prost_types::Duration {
            seconds: 840,
            nanos: 0,
        }),
        labels: [("queue", "billing"), ("region", "emea")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect(),
        ..Default::default()
    }
}

/// An Insights server on `127.0.0.1:0` that answers GetConversation (and nothing else).
struct Conversations;

#[tonic::async_trait]
impl ContactCenterInsights for Conversations {
    async fn get_conversation(
        &self,
        _: tonic::Request<GetConversationRequest>,
    ) -> Result<tonic::Response<Conversation>, tonic::Status> {
        Ok(tonic::Response::new(conversation()))
    }
}

/// A GetConversation server, our `InsightsClient` on it and the bare generated client.
pub async fn conversation_fixture() -> (
    tokio::task::JoinHandle<()>,
    InsightsClient,
    ContactCenterInsightsClient<Channel>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    // No Nagle on the accepted side either, like the mock's TCP server: small answers go out
    // at once.
    let incoming = tokio_stream::StreamExt::map(
        tokio_stream::wrappers::TcpListenerStream::new(listener),
        |conn| {
            conn.inspect(|s| {
                let _ = s.set_nodelay(true);
            })
        },
    );
    let server = tokio::spawn(async move {
        let _ = tonic::transport::Server::builder()
            .add_service(ContactCenterInsightsServer::new(Conversations))
            .serve_with_incoming(incoming)
            .await;
    });
    let client = Client::builder()
        .endpoint(url.clone())
        .credentials(Credentials::access_token("static-token").expect("token"))
        .build()
        .expect("client");
    let bare = ContactCenterInsightsClient::connect(url)
        .await
        .expect("connect");
    (server, InsightsClient::new(client), bare)
}

/// One GetConversation through `InsightsClient` (name check, routing, API client, token,
/// deadline, retry loop, span).
pub async fn insights_call(insights: &InsightsClient) -> Conversation {
    insights
        .get_conversation(GetConversationRequest {
            name: CONVERSATION.into(),
            view: 0,
        })
        .await
        .expect("GetConversation")
}

/// The headers our client sends on GetConversation, built once.
pub fn conversation_headers(insights: &InsightsClient) -> MetadataMap {
    let mut req = insights.client().request((), "name", CONVERSATION);
    req.metadata_mut().insert(
        "authorization",
        "Bearer static-token".parse().expect("ascii"),
    );
    req.set_timeout(Duration::from_secs(60));
    req.into_parts().0
}

/// One GetConversation through the bare generated client, sending `headers`.
pub async fn bare_conversation(
    bare: &mut ContactCenterInsightsClient<Channel>,
    headers: MetadataMap,
) -> Conversation {
    let mut req = tonic::Request::new(GetConversationRequest {
        name: CONVERSATION.into(),
        view: 0,
    });
    *req.metadata_mut() = headers;
    bare.get_conversation(req)
        .await
        .expect("GetConversation")
        .into_inner()
}
