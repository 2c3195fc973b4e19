//! Google's Rust SDK (REST only) against `ccai-lro emulator`: create an issue model and wait
//! for it with the SDK's poller, get the operation, list, cancel, and expect NOT_FOUND. Over
//! TLS: `-- https://localhost:PORT` with `SSL_CERT_FILE` naming the emulator's CA.
use google_cloud_contactcenterinsights_v1::client::ContactCenterInsights;
use google_cloud_contactcenterinsights_v1::model::IssueModel;
use google_cloud_lro::Poller;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // HOST:PORT (plaintext), or a whole endpoint such as https://localhost:PORT (TLS: trust
    // the emulator's CA through SSL_CERT_FILE).
    let addr = std::env::args().nth(1).expect("host:port or https://host:port");
    let endpoint = if addr.contains("://") {
        addr.clone()
    } else {
        format!("http://{addr}")
    };
    let parent = "projects/interop/locations/us-central1";
    let client = ContactCenterInsights::builder()
        .with_endpoint(endpoint)
        .with_credentials(google_cloud_auth::credentials::anonymous::Builder::new().build())
        .build()
        .await?;
    let model = client
        .create_issue_model()
        .set_parent(parent)
        .set_issue_model(IssueModel::new().set_display_name("rust sdk topics"))
        .poller()
        .until_done()
        .await?;
    assert_eq!(model.display_name, "rust sdk topics");
    println!("rust: created {}", model.name);
    let listed = client.list_operations().set_name(parent).send().await?;
    let first = listed.operations.first().expect("an operation").name.clone();
    let got = client.get_operation().set_name(&first).send().await?;
    assert!(got.done, "{got:?}");
    let running = client.deploy_issue_model().set_name(&model.name).send().await?;
    client.cancel_operation().set_name(&running.name).send().await?;
    let cancelled = client.get_operation().set_name(&running.name).send().await?;
    assert!(cancelled.done, "{cancelled:?}");
    let missing = client
        .get_operation()
        .set_name(format!("{parent}/operations/does-not-exist"))
        .send()
        .await;
    let err = missing.expect_err("NOT_FOUND");
    println!("rust: missing operation -> {err}");
    println!("rust: ok");
    Ok(())
}
