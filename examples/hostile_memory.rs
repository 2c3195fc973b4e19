//! Peak memory under an attack, one attack per run (the peak is per process):
//!
//! ```sh
//! cargo build --release --example hostile_memory
//! for a in nested listing starts; do target/release/examples/hostile_memory $a; done
//! ```
//!
//! - `nested`: a server sends an operation whose metadata is an `Any` nested 12,000 deep (the
//!   depth that used to abort the CLI); the client resumes it and renders it as JSON.
//! - `listing`: a location with 300,000 operations, listed to the end through the page stream
//!   without collecting (what `ccai-lro list` does).
//! - `starts`: 100,000 CreateIssueModel calls against a server capped at its default
//!   `DEFAULT_MAX_OPERATIONS` (50,000), the rest refused with RESOURCE_EXHAUSTED.
//!
//! Client and in-process mock share the process, so each figure is both sides together.

#[path = "support/rss.rs"]
mod rss;
use rss::peak_rss_mib;

use ccai_lro::insights::InsightsClient;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    CreateIssueModelRequest, IssueModel,
};
use ccai_lro::{json, ListOptions, UntypedOperation};
use ccai_lro_mock::{MockServer, Script};
use futures_util::TryStreamExt;
use prost::Message;
use prost_types::Any;

const LOCATION: &str = "projects/p/locations/l";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let attack = std::env::args().nth(1).unwrap_or_default();
    let baseline = peak_rss_mib();
    let what = match attack.as_str() {
        "nested" => nested().await,
        "listing" => listing().await,
        "starts" => starts().await,
        other => {
            eprintln!("unknown attack {other:?}: nested, listing or starts");
            std::process::exit(2);
        }
    };
    println!(
        "attack {attack}: {what}; peak rss {:.1} MiB (at start {baseline:.1} MiB)",
        peak_rss_mib()
    );
}

async fn nested() -> String {
    let server = MockServer::builder().record_limit(0).start().await;
    let mut any = Any::from_msg(&IssueModel::default()).expect("encodes");
    for _ in 0..12_000 {
        any = Any {
            type_url: "type.googleapis.com/google.protobuf.Any".into(),
            value: any.encode_to_vec(),
        };
    }
    let bytes = any.value.len();
    let name = format!("{LOCATION}/operations/nested");
    server.insert(&name, Script::new().metadata_any(any).never_done());
    let op = UntypedOperation::resume(&server.client(), &name)
        .await
        .expect("resumed");
    let rendered = json::operation_to_json(op.raw()).to_string();
    format!(
        "{bytes} bytes of metadata rendered as {} bytes of JSON",
        rendered.len()
    )
}

async fn listing() -> String {
    let server = MockServer::builder().record_limit(0).start().await;
    for i in 0..300_000 {
        server.insert(
            &format!("{LOCATION}/operations/{i}"),
            Script::new().respond(&IssueModel::default()),
        );
    }
    let client = server.client();
    let ops = client.list_operations(LOCATION, ListOptions::new().page_size(1000));
    let count = ops
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await
        .expect("listed");
    format!("{count} operations listed")
}

async fn starts() -> String {
    let server = MockServer::builder().record_limit(0).start().await;
    let insights = InsightsClient::new(server.client());
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..100_000 {
        let request = CreateIssueModelRequest {
            parent: LOCATION.into(),
            issue_model: Some(IssueModel::default()),
        };
        match insights.create_issue_model(request).await {
            Ok(_) => ok += 1,
            Err(_) => refused += 1,
        }
    }
    format!("{ok} started, {refused} refused")
}
