//! The REST surface over real HTTP/1.1 on loopback: every published binding routes to its RPC,
//! Google's error bodies, enum encodings, empty bodies, and gRPC on the same port.

use std::io::{Read, Write};
use std::net::TcpStream;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::IssueModel;
use ccai_lro_mock::{MockServer, Script};
use serde_json::Value;

/// One HTTP/1.1 request on a fresh connection: (status, JSON body).
fn http(addr: std::net::SocketAddr, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let mut conn = TcpStream::connect(addr).expect("connect");
    let body = body.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes())
        .and_then(|()| conn.write_all(body.as_bytes()))
        .expect("send");
    let mut raw = String::new();
    conn.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let json = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    (status, json)
}

async fn emulator() -> (MockServer, std::net::SocketAddr) {
    let server = MockServer::builder()
        .start_tcp("127.0.0.1:0")
        .await
        .expect("mock on loopback");
    let addr = server.local_addr().expect("address");
    (server, addr)
}

const PARENT: &str = "projects/p/locations/us-central1";

/// Runs blocking HTTP calls off the runtime's threads.
async fn call(
    addr: std::net::SocketAddr,
    method: &'static str,
    path: String,
    body: Option<&'static str>,
) -> (u16, Value) {
    tokio::task::spawn_blocking(move || http(addr, method, &path, body))
        .await
        .expect("call")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_insights_binding_starts_its_operation() {
    let (server, addr) = emulator().await;
    // Each published binding with an example path and body; the operation's metadata names the
    // RPC's request type, so the route reached the right method.
    let model = format!("{PARENT}/issueModels/m");
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "POST",
            format!("/v1/{PARENT}/conversations:upload"),
            "{}",
            "UploadConversationMetadata",
        ),
        (
            "POST",
            format!("/v1/{PARENT}/conversations/c/analyses"),
            "{}",
            "CreateAnalysisOperationMetadata",
        ),
        (
            "POST",
            format!("/v1/{PARENT}/conversations:bulkAnalyze"),
            "{}",
            "BulkAnalyzeConversationsMetadata",
        ),
        (
            "POST",
            format!("/v1/{PARENT}/conversations:bulkDelete"),
            "{}",
            "BulkDeleteConversationsMetadata",
        ),
        (
            "POST",
            format!("/v1/{PARENT}/conversations:ingest"),
            "{}",
            "IngestConversationsMetadata",
        ),
        (
            "POST",
            format!("/v1/{PARENT}/insightsdata:export"),
            "{}",
            "ExportInsightsDataMetadata",
        ),
        (
            "POST",
            format!("/v1/{PARENT}/issueModels"),
            r#"{"displayName":"x"}"#,
            "CreateIssueModelMetadata",
        ),
        (
            "DELETE",
            format!("/v1/{model}"),
            "",
            "DeleteIssueModelMetadata",
        ),
        (
            "POST",
            format!("/v1/{model}:deploy"),
            "{}",
            "DeployIssueModelMetadata",
        ),
        (
            "POST",
            format!("/v1/{model}:undeploy"),
            "{}",
            "UndeployIssueModelMetadata",
        ),
        (
            "POST",
            format!("/v1/{model}:export"),
            "{}",
            "ExportIssueModelMetadata",
        ),
        (
            "POST",
            format!("/v1/{PARENT}/issueModels:import"),
            "{}",
            "ImportIssueModelMetadata",
        ),
        (
            "POST",
            format!("/v1/{PARENT}/encryptionSpec:initialize"),
            "{}",
            "InitializeEncryptionSpecMetadata",
        ),
        (
            "POST",
            format!("/v1/{PARENT}:queryMetrics"),
            "{}",
            "QueryMetricsMetadata",
        ),
        (
            "POST",
            format!("/v1/{PARENT}/authorizedViewSet/s/authorizedView/v:queryMetrics"),
            "{}",
            "QueryMetricsMetadata",
        ),
        (
            "POST",
            format!("/v1/{PARENT}/qaScorecards/q/revisions/r:tuneQaScorecardRevision"),
            "{}",
            "TuneQaScorecardRevisionMetadata",
        ),
        (
            "POST",
            format!("/v1/{PARENT}:bulkUploadFeedbackLabels"),
            "{}",
            "BulkUploadFeedbackLabelsMetadata",
        ),
        (
            "POST",
            format!("/v1/{PARENT}:bulkDownloadFeedbackLabels"),
            "{}",
            "BulkDownloadFeedbackLabelsMetadata",
        ),
    ];
    for (method, path, body, meta) in cases {
        let body = if body.is_empty() { None } else { Some(body) };
        let (status, op) = call(addr, method, path.clone(), body).await;
        assert_eq!(status, 200, "{method} {path}: {op}");
        let url = op["metadata"]["@type"].as_str().unwrap_or_default();
        assert!(url.ends_with(&format!(".{meta}")), "{method} {path}: {op}");
        assert!(op["name"]
            .as_str()
            .is_some_and(|n| n.starts_with(&format!("{PARENT}/operations/"))));
    }
    // 18 paths, 17 RPCs (QueryMetrics has two bindings): each made one operation.
    assert_eq!(server.len(), 18);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_get_list_cancel_and_errors() {
    let (server, addr) = emulator().await;
    let name = format!("{PARENT}/operations/7");
    server.insert(
        &name,
        Script::new().metadata(&IssueModel::default()).never_done(),
    );

    let (status, op) = call(addr, "GET", format!("/v1/{name}"), None).await;
    assert_eq!((status, op["name"].as_str()), (200, Some(name.as_str())));
    // Form-encoded spaces, as Python's REST transport sends a filter.
    let (status, page) = call(
        addr,
        "GET",
        format!("/v1/{PARENT}/operations?filter=done+%3D+false"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["operations"][0]["name"], name.as_str());
    // Every parameter Google's Rust SDK sends, empty and zero meaning the defaults.
    let (status, page) = call(
        addr,
        "GET",
        format!("/v1/{PARENT}/operations?filter=&pageSize=0&pageToken=&returnPartialSuccess=false"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["operations"][0]["name"], name.as_str());
    // A `{}` body on a binding without one; `{}` back.
    let (status, empty) = call(addr, "POST", format!("/v1/{name}:cancel"), Some("{}")).await;
    assert_eq!((status, empty), (200, serde_json::json!({})));
    let (_, op) = call(addr, "GET", format!("/v1/{name}"), None).await;
    assert_eq!(op["error"]["code"], 1);

    let (status, err) = call(
        addr,
        "GET",
        format!("/v1/{PARENT}/operations/missing"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(err["error"]["status"], "NOT_FOUND");
    assert_eq!(err["error"]["code"], 404);
    let (status, err) = call(addr, "GET", "/v1/nowhere".into(), None).await;
    assert_eq!(
        (status, err["error"]["status"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    let (status, err) = call(
        addr,
        "POST",
        format!("/v1/{PARENT}/issueModels"),
        Some(r#"{"bogus": 1}"#),
    )
    .await;
    assert_eq!(
        (status, err["error"]["status"].as_str()),
        (400, Some("INVALID_ARGUMENT")),
        "{err}"
    );
    let (status, err) = call(
        addr,
        "GET",
        format!("/v1/{PARENT}/operations?pageSize=-1"),
        None,
    )
    .await;
    assert_eq!(
        (status, err["error"]["status"].as_str()),
        (400, Some("INVALID_ARGUMENT")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enums_as_names_or_numbers_both_ways() {
    let (_server, addr) = emulator().await;
    // Numbers and proto field names in, as official clients send them.
    let body = r#"{"display_name":"t","input_data_config":{"medium":2}}"#;
    let (status, op) = call(
        addr,
        "POST",
        format!("/v1/{PARENT}/issueModels"),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{op}");
    let request = &op["metadata"]["request"]["issueModel"];
    assert_eq!(request["inputDataConfig"]["medium"], "CHAT");
    assert_eq!(request["displayName"], "t");
    let name = op["name"].as_str().unwrap_or_default().to_owned();
    // `$alt=json;enum-encoding=int`, percent-encoded or not: numbers out.
    for query in [
        "%24alt=json%3Benum-encoding%3Dint",
        "$alt=json;enum-encoding=int",
    ] {
        let (_, op) = call(addr, "GET", format!("/v1/{name}?{query}"), None).await;
        assert_eq!(
            op["metadata"]["request"]["issueModel"]["inputDataConfig"]["medium"], 2,
            "{query}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_reach_rest_too() {
    let server = MockServer::builder()
        .fail_rate(
            ccai_lro_mock::method::GET_OPERATION,
            1.0,
            [ccai_lro_mock::Fault::Unavailable],
        )
        .start_tcp("127.0.0.1:0")
        .await
        .expect("mock");
    let addr = server.local_addr().expect("address");
    let name = format!("{PARENT}/operations/1");
    server.insert(&name, Script::new().respond(&IssueModel::default()));
    let (status, err) = call(addr, "GET", format!("/v1/{name}"), None).await;
    assert_eq!(
        (status, err["error"]["status"].as_str()),
        (503, Some("UNAVAILABLE")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_forgets_and_the_cap_refuses() {
    let server = MockServer::builder()
        .max_operations(2)
        .start_tcp("127.0.0.1:0")
        .await
        .expect("mock");
    let addr = server.local_addr().expect("address");
    let create = || {
        call(
            addr,
            "POST",
            format!("/v1/{PARENT}/issueModels"),
            Some("{}"),
        )
    };
    assert_eq!(create().await.0, 200);
    assert_eq!(create().await.0, 200);
    let (status, err) = create().await;
    assert_eq!(
        (status, err["error"]["status"].as_str()),
        (429, Some("RESOURCE_EXHAUSTED")),
        "{err}"
    );
    assert!(err["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("--max-operations")));
    assert_eq!(call(addr, "POST", "/reset".into(), None).await.0, 200);
    assert_eq!(server.len(), 0);
    assert_eq!(create().await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_and_rest_clients_at_once() {
    use ccai_lro::insights::InsightsClient;
    let (server, addr) = emulator().await;
    let grpc = ccai_lro::Client::builder()
        .endpoint(format!("http://{addr}"))
        .build()
        .expect("client");
    let mut tasks = Vec::new();
    for i in 0..20 {
        let insights = InsightsClient::new(grpc.clone());
        tasks.push(tokio::spawn(async move {
            let op = insights
                .create_issue_model(ccai_lro::proto::google::cloud::contactcenterinsights::v1::CreateIssueModelRequest {
                    parent: PARENT.into(),
                    issue_model: None,
                })
                .await
                .unwrap_or_else(|e| panic!("gRPC create {i}: {e}"));
            op.client().get_operation(op.name()).await.map(|_| ()).unwrap_or_else(|e| panic!("gRPC get {i}: {e}"));
        }));
        tasks.push(tokio::spawn(async move {
            let (status, op) = call(
                addr,
                "POST",
                format!("/v1/{PARENT}/issueModels"),
                Some("{}"),
            )
            .await;
            assert_eq!(status, 200, "REST create {i}: {op}");
            let name = op["name"].as_str().unwrap_or_default().to_owned();
            let (status, got) = call(addr, "GET", format!("/v1/{name}"), None).await;
            assert_eq!(
                (status, got["name"].as_str()),
                (200, Some(name.as_str())),
                "REST get {i}"
            );
        }));
    }
    for t in tasks {
        t.await.expect("client task");
    }
    assert_eq!(server.len(), 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_names_are_refused_and_never_echoed_whole() {
    let (server, addr) = emulator().await;
    let huge = "x".repeat(2 * 1024);
    // A 2 KiB parent (well-formed but for its length) and a 2 KiB operation id.
    for path in [
        format!("/v1/projects/{huge}/locations/l/operations"),
        format!("/v1/{PARENT}/operations/{huge}"),
    ] {
        let (status, err) = call(addr, "GET", path, None).await;
        assert_eq!(status, 400, "{err}");
        assert_eq!(err["error"]["status"], "INVALID_ARGUMENT");
        let message = err["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.len() < 1024,
            "the message quotes a bounded prefix: {} bytes",
            message.len()
        );
    }
    // What the records keep of it is bounded too.
    assert!(server
        .requests()
        .iter()
        .all(|r| r.resource.len() <= ccai_lro_mock::limits::MAX_NAME_LEN));
    let (status, err) = call(
        addr,
        "GET",
        format!("/v1/{PARENT}/operations?filter={huge}"),
        None,
    )
    .await;
    assert_eq!(
        (status, err["error"]["status"].as_str()),
        (400, Some("INVALID_ARGUMENT"))
    );
    // 64 KiB never reaches the service: the HTTP layer refuses it.
    let path = format!("/v1/{PARENT}/operations/{}", "x".repeat(64 * 1024));
    let status = tokio::task::spawn_blocking(move || {
        let mut conn = TcpStream::connect(addr).expect("connect");
        let _ = write!(
            conn,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        );
        let mut raw = String::new();
        let _ = conn.read_to_string(&mut raw);
        raw.split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
    })
    .await
    .expect("call");
    assert!(status.is_none_or(|s| s >= 400), "{status:?}");
}

/// The resource methods over REST, as Google's clients write them: masks in either spelling,
/// `""` for an empty message (Node.js), filters in the query, the enum encoding asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_over_rest_as_clients_write_them() {
    let (_server, addr) = emulator().await;
    let base = format!("/v1/{PARENT}");
    let (status, made) = call(
        addr,
        "POST",
        format!("{base}/conversations?conversationId=c1"),
        Some(r#"{"agentId": "a1", "medium": "PHONE_CALL"}"#),
    )
    .await;
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["name"], format!("{PARENT}/conversations/c1"));
    let (status, conflict) = call(
        addr,
        "POST",
        format!("{base}/conversations?conversationId=c1"),
        Some("{}"),
    )
    .await;
    assert_eq!(
        (status, &conflict["error"]["status"]),
        (409, &Value::from("ALREADY_EXISTS"))
    );
    for mask in ["agent_id", "agentId"] {
        let (status, updated) = call(
            addr,
            "PATCH",
            format!("{base}/conversations/c1?updateMask={mask}"),
            Some(r#"{"agentId": "a2"}"#),
        )
        .await;
        assert_eq!(
            (status, &updated["agentId"]),
            (200, &Value::from("a2")),
            "{mask}: {updated}"
        );
    }
    let (status, analysis) = call(
        addr,
        "POST",
        format!("{base}/conversations/c1/analyses"),
        Some("\"\""),
    )
    .await;
    assert_eq!(status, 200, "an empty message as \"\": {analysis}");
    let (status, listed) = call(
        addr,
        "GET",
        format!("{base}/conversations?filter=agent_id%20%3D%20%22a2%22&%24alt=json%3Benum-encoding%3Dint"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(
        listed["conversations"][0]["medium"], 1,
        "enums as numbers: {listed}"
    );
    let (status, bad) = call(
        addr,
        "GET",
        format!("{base}/conversations?filter=agentid%3D1"),
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("agentid"),
        "{bad}"
    );
    let (status, gone) = call(addr, "DELETE", format!("{base}/views/none"), None).await;
    assert_eq!(
        (status, &gone["error"]["status"]),
        (404, &Value::from("NOT_FOUND"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_endpoints_need_the_token_when_one_is_required() {
    let server = MockServer::builder()
        .require_bearer("secret")
        .start_tcp("127.0.0.1:0")
        .await
        .expect("mock on loopback");
    let addr = server.local_addr().expect("address");
    for (method, path) in [("GET", "/state"), ("POST", "/reset"), ("POST", "/shutdown")] {
        let (status, body) = call(addr, method, path.into(), None).await;
        assert_eq!(status, 401, "{method} {path}: {body}");
    }
}

/// Google's Python samples update settings over REST with `field_mask(None, settings)`: the
/// mask names the immutable `name`, unchanged, which AIP-203 says the service ignores.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn masks_naming_an_unchanged_name_pass_over_rest_and_a_change_is_refused() {
    let (_server, addr) = emulator().await;
    let settings = format!("/v1/{PARENT}/settings");
    let (status, updated) = call(
        addr,
        "PATCH",
        format!("{settings}?updateMask=name,conversationTtl.seconds"),
        Some(
            r#"{"name": "projects/p/locations/us-central1/settings", "conversationTtl": "86400s"}"#,
        ),
    )
    .await;
    assert_eq!(
        (status, &updated["conversationTtl"]),
        (200, &Value::from("86400s")),
        "{updated}"
    );
    let base = format!("/v1/{PARENT}/conversations");
    let (status, _) = call(
        addr,
        "POST",
        format!("{base}?conversationId=c1"),
        Some(r#"{"medium": "CHAT"}"#),
    )
    .await;
    assert_eq!(status, 200);
    let (status, refused) = call(
        addr,
        "PATCH",
        format!("{base}/c1?updateMask=name,medium"),
        Some(r#"{"name": "projects/p/locations/us-central1/conversations/c1", "medium": "PHONE_CALL"}"#),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("conversation.medium"), "{message}");
}
