//! An operation of another Google API, with that API's own message types.
//!
//! ```sh
//! cargo run --example other_api
//! ```
//!
//! `Operation<R, M>` takes any message that knows its type URL (`prost::Message + prost::Name`):
//! here two messages written by hand in the shape of a Dialogflow export, as your own generated
//! code would define them. The mock plays the other API's server.

use ccai_lro::{Error, Operation};
use ccai_lro_mock::{MockServer, Script};

/// The response, as another API's generated code would define it.
#[derive(Clone, PartialEq, prost::Message)]
struct ExportAgentResponse {
    #[prost(string, tag = "1")]
    agent_uri: String,
}

impl prost::Name for ExportAgentResponse {
    const NAME: &'static str = "ExportAgentResponse";
    const PACKAGE: &'static str = "google.cloud.dialogflow.cx.v3";
    // Generated code names the domain; prost's default would be "/package.Name".
    fn type_url() -> String {
        format!("type.googleapis.com/{}", Self::full_name())
    }
}

/// The metadata.
#[derive(Clone, PartialEq, prost::Message)]
struct ExportAgentMetadata {
    #[prost(int32, tag = "1")]
    percent_done: i32,
}

impl prost::Name for ExportAgentMetadata {
    const NAME: &'static str = "ExportAgentMetadata";
    const PACKAGE: &'static str = "google.cloud.dialogflow.cx.v3";
    // Generated code names the domain; prost's default would be "/package.Name".
    fn type_url() -> String {
        format!("type.googleapis.com/{}", Self::full_name())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let server = MockServer::start().await;
    let name = "projects/p/locations/global/operations/export-1";
    server.insert(
        name,
        Script::new()
            .metadata(&ExportAgentMetadata { percent_done: 50 })
            .respond(&ExportAgentResponse {
                agent_uri: "gs://bucket/agent.blob".into(),
            }),
    );

    let op: Operation<ExportAgentResponse, ExportAgentMetadata> =
        Operation::from_name(server.client(), name)?;
    let exported = op.wait().await?;
    println!("exported to {}", exported.agent_uri);
    Ok(())
}
