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

#[tokio::test(start_paused = true)]
async fn its_progress_is_typed_and_ends_in_done() {
    let server = MockServer::start().await;
    server.insert(NAME, export_script());
    let mut op = ExportOperation::from_name(server.client(), NAME).unwrap();
    let items: Vec<_> = op.progress().collect().await;
    let percents: Vec<i32> = items
        .iter()
        .filter_map(|i| match i {
            Ok(Progress::Running(Some(m))) => Some(m.percent),
            _ => None,
        })
        .collect();
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
