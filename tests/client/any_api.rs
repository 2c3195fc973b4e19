//! Operations of any API: a message type defined here, not in the crate, as response and
//! metadata; names of other APIs accepted by such handles.

use std::time::Duration;

use ccai_lro::{
    insights::CreateIssueModelOperation, Empty, Error, Operation, PollPolicy, Progress, Untyped,
    UntypedOperation,
};
use ccai_lro_mock::{MockServer, Script};
use futures_util::StreamExt;

/// A message of "another API", known only to this test.
#[derive(Clone, PartialEq, prost::Message)]
struct ExportResponse {
    #[prost(string, tag = "1")]
    uri: String,
    #[prost(int64, tag = "2")]
    rows: i64,
}

impl prost::Name for ExportResponse {
    const NAME: &'static str = "ExportResponse";
    const PACKAGE: &'static str = "example.other.v1";
    fn type_url() -> String {
        format!("type.googleapis.com/{}", Self::full_name())
    }
}

#[derive(Clone, PartialEq, prost::Message)]
struct ExportMetadata {
    #[prost(int32, tag = "1")]
    percent: i32,
}

impl prost::Name for ExportMetadata {
    const NAME: &'static str = "ExportMetadata";
    const PACKAGE: &'static str = "example.other.v1";
    fn type_url() -> String {
        format!("type.googleapis.com/{}", Self::full_name())
    }
}

type ExportOperation = Operation<ExportResponse, ExportMetadata>;

const NAME: &str = "projects/p/locations/global/operations/export-7";

fn export_script() -> Script {
    Script::new()
        .metadata(&ExportMetadata { percent: 10 })
        .metadata(&ExportMetadata { percent: 50 })
        .metadata(&ExportMetadata { percent: 90 })
        .respond(&ExportResponse {
            uri: "gs://b/out.csv".into(),
            rows: 12,
        })
}

#[tokio::test(start_paused = true)]
async fn a_message_defined_here_is_waited_on() {
    let server = MockServer::start().await;
    server.insert(NAME, export_script());
    let op = ExportOperation::from_name(server.client(), NAME).unwrap();
    let got = op.wait().await.unwrap();
    assert_eq!(got.uri, "gs://b/out.csv");
    assert_eq!(got.rows, 12);
}

/// What each `Running` item of a progress stream reported, read by `read`.
fn reported<R, M>(items: &[Result<Progress<R, M>, Error>], read: impl Fn(&M) -> i32) -> Vec<i32> {
    items
        .iter()
        .filter_map(|i| match i {
            Ok(Progress::Running(Some(m))) => Some(read(m)),
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn its_progress_is_typed_and_ends_in_done() {
    let server = MockServer::start().await;
    server.insert(NAME, export_script());
    let mut op = ExportOperation::from_name(server.client(), NAME).unwrap();
    let items: Vec<_> = op.progress().collect().await;
    let percents = reported(&items, |m| m.percent);
    // The first poll already advances the script past its first step.
    assert_eq!(percents, [50, 90]);
    assert!(
        matches!(items.last(), Some(Ok(Progress::Done(r))) if r.rows == 12),
        "{items:?}"
    );
    // The handle keeps the final state.
    assert!(op.done());
}

#[tokio::test(start_paused = true)]
async fn a_payload_of_another_type_names_both_urls() {
    let server = MockServer::start().await;
    server.insert(NAME, export_script());
    // Resume with Insights-shaped types: the name fits, the types do not.
    let err = CreateIssueModelOperation::resume(&server.client(), NAME)
        .await
        .unwrap_err();
    let Error::TypeMismatch {
        expected, actual, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(expected.ends_with("CreateIssueModelMetadata"), "{expected}");
    assert_eq!(
        actual,
        "type.googleapis.com/example.other.v1.ExportMetadata"
    );
}

#[tokio::test(start_paused = true)]
async fn other_apis_names_are_accepted_by_their_handles_only() {
    let server = MockServer::start().await;
    for name in [
        "projects/p/operations/1",
        "operations/abc",
        "projects/p/locations/l/operations/1",
    ] {
        assert!(
            ExportOperation::from_name(server.client(), name).is_ok(),
            "{name}"
        );
        assert!(
            UntypedOperation::from_name(server.client(), name).is_ok(),
            "{name}"
        );
    }
    // Insights types keep Insights' pattern.
    let err = CreateIssueModelOperation::from_name(server.client(), "projects/p/operations/1")
        .unwrap_err();
    assert!(matches!(err, Error::InvalidName { .. }), "{err:?}");
    // Every handle refuses what no service accepts.
    for bad in [
        "",
        "projects//operations/1",
        "operations/a b",
        "operations/\u{3000}",
    ] {
        let err = ExportOperation::from_name(server.client(), bad).unwrap_err();
        assert!(matches!(err, Error::InvalidName { .. }), "{bad:?}: {err:?}");
    }
    assert!(server.requests().is_empty(), "no RPC for any of these");
}

#[tokio::test(start_paused = true)]
async fn empty_and_untyped_payloads() {
    let server = MockServer::start().await;
    server.insert(NAME, Script::new().respond(&Empty {}));
    let op: Operation<Empty, Untyped> = Operation::from_name(server.client(), NAME).unwrap();
    assert_eq!(op.wait().await.unwrap(), Empty {});

    let untyped = UntypedOperation::resume(&server.client(), NAME)
        .await
        .unwrap();
    let response = untyped.result().unwrap().unwrap();
    assert_eq!(
        response.type_url,
        "type.googleapis.com/google.protobuf.Empty"
    );
}

#[tokio::test(start_paused = true)]
async fn the_stream_is_unpin_and_send() {
    fn unpin_send<T: Unpin + Send>(_: &T) {}
    let server = MockServer::start().await;
    server.insert(NAME, export_script());
    let mut op = ExportOperation::from_name(server.client(), NAME).unwrap();
    let stream = op.progress_with(PollPolicy::default().with_deadline(Duration::from_secs(60)));
    unpin_send(&stream);
    // Unpin: `next()` works on it as it is, no pinning by the caller.
    let mut stream = stream;
    let mut last = None;
    while let Some(item) = stream.next().await {
        last = Some(item);
    }
    assert!(matches!(last, Some(Ok(Progress::Done(_)))));
}

/// Another API's types as `prost-build` writes them without `type_name_domain`: the default
/// `Name::type_url`, `/google.cloud.dialogflow.v2.ExportAgentMetadata`.
mod default_name {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ExportAgentResponse {
        #[prost(string, tag = "1")]
        pub agent_uri: String,
    }
    impl prost::Name for ExportAgentResponse {
        const NAME: &'static str = "ExportAgentResponse";
        const PACKAGE: &'static str = "google.cloud.dialogflow.v2";
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ExportAgentMetadata {
        #[prost(int32, tag = "1")]
        pub percent: i32,
    }
    impl prost::Name for ExportAgentMetadata {
        const NAME: &'static str = "ExportAgentMetadata";
        const PACKAGE: &'static str = "google.cloud.dialogflow.v2";
    }
}

/// Packs as a server does, with the URL it chooses, not the one the type names.
fn sent_as<M: prost::Message + prost::Name>(domain: &str, m: &M) -> prost_types::Any {
    prost_types::Any {
        type_url: format!("{domain}/{}", M::full_name()),
        value: m.encode_to_vec(),
    }
}

fn agent_export(domain: &str) -> Script {
    use default_name::*;
    let meta = |percent| sent_as(domain, &ExportAgentMetadata { percent });
    // The first snapshot is the start's answer; resuming is the first poll.
    Script::new()
        .metadata_any(meta(0))
        .metadata_any(meta(10))
        .metadata_any(meta(60))
        .respond_any(sent_as(
            domain,
            &ExportAgentResponse {
                agent_uri: "gs://b/agent.zip".into(),
            },
        ))
}

#[tokio::test(start_paused = true)]
async fn default_name_types_resume_report_progress_and_end_typed() {
    use default_name::*;
    assert_eq!(
        <ExportAgentMetadata as prost::Name>::type_url(),
        "/google.cloud.dialogflow.v2.ExportAgentMetadata",
        "the premise: prost's default type URL has no domain"
    );
    let server = MockServer::start().await;
    server.insert(NAME, agent_export("type.googleapis.com"));
    let mut op: Operation<ExportAgentResponse, ExportAgentMetadata> =
        Operation::resume(&server.client(), NAME).await.unwrap();
    assert_eq!(op.metadata().unwrap().map(|m| m.percent), Some(10));
    let items: Vec<_> = op.progress().collect().await;
    let percents = reported(&items, |m| m.percent);
    assert_eq!(percents, [60]);
    assert!(
        matches!(items.last(), Some(Ok(Progress::Done(r))) if r.agent_uri == "gs://b/agent.zip"),
        "{items:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_custom_domain_on_either_side_names_the_same_type() {
    let server = MockServer::start().await;
    // The server's domain is its own; the handle's types have another one.
    server.insert(NAME, {
        let m = |percent| sent_as("example.com/types", &ExportMetadata { percent });
        Script::new().metadata_any(m(5)).respond_any(sent_as(
            "example.com/types",
            &ExportResponse {
                uri: "gs://b/x".into(),
                rows: 3,
            },
        ))
    });
    let got = ExportOperation::from_name(server.client(), NAME)
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!((got.uri.as_str(), got.rows), ("gs://b/x", 3));
}

#[tokio::test(start_paused = true)]
async fn a_default_name_type_of_another_message_is_still_a_mismatch() {
    use default_name::*;
    let server = MockServer::start().await;
    // Same package, same domain rule, another message: metadata is the response type.
    server.insert(
        NAME,
        Script::new().metadata_any(sent_as(
            "type.googleapis.com",
            &ExportAgentResponse::default(),
        )),
    );
    let err = Operation::<ExportAgentResponse, ExportAgentMetadata>::resume(&server.client(), NAME)
        .await
        .unwrap_err();
    let (field, expected, actual) = crate::type_mismatch(&err);
    assert_eq!(field, "metadata");
    assert_eq!(
        expected,
        "type.googleapis.com/google.cloud.dialogflow.v2.ExportAgentMetadata"
    );
    assert_eq!(
        actual,
        "type.googleapis.com/google.cloud.dialogflow.v2.ExportAgentResponse"
    );
    let line = err.to_string();
    assert!(line.contains(expected) && line.contains(actual), "{line}");
}
