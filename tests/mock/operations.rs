//! google.longrunning.Operations as Insights serves it: NOT_FOUND, INVALID_ARGUMENT, cancel,
//! listing and pages, and the DeleteOperation/WaitOperation switch.

use std::time::Duration;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1 as insights;
use ccai_lro::proto::google::longrunning::{
    CancelOperationRequest, DeleteOperationRequest, WaitOperationRequest,
};
use ccai_lro_mock::{MockServer, Script};
use tonic::Code;

use crate::{error_of, get, list, name, ops, response_of, two_step, LOC};

#[tokio::test]
async fn unknown_operation_is_not_found() {
    let server = MockServer::start().await;
    let err = get(&mut ops(&server), &name("missing")).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn malformed_names_are_invalid_argument() {
    let server = MockServer::start().await;
    let mut c = ops(&server);
    for bad in [
        "",
        "operations/1",
        "projects/p/locations/l/operations/",
        "projects/p/operations/1",
    ] {
        assert_eq!(
            get(&mut c, bad).await.unwrap_err().code(),
            Code::InvalidArgument,
            "{bad:?}"
        );
        let cancel = c
            .cancel_operation(CancelOperationRequest { name: bad.into() })
            .await;
        assert_eq!(cancel.unwrap_err().code(), Code::InvalidArgument, "{bad:?}");
    }
    let err = c
        .list_operations(list("projects/p", "", 0, ""))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err
        .message()
        .contains("projects/{project}/locations/{location}"));
}

#[tokio::test]
async fn cancel_ends_running_operations_once_and_leaves_finished_ones() {
    let server = MockServer::start().await;
    let mut c = ops(&server);
    let running = name("running");
    let finished = name("finished");
    server.insert(
        &running,
        Script::running(&insights::IngestConversationsMetadata::default()),
    );
    server.insert(
        &finished,
        Script::done(&insights::IngestConversationsResponse::default()),
    );

    for _ in 0..2 {
        // Idempotent: cancelling twice succeeds and changes nothing more.
        c.cancel_operation(CancelOperationRequest {
            name: running.clone(),
        })
        .await
        .unwrap();
        let op = get(&mut c, &running).await.unwrap();
        assert!(op.done);
        assert_eq!(error_of(&op).map(|e| e.code), Some(1));
        assert!(op.metadata.is_some(), "metadata survives cancellation");
    }

    c.cancel_operation(CancelOperationRequest {
        name: finished.clone(),
    })
    .await
    .unwrap();
    let op = get(&mut c, &finished).await.unwrap();
    assert!(
        response_of(&op).is_some(),
        "a finished operation keeps its result"
    );

    let err = c
        .cancel_operation(CancelOperationRequest {
            name: name("missing"),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn list_filters_pages_and_rejects_tampered_tokens() {
    let server = MockServer::start().await;
    for i in 0..7 {
        let script = if i % 2 == 0 {
            Script::done(&insights::DeployIssueModelResponse::default())
        } else {
            Script::running(&insights::DeployIssueModelMetadata::default())
        };
        server.insert(&name(&format!("op{i}")), script);
    }
    server.insert("projects/p/locations/elsewhere/operations/x", Script::new());
    let mut c = ops(&server);

    // Paging in creation order, three at a time, over this parent only.
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = c
            .list_operations(list(LOC, "", 3, &token))
            .await
            .unwrap()
            .into_inner();
        pages += 1;
        seen.extend(page.operations.into_iter().map(|o| o.name));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen,
        (0..7).map(|i| name(&format!("op{i}"))).collect::<Vec<_>>()
    );

    let done = c
        .list_operations(list(LOC, "done=true", 0, ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.operations.len(), 4);
    assert!(done.operations.iter().all(|o| o.done));
    assert!(done.next_page_token.is_empty());
    let running = c
        .list_operations(list(LOC, "done = false", 0, ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(running.operations.len(), 3);

    for bad_filter in ["metadata.state=RUNNING", "done=maybe"] {
        let err = c
            .list_operations(list(LOC, bad_filter, 0, ""))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{bad_filter}");
    }
    let err = c.list_operations(list(LOC, "", -1, "")).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);

    let first = c
        .list_operations(list(LOC, "", 2, ""))
        .await
        .unwrap()
        .into_inner();
    let token = first.next_page_token;
    let mut tampered = token.clone().into_bytes();
    tampered[3] = if tampered[3] == b'f' { b'e' } else { b'f' };
    let tampered = String::from_utf8(tampered).unwrap();
    for (filter, t) in [
        ("", tampered.as_str()),
        ("", "garbage"),
        ("done=true", token.as_str()),
    ] {
        let err = c
            .list_operations(list(LOC, filter, 2, t))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{filter:?} {t:?}");
    }
    // An unknown location is an empty list, not an error.
    let empty = c
        .list_operations(list("projects/p/locations/nowhere", "", 0, ""))
        .await
        .unwrap()
        .into_inner();
    assert!(empty.operations.is_empty() && empty.next_page_token.is_empty());
}

#[tokio::test]
async fn delete_and_wait_are_unimplemented_like_insights() {
    let server = MockServer::start().await;
    server.insert(&name("x"), Script::new());
    let mut c = ops(&server);
    let err = c
        .delete_operation(DeleteOperationRequest { name: name("x") })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unimplemented);
    let err = c
        .wait_operation(WaitOperationRequest {
            name: name("x"),
            timeout: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unimplemented);
    assert!(server.operation(&name("x")).is_some());
}

#[tokio::test(start_paused = true)]
async fn delete_and_wait_switch_gives_real_semantics() {
    let server = MockServer::builder().delete_and_wait(true).start().await;
    let mut c = ops(&server);
    let timed = name("timed");
    server.insert(&timed, two_step().every(Duration::from_secs(5)));

    // A timeout shorter than the script returns the operation still running...
    let start = tokio::time::Instant::now();
    let op = c
        .wait_operation(WaitOperationRequest {
            name: timed.clone(),
            timeout: Some(prost_types::Duration {
                seconds: 3,
                nanos: 0,
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!op.done);
    assert_eq!(start.elapsed().as_secs(), 3);
    // ...a longer one returns as soon as it is done (10 s after creation).
    let op = c
        .wait_operation(WaitOperationRequest {
            name: timed.clone(),
            timeout: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(op.done);
    assert_eq!(start.elapsed().as_secs(), 10);

    // Wait sees a cancellation from another client.
    let never = name("never");
    server.insert(
        &never,
        Script::running(&insights::DeployIssueModelMetadata::default()),
    );
    let mut other = ops(&server);
    let waiter = tokio::spawn(async move {
        c.wait_operation(WaitOperationRequest {
            name: never,
            timeout: None,
        })
        .await
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    other
        .cancel_operation(CancelOperationRequest {
            name: name("never"),
        })
        .await
        .unwrap();
    let op = waiter.await.unwrap().unwrap().into_inner();
    assert_eq!(error_of(&op).map(|e| e.code), Some(1));

    other
        .delete_operation(DeleteOperationRequest {
            name: timed.clone(),
        })
        .await
        .unwrap();
    assert_eq!(
        get(&mut other, &timed).await.unwrap_err().code(),
        Code::NotFound
    );
    let err = other
        .delete_operation(DeleteOperationRequest { name: timed })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}
