//! Hostile requests to the resource methods, each past its bound: refused with
//! INVALID_ARGUMENT, quickly, and never echoed whole.

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use prost_types::FieldMask;
use tonic::Code;

use crate::{emulator, error, LOC};

/// An error message stays short whatever the client sent.
fn short(s: &tonic::Status) {
    assert!(s.message().len() < 1_000, "{} bytes", s.message().len());
}

#[tokio::test]
async fn huge_and_deep_filters() {
    let (_s, mut c) = emulator().await;
    let list = |filter: String| ListConversationsRequest {
        parent: LOC.into(),
        filter,
        ..Default::default()
    };
    let long = format!("agent_id = \"{}\"", "x".repeat(1 << 20));
    let deep = format!("{}agent_id = \"a\"{}", "(".repeat(1_000), ")".repeat(1_000));
    let many = vec!["agent_id = \"a\""; 300].join(" AND ");
    let nots = format!("{}agent_id = \"a\"", "NOT ".repeat(500));
    for filter in [long, deep, many, nots] {
        let s = error(c.list_conversations(list(filter)).await);
        assert_eq!(s.code(), Code::InvalidArgument);
        short(&s);
    }
}

#[tokio::test]
async fn huge_masks_and_long_ids_and_names() {
    let (_s, mut c) = emulator().await;
    let made = c
        .create_view(CreateViewRequest {
            parent: LOC.into(),
            view: Some(View::default()),
        })
        .await
        .unwrap()
        .into_inner();
    let paths: Vec<String> = (0..=ccai_lro_mock::limits::MAX_MASK_PATHS)
        .map(|_| "display_name".to_owned())
        .collect();
    let long_path = vec!["display_name".to_owned(); 1]
        .into_iter()
        .chain(std::iter::once("x.".repeat(10_000)))
        .collect();
    for paths in [paths, long_path] {
        let s = error(
            c.update_view(UpdateViewRequest {
                view: Some(View {
                    name: made.name.clone(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask { paths }),
            })
            .await,
        );
        assert_eq!(s.code(), Code::InvalidArgument);
        short(&s);
    }
    let s = error(
        c.create_qa_scorecard(CreateQaScorecardRequest {
            parent: LOC.into(),
            qa_scorecard: Some(QaScorecard::default()),
            qa_scorecard_id: "a".repeat(1 << 20),
        })
        .await,
    );
    assert_eq!(s.code(), Code::InvalidArgument);
    short(&s);
    let s = error(
        c.get_view(GetViewRequest {
            name: format!("{LOC}/views/{}", "v".repeat(1 << 20)),
        })
        .await,
    );
    assert_eq!(s.code(), Code::InvalidArgument);
    short(&s);
}
