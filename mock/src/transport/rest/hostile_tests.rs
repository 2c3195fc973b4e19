//! Careless and hostile REST and gRPC requests, generated: whatever a client sends, the emulator
//! answers (no panic), with Google's error body when it refuses, and never blames itself
//! (INTERNAL or UNKNOWN) for what the client sent.

use std::sync::Arc;

use axum::body::Body;
use ccai_lro::proto::google::longrunning::operations_server::Operations;
use ccai_lro::proto::google::longrunning::{
    CancelOperationRequest, GetOperationRequest, ListOperationsRequest,
};
use proptest::prelude::*;
use serde_json::Value;
use tonic::Code;

use crate::shared::Shared;
use crate::transport::grpc::operations::OperationsService;
use crate::MockServer;

fn emulator() -> Arc<Shared> {
    MockServer::builder()
        .track_resources(true)
        .delete_and_wait(true)
        .shared()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime")
}

/// Segments a path or name is made of: the real words, the tricky ones, and anything.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "projects", "p", "locations", "us-central1", "operations", "issueModels",
            "conversations", "analyses", "encryptionSpec", "qaScorecards", "revisions",
            "authorizedViewSet", "authorizedView", "insightsdata", "1", "4000000000000000000",
        ])
        .prop_map(str::to_owned),
        2 => prop::sample::select(vec![
            "", ".", "..", "%2F", "%2f", "%00", "%zz", "%", "%E2%82", "ü", "a b", "*", "{name}",
            ":cancel", "a:b:c", "\u{202e}", "+",
        ])
        .prop_map(str::to_owned),
        2 => "[ -~]{0,12}",
        1 => (1usize..3000).prop_map(|n| "x".repeat(n)),
    ]
}

/// A segment as it may appear in a URI: what would make the URI invalid percent-encoded.
fn uri_segment() -> impl Strategy<Value = String> {
    segment().prop_map(|s| encoded(&s))
}

/// `text` with what would make a URI invalid percent-encoded (a stray `%` stays).
fn encoded(text: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
    const UNSAFE: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'|')
        .add(b'\\')
        .add(b'^')
        .add(b'#')
        .add(b'?');
    utf8_percent_encode(text, UNSAFE).to_string()
}

/// Mostly a well-formed id, sometimes anything.
fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec!["p", "my-project", "us-central1", "global", "m1", "c1", "1"])
            .prop_map(str::to_owned),
        1 => uri_segment(),
    ]
}

/// Request lines shaped like the published bindings, their variables filled with mostly
/// well-formed ids, sometimes anything.
fn bound_request() -> impl Strategy<Value = (&'static str, String)> {
    let bindings = vec![
        ("POST", "/conversations:upload"),
        ("POST", "/conversations/{}/analyses"),
        ("POST", "/conversations:bulkAnalyze"),
        ("POST", "/conversations:bulkDelete"),
        ("POST", "/conversations:ingest"),
        ("POST", "/insightsdata:export"),
        ("POST", "/issueModels"),
        ("DELETE", "/issueModels/{}"),
        ("POST", "/issueModels/{}:deploy"),
        ("POST", "/issueModels/{}:undeploy"),
        ("POST", "/issueModels/{}:export"),
        ("POST", "/issueModels:import"),
        ("POST", "/encryptionSpec:initialize"),
        ("POST", ":queryMetrics"),
        (
            "POST",
            "/authorizedViewSet/{}/authorizedView/{}:queryMetrics",
        ),
        (
            "POST",
            "/qaScorecards/{}/revisions/{}:tuneQaScorecardRevision",
        ),
        ("POST", ":bulkUploadFeedbackLabels"),
        ("POST", ":bulkDownloadFeedbackLabels"),
        ("GET", "/operations"),
        ("GET", "/operations/{}"),
        ("POST", "/operations/{}:cancel"),
    ];
    (id(), id(), prop::sample::select(bindings), id(), id()).prop_map(
        |(project, location, (method, tail), a, b)| {
            let tail = tail.replacen("{}", &a, 1).replacen("{}", &b, 1);
            (
                method,
                format!("/v1/projects/{project}/locations/{location}{tail}"),
            )
        },
    )
}

fn request_line() -> impl Strategy<Value = (&'static str, String)> {
    let method = prop::sample::select(vec!["GET", "POST", "DELETE", "PATCH", "HEAD"]);
    prop_oneof![3 => bound_request(), 1 => (method, any_path())]
}

fn any_path() -> impl Strategy<Value = String> {
    let verb = prop::option::of(prop_oneof![
        prop::sample::select(vec![
            "cancel",
            "deploy",
            "undeploy",
            "export",
            "import",
            "upload",
            "bulkAnalyze",
            "bulkDelete",
            "ingest",
            "initialize",
            "queryMetrics",
            "tuneQaScorecardRevision",
            "bulkUploadFeedbackLabels",
            "bulkDownloadFeedbackLabels",
            "",
        ])
        .prop_map(str::to_owned),
        "[ -~]{0,8}",
    ]);
    let prefix = prop::sample::select(vec!["/v1/", "/v1", "/", "", "/v2/", "//v1/"]);
    (prefix, prop::collection::vec(segment(), 0..9), verb).prop_map(|(prefix, segments, verb)| {
        let mut path = format!("{prefix}{}", segments.join("/"));
        if let Some(verb) = verb {
            path.push(':');
            path.push_str(&verb);
        }
        path
    })
}

fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        prop::sample::select(vec![
            "$alt",
            "alt",
            "%24alt",
            "pageSize",
            "page_size",
            "pageToken",
            "page_token",
            "filter",
            "returnPartialSuccess",
            "name",
            "",
        ])
        .prop_map(str::to_owned),
        "[ -~]{0,8}",
    ];
    let value = prop_oneof![
        prop::sample::select(vec![
            "-1",
            "0",
            "1000",
            "99999999999999999999",
            "json;enum-encoding=int",
            "json",
            "done=true",
            "done=false",
            "done=maybe",
            "true",
            "%",
            "%zz",
            "",
        ])
        .prop_map(str::to_owned),
        "[ -~]{0,16}",
    ];
    prop::collection::vec((key, value), 0..4).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{}={}", encoded(&k), encoded(&v)))
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        segment().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        let key = prop_oneof![
            prop::sample::select(vec![
                "name",
                "parent",
                "issueModel",
                "issue_model",
                "displayName",
                "conversation",
                "conversationId",
                "conversation_id",
                "analysis",
                "filter",
                "pageSize",
                "inputConfig",
                "outputConfig",
                "gcsSource",
                "@type",
                "encryptionSpec",
                "analysisPercentage",
                "state",
                "validateOnly",
            ])
            .prop_map(str::to_owned),
            "[a-zA-Z_@]{0,10}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => Just(Vec::new()),
        2 => Just(b"{}".to_vec()),
        4 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// What is never an answer to a client's input: the server blaming itself.
fn server_fault(code: Code) -> bool {
    matches!(code, Code::Internal | Code::Unknown | Code::DataLoss)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_rest_request_gets_an_answer_in_googles_shape(
        (method, path) in request_line(),
        query in query(),
        body in body(),
    ) {
        let rt = runtime();
        let shared = emulator();
        let uri = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
        // Some generated paths are not URIs at all; the HTTP layer refuses those before us.
        let Ok(request) = http::Request::builder()
            .method(method)
            .uri(&uri)
            .header("content-type", "application/json")
            .body(Body::from(body))
        else {
            return Ok(());
        };
        let (status, bytes) = rt.block_on(async {
            let response = super::handle(shared, request).await;
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await;
            (status, bytes)
        });
        let bytes = bytes.map_err(|e| TestCaseError::fail(format!("unreadable body: {e}")))?;
        let answer: Value = serde_json::from_slice(&bytes)
            .map_err(|e| TestCaseError::fail(format!("{method} {uri}: not JSON ({e})")))?;
        if status.is_success() {
            prop_assert!(answer.is_object(), "{method} {uri}: {answer}");
        } else {
            let error = &answer["error"];
            prop_assert_eq!(error["code"].as_u64(), Some(u64::from(status.as_u16())), "{} {}: {}", method, uri, answer);
            prop_assert!(error["message"].is_string(), "{method} {uri}: {answer}");
            let name = error["status"].as_str().unwrap_or_default();
            prop_assert!(
                !matches!(name, "INTERNAL" | "UNKNOWN" | "DATA_LOSS"),
                "{method} {uri}: {answer}"
            );
        }
    }

    #[test]
    fn any_operations_request_gets_a_client_error_or_an_answer(
        name in prop::collection::vec(segment(), 0..9).prop_map(|s| s.join("/")),
        filter in prop_oneof![Just(String::new()), Just("done=true".to_owned()), "[ -~]{0,40}"],
        page_size in any::<i32>(),
        page_token in prop_oneof![Just(String::new()), "[ -~]{0,40}", "[A-Za-z0-9_-]{0,40}"],
    ) {
        let rt = runtime();
        let service = OperationsService(emulator());
        let codes = rt.block_on(async {
            let get = service
                .get_operation(tonic::Request::new(GetOperationRequest { name: name.clone() }))
                .await;
            let cancel = service
                .cancel_operation(tonic::Request::new(CancelOperationRequest {
                    name: name.clone(),
                }))
                .await;
            let list = service
                .list_operations(tonic::Request::new(ListOperationsRequest {
                    name: name.clone(),
                    filter,
                    page_size,
                    page_token,
                    return_partial_success: false,
                }))
                .await;
            [
                get.err().map(|s| s.code()),
                cancel.err().map(|s| s.code()),
                list.err().map(|s| s.code()),
            ]
        });
        for code in codes.into_iter().flatten() {
            prop_assert!(!server_fault(code), "{name:?}: {code:?}");
        }
    }
}
