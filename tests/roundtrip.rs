//! An `Operation` carrying Insights messages in its `Any` fields survives encode → decode →
//! unpack with every field intact (the seed's CreateIssueModel example, filled completely).

use std::collections::HashMap;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    conversation::Medium, issue_model, issue_model_label_stats::IssueStats,
    CreateIssueModelMetadata, CreateIssueModelRequest, IssueModel, IssueModelLabelStats,
};
use ccai_lro::proto::google::longrunning::{operation, Operation};
use prost::{Message, Name};
use prost_types::{Any, Timestamp};

const PARENT: &str = "projects/my-project/locations/us-central1";

fn issue_model() -> IssueModel {
    let stats = |id: &str, n: i64, name: &str| IssueStats {
        issue: format!("{PARENT}/issueModels/1234/issues/{id}"),
        labeled_conversations_count: n,
        display_name: name.to_owned(),
    };
    IssueModel {
        name: format!("{PARENT}/issueModels/1234"),
        display_name: "Support chat topics".to_owned(),
        input_data_config: Some(issue_model::InputDataConfig {
            medium: Medium::Chat as i32,
            training_conversations_count: 12_000,
            filter: "medium=\"CHAT\"".to_owned(),
        }),
        state: issue_model::State::Undeployed as i32,
        training_stats: Some(IssueModelLabelStats {
            analyzed_conversations_count: 11_874,
            unclassified_conversations_count: 126,
            issue_stats: HashMap::from([
                ("101".to_owned(), stats("101", 5_012, "Billing")),
                ("102".to_owned(), stats("102", 6_736, "Delivery")),
            ]),
        }),
        issue_count: 2,
        create_time: Some(Timestamp {
            seconds: 1_763_800_000,
            nanos: 0,
        }),
        update_time: Some(Timestamp {
            seconds: 1_763_801_800,
            nanos: 500_000_000,
        }),
        model_type: issue_model::ModelType::TypeV2 as i32,
        language_code: "en-US".to_owned(),
    }
}

fn metadata() -> CreateIssueModelMetadata {
    let mut requested = issue_model();
    requested.name.clear();
    requested.training_stats = None;
    CreateIssueModelMetadata {
        create_time: Some(Timestamp {
            seconds: 1_763_800_000,
            nanos: 0,
        }),
        end_time: Some(Timestamp {
            seconds: 1_763_801_800,
            nanos: 0,
        }),
        request: Some(CreateIssueModelRequest {
            parent: PARENT.to_owned(),
            issue_model: Some(requested),
        }),
    }
}

#[test]
fn operation_with_issue_model_round_trips() {
    let op = Operation {
        name: format!("{PARENT}/operations/create-issue-model-1"),
        metadata: Some(Any::from_msg(&metadata()).expect("encode metadata")),
        done: true,
        result: Some(operation::Result::Response(
            Any::from_msg(&issue_model()).expect("encode response"),
        )),
    };
    let bytes = op.encode_to_vec();
    let back = Operation::decode(bytes.as_slice()).expect("decode operation");
    assert_eq!(back, op);

    let meta = back.metadata.as_ref().expect("metadata present");
    assert_eq!(meta.type_url, CreateIssueModelMetadata::type_url());
    assert_eq!(
        meta.to_msg::<CreateIssueModelMetadata>()
            .expect("unpack metadata"),
        metadata()
    );

    let Some(operation::Result::Response(response)) = &back.result else {
        panic!("response expected, got {:?}", back.result);
    };
    assert_eq!(
        response.type_url,
        "type.googleapis.com/google.cloud.contactcenterinsights.v1.IssueModel"
    );
    let model: IssueModel = response.to_msg().expect("unpack response");
    assert_eq!(model, issue_model());
    assert_eq!(
        model.training_stats.as_ref().map(|s| s.issue_stats.len()),
        Some(2)
    );
}

#[test]
fn unpacking_into_the_wrong_type_fails() {
    let any = Any::from_msg(&issue_model()).expect("encode");
    assert!(any.to_msg::<CreateIssueModelMetadata>().is_err());
}
