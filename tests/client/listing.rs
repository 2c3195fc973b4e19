//! ListOperations through the client: every page followed, routing header included.

use ccai_lro::{proto::google::cloud::contactcenterinsights::v1::IssueModel, ListOptions};
use ccai_lro_mock::Script;
use futures_util::TryStreamExt;

use crate::{op_name, setup, PARENT};

#[tokio::test(start_paused = true)]
async fn list_follows_every_page() {
    let (server, client) = setup().await;
    for i in 0..25 {
        server.insert(
            &op_name(&format!("op-{i:02}")),
            Script::new().respond(&IssueModel::default()),
        );
    }
    server.insert(
        "projects/other/locations/us-central1/operations/x",
        Script::new().never_done(),
    );
    let ops: Vec<_> = client
        .list_operations(PARENT, ListOptions::new().page_size(10))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ops.len(), 25);
    assert!(ops.iter().all(|o| o.name.starts_with(PARENT)));
    let lists = server
        .requests()
        .iter()
        .filter(|r| r.method == "ListOperations")
        .count();
    assert_eq!(lists, 3);
    let routing = server.requests()[0]
        .header("x-goog-request-params")
        .map(str::to_owned);
    assert_eq!(
        routing.as_deref(),
        Some("name=projects%2Fp%2Flocations%2Fus-central1")
    );
}
