//! What the server records of each request, and the bearer token it may require.

use ccai_lro::proto::google::longrunning::GetOperationRequest;
use ccai_lro::proto::google::rpc;
use ccai_lro_mock::{method, MockServer, Script};
use tonic::Code;

use crate::{list, name, ops, rpc_status, LOC};

#[tokio::test]
async fn requests_are_recorded_with_their_headers() {
    let server = MockServer::start().await;
    server.insert(&name("x"), Script::new());
    let mut c = ops(&server);
    let mut request = tonic::Request::new(GetOperationRequest { name: name("x") });
    let md = request.metadata_mut();
    md.insert("authorization", "Bearer abc".parse().unwrap());
    md.insert("x-goog-api-key", "key-1".parse().unwrap());
    md.insert(
        "x-goog-request-params",
        "name=projects%2Fp%2Flocations%2Fus-central1%2Foperations%2Fx"
            .parse()
            .unwrap(),
    );
    md.insert(
        "x-goog-api-client",
        "gl-rust/1.91 grpc/0.14 gccl/0.1.0".parse().unwrap(),
    );
    md.insert("x-goog-user-project", "billing-project".parse().unwrap());
    c.get_operation(request).await.unwrap();
    c.list_operations(list(LOC, "", 0, "")).await.unwrap();

    let recorded = server.requests();
    assert_eq!(recorded.len(), 2);
    let r = &recorded[0];
    assert_eq!(r.method, method::GET_OPERATION);
    assert_eq!(r.resource, name("x"));
    assert_eq!(r.header("authorization"), Some("Bearer abc"));
    assert_eq!(r.header("x-goog-api-key"), Some("key-1"));
    assert!(r
        .header("x-goog-request-params")
        .unwrap()
        .starts_with("name=projects%2F"));
    assert!(r.header("x-goog-api-client").unwrap().contains("gccl/"));
    assert_eq!(r.header("x-goog-user-project"), Some("billing-project"));
    assert!(r.header("user-agent").unwrap().contains("tonic"));
    assert_eq!(recorded[1].method, method::LIST_OPERATIONS);
    assert_eq!(recorded[1].resource, LOC);
    server.clear_requests();
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_required_bearer_token_is_checked() {
    let server = MockServer::builder().require_bearer("s3cret").start().await;
    server.insert(&name("x"), Script::new());
    let mut c = ops(&server);
    let with = |token: Option<&str>| {
        let mut r = tonic::Request::new(GetOperationRequest { name: name("x") });
        if let Some(t) = token {
            r.metadata_mut().insert("authorization", t.parse().unwrap());
        }
        r
    };
    for bad in [None, Some("Bearer wrong"), Some("Basic s3cret")] {
        let err = c.get_operation(with(bad)).await.unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated, "{bad:?}");
        let info: rpc::ErrorInfo = rpc_status(&err).details[0].to_msg().unwrap();
        assert_eq!(info.domain, "googleapis.com");
    }
    c.get_operation(with(Some("Bearer s3cret"))).await.unwrap();
}
