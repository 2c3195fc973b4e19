//! REST JSON of operations through the registry: known types expanded with "@type", unknown
//! ones as base64, errors with decoded details.

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    issue_model, DeployIssueModelMetadata, IssueModel,
};
use ccai_lro::proto::google::longrunning::{operation, Operation};
use ccai_lro::proto::google::rpc::{ErrorInfo, Status};
use ccai_lro::{json, registry};
use prost_types::{Any, Timestamp};
use serde_json::json;

#[test]
fn known_payloads_use_the_proto3_json_mapping() {
    let model = IssueModel {
        display_name: "m".into(),
        state: issue_model::State::Deployed as i32,
        issue_count: 7,
        create_time: Some(Timestamp {
            seconds: 1_700_000_000,
            nanos: 0,
        }),
        ..Default::default()
    };
    let op = Operation {
        name: "projects/p/locations/l/operations/1".into(),
        metadata: Some(Any::from_msg(&DeployIssueModelMetadata::default()).unwrap()),
        done: true,
        result: Some(operation::Result::Response(Any::from_msg(&model).unwrap())),
    };
    let v = json::operation_to_json(&op);
    assert_eq!(
        v,
        json!({
            "name": "projects/p/locations/l/operations/1",
            "metadata": {"@type": "type.googleapis.com/google.cloud.contactcenterinsights.v1.DeployIssueModelMetadata"},
            "done": true,
            "response": {
                "@type": "type.googleapis.com/google.cloud.contactcenterinsights.v1.IssueModel",
                "displayName": "m",
                "createTime": "2023-11-14T22:13:20Z",
                "state": "DEPLOYED",
                "issueCount": "7"
            }
        })
    );
}

#[test]
fn unknown_types_print_as_base64_and_errors_keep_details() {
    let unknown = Any {
        type_url: "type.googleapis.com/example.Secretless".into(),
        value: vec![1, 2, 3],
    };
    let info = ErrorInfo {
        reason: "R".into(),
        ..Default::default()
    };
    let op = Operation {
        name: "projects/p/locations/l/operations/2".into(),
        metadata: Some(unknown.clone()),
        done: true,
        result: Some(operation::Result::Error(Status {
            code: 9,
            message: "nope".into(),
            details: vec![Any::from_msg(&info).unwrap(), unknown],
        })),
    };
    let v = json::operation_to_json(&op);
    assert_eq!(
        v["metadata"],
        json!({"@type": "type.googleapis.com/example.Secretless", "value": "AQID"})
    );
    assert_eq!(v["error"]["code"], 9);
    assert_eq!(
        v["error"]["details"][0],
        json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "R"})
    );
    assert_eq!(v["error"]["details"][1]["value"], "AQID");
    assert!(v.get("response").is_none());
}

#[test]
fn every_insights_lro_has_registered_types() {
    let methods = registry::insights_lro_methods();
    assert_eq!(methods.len(), 17);
    for m in methods {
        let (resp, meta) =
            registry::operation_types(&m).unwrap_or_else(|| panic!("{m} has no operation_info"));
        for url in [&resp, &meta] {
            assert!(
                registry::lookup(url).is_some(),
                "{m}: {url} not in the registry"
            );
        }
    }
}

/// Found by the proptests: an `Any` holding an `Any` kept the inner "@type" in place of the
/// outer one. Well-known types go under "value", as the proto3 JSON mapping says.
#[test]
fn well_known_types_sit_under_value() {
    let inner = Any::from_msg(&ErrorInfo {
        reason: "R".into(),
        ..Default::default()
    })
    .unwrap();
    let outer = Any {
        type_url: "type.googleapis.com/google.protobuf.Any".into(),
        value: prost::Message::encode_to_vec(&inner),
    };
    let v = json::any_to_json(&outer);
    assert_eq!(v["@type"], "type.googleapis.com/google.protobuf.Any");
    assert_eq!(
        v["value"],
        json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "R"})
    );

    let d = prost_types::Duration {
        seconds: 1,
        nanos: 500_000_000,
    };
    let any = Any {
        type_url: "type.googleapis.com/google.protobuf.Duration".into(),
        value: prost::Message::encode_to_vec(&d),
    };
    assert_eq!(
        json::any_to_json(&any),
        json!({"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1.500s"})
    );
}

#[test]
fn empty_in_an_any_is_its_type_alone() {
    // The response of a finished DeleteIssueModel: strict parsers (Google's Python REST client)
    // refuse any member beside "@type".
    let empty = prost_types::Any {
        type_url: "type.googleapis.com/google.protobuf.Empty".into(),
        value: Vec::new(),
    };
    assert_eq!(
        ccai_lro::json::any_to_json(&empty),
        serde_json::json!({"@type": "type.googleapis.com/google.protobuf.Empty"})
    );
}

#[test]
fn enums_as_numbers_on_request() {
    use ccai_lro::json::{any_to_json_with, JsonOptions};
    use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{issue_model, IssueModel};
    let model = IssueModel {
        state: issue_model::State::Deployed as i32,
        ..Default::default()
    };
    let any = prost_types::Any::from_msg(&model).unwrap();
    assert_eq!(ccai_lro::json::any_to_json(&any)["state"], "DEPLOYED");
    let numbers = JsonOptions::default().enums_as_numbers(true);
    assert_eq!(
        any_to_json_with(&any, numbers)["state"],
        issue_model::State::Deployed as i32
    );
}

/// `depth` Anys, each holding the next, around an IssueModel.
fn nested(depth: usize) -> Any {
    let mut any = Any::from_msg(&IssueModel {
        display_name: "core".into(),
        ..Default::default()
    })
    .unwrap();
    for _ in 0..depth {
        any = Any::from_msg(&any).unwrap();
    }
    any
}

#[test]
fn nested_anys_render_within_a_bound() {
    // Shallow: expanded all the way down.
    let shallow = json::any_to_json(&nested(3));
    assert_eq!(
        shallow["value"]["value"]["value"]["displayName"], "core",
        "{shallow}"
    );
    // Thousands deep (the size a 4 MB message allows): opaque at once, no stack overflow.
    let deep = nested(5_000);
    let started = std::time::Instant::now();
    let rendered = json::any_to_json(&deep);
    assert_eq!(rendered["@type"], "type.googleapis.com/google.protobuf.Any");
    assert!(rendered["value"].is_string(), "opaque base64, not expanded");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "a hang guard"
    );
    // Just past the bound: opaque; at it: expanded.
    assert!(json::any_to_json(&nested(json::MAX_ANY_DEPTH + 1))["value"].is_string());
    assert!(json::any_to_json(&nested(json::MAX_ANY_DEPTH - 1))["value"].is_object());
}
