//! Update masks as client libraries build them (AIP-134, AIP-161, AIP-203): Python's
//! `protobuf_helpers.field_mask(None, resource)` names every set field, `name` among them, and
//! walks into set messages (`conversation_ttl.seconds`).

use std::collections::HashMap;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use prost_types::{Duration, FieldMask};
use tonic::Code;

use crate::{emulator, error, violations, LOC};

fn mask(paths: &[&str]) -> Option<FieldMask> {
    Some(FieldMask {
        paths: paths.iter().map(|p| (*p).to_owned()).collect(),
    })
}

/// Google's published `set_project_ttl` sample: the mask is `field_mask(None, settings)`, so it
/// names the settings' own (immutable) name. AIP-203: "the service must ignore the value of an
/// immutable field if it matches the existing value".
#[tokio::test]
async fn the_ttl_sample_mask_names_the_unchanged_name_and_applies_the_rest() {
    let (_s, mut c) = emulator().await;
    let settings = Settings {
        name: format!("{LOC}/settings"),
        conversation_ttl: Some(Duration {
            seconds: 86_400,
            nanos: 0,
        }),
        ..Default::default()
    };
    let updated = c
        .update_settings(UpdateSettingsRequest {
            settings: Some(settings.clone()),
            update_mask: mask(&["name", "conversation_ttl.seconds"]),
        })
        .await
        .expect("an unchanged name in the mask is accepted")
        .into_inner();
    assert_eq!(updated.name, settings.name);
    assert_eq!(updated.conversation_ttl, settings.conversation_ttl);
}

/// Google's published `enable_pubsub_notifications` sample, the same way.
#[tokio::test]
async fn the_pubsub_sample_mask_names_the_unchanged_name_and_applies_the_rest() {
    let (_s, mut c) = emulator().await;
    let topics = HashMap::from([
        (
            "create-conversation".to_owned(),
            "projects/p/topics/conversations".to_owned(),
        ),
        (
            "create-analysis".to_owned(),
            "projects/p/topics/analyses".to_owned(),
        ),
    ]);
    let updated = c
        .update_settings(UpdateSettingsRequest {
            settings: Some(Settings {
                name: format!("{LOC}/settings"),
                pubsub_notification_settings: topics.clone(),
                ..Default::default()
            }),
            update_mask: mask(&["name", "pubsub_notification_settings"]),
        })
        .await
        .expect("accepted")
        .into_inner();
    assert_eq!(updated.pubsub_notification_settings, topics);
}

async fn conversation(c: &mut crate::Insights) -> Conversation {
    c.create_conversation(CreateConversationRequest {
        parent: LOC.into(),
        conversation_id: "c1".into(),
        conversation: Some(Conversation {
            medium: conversation::Medium::Chat as i32,
            agent_id: "a1".into(),
            ..Default::default()
        }),
    })
    .await
    .expect("created")
    .into_inner()
}

/// A whole conversation sent back with `field_mask(None, conversation)`: the immutable `name`
/// and `medium` unchanged, the output-only `create_time` and `turn_count` ignored (AIP-161:
/// output only fields named in a mask are ignored), `agent_id` applied.
#[tokio::test]
async fn a_whole_resource_mask_ignores_output_only_and_unchanged_immutable_fields() {
    let (_s, mut c) = emulator().await;
    let made = conversation(&mut c).await;
    let sent = Conversation {
        agent_id: "a2".into(),
        turn_count: 40,
        create_time: Some(prost_types::Timestamp {
            seconds: 7,
            nanos: 0,
        }),
        ..made.clone()
    };
    let updated = c
        .update_conversation(UpdateConversationRequest {
            conversation: Some(sent),
            update_mask: mask(&[
                "name",
                "medium",
                "agent_id",
                "turn_count",
                "create_time.seconds",
            ]),
        })
        .await
        .expect("accepted")
        .into_inner();
    assert_eq!(updated.agent_id, "a2");
    assert_eq!(updated.medium, made.medium);
    assert_eq!(updated.turn_count, made.turn_count, "output only: ignored");
    assert_eq!(
        updated.create_time, made.create_time,
        "output only: ignored"
    );
}

/// AIP-203: "the service must error with INVALID_ARGUMENT" if a change to an immutable field is
/// requested, naming the field; nothing is applied.
#[tokio::test]
async fn changing_an_immutable_field_is_invalid_argument_naming_it() {
    let (_s, mut c) = emulator().await;
    let made = conversation(&mut c).await;
    for update_mask in [mask(&["medium", "agent_id"]), None, mask(&["*"])] {
        let s = error(
            c.update_conversation(UpdateConversationRequest {
                conversation: Some(Conversation {
                    medium: conversation::Medium::PhoneCall as i32,
                    agent_id: "a2".into(),
                    ..made.clone()
                }),
                update_mask: update_mask.clone(),
            })
            .await,
        );
        assert_eq!(s.code(), Code::InvalidArgument, "{update_mask:?}");
        assert_eq!(violations(&s), ["conversation.medium"], "{update_mask:?}");
    }
    let kept = c
        .get_conversation(GetConversationRequest {
            name: made.name.clone(),
            ..Default::default()
        })
        .await
        .expect("get")
        .into_inner();
    assert_eq!((kept.medium, kept.agent_id.as_str()), (made.medium, "a1"));
}
