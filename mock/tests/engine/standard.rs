//! Create, Get, Update and Delete (AIP-131, 133, 134, 135) on several kinds.

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use prost_types::{FieldMask, Timestamp};
use tonic::Code;

use crate::{emulator, error, resource_info, violations, LOC};

fn matcher(display: &str) -> PhraseMatcher {
    PhraseMatcher {
        display_name: display.into(),
        r#type: phrase_matcher::PhraseMatcherType::AllOf as i32,
        ..Default::default()
    }
}

#[tokio::test]
async fn create_names_by_id_or_assigns_one_and_refuses_duplicates() {
    let (_s, mut c) = emulator().await;
    let create = |id: &str| CreateConversationRequest {
        parent: LOC.into(),
        conversation_id: id.into(),
        conversation: Some(Conversation {
            // Ignored: the id names it.
            name: "projects/x/locations/y/conversations/z".into(),
            agent_id: "a1".into(),
            // OUTPUT_ONLY: the server's.
            turn_count: 99,
            create_time: Some(Timestamp {
                seconds: 1,
                nanos: 0,
            }),
            ..Default::default()
        }),
    };
    let made = c
        .create_conversation(create("call-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(made.name, format!("{LOC}/conversations/call-1"));
    assert_eq!(made.agent_id, "a1");
    assert_eq!(made.turn_count, 0);
    let created = made.create_time.expect("create_time set");
    assert!(created.seconds > 1_000_000_000, "{created:?}");
    assert_eq!(made.update_time, Some(created));

    let s = error(c.create_conversation(create("call-1")).await);
    assert_eq!(s.code(), Code::AlreadyExists, "{s:?}");

    let assigned = c
        .create_conversation(create(""))
        .await
        .unwrap()
        .into_inner();
    let id = assigned
        .name
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
        "{id}"
    );
    assert_ne!(assigned.name, made.name);

    for bad in ["Call_1", "a/b", &"x".repeat(65)] {
        let s = error(c.create_conversation(create(bad)).await);
        assert_eq!(s.code(), Code::InvalidArgument, "{bad}");
        assert_eq!(violations(&s), ["conversation_id"], "{bad}");
    }
}

#[tokio::test]
async fn a_missing_required_field_is_named_by_its_path() {
    let (_s, mut c) = emulator().await;
    let s = error(
        c.create_phrase_matcher(CreatePhraseMatcherRequest {
            parent: LOC.into(),
            phrase_matcher: Some(PhraseMatcher {
                phrase_match_rule_groups: vec![PhraseMatchRuleGroup {
                    r#type: 1,
                    phrase_match_rules: vec![PhraseMatchRule::default()],
                }],
                ..Default::default()
            }),
        })
        .await,
    );
    assert_eq!(s.code(), Code::InvalidArgument);
    assert_eq!(
        violations(&s),
        [
            "phrase_matcher.type",
            "phrase_matcher.phrase_match_rule_groups[0].phrase_match_rules[0].query"
        ]
    );
    let s = error(
        c.create_phrase_matcher(CreatePhraseMatcherRequest {
            parent: String::new(),
            phrase_matcher: Some(matcher("m")),
        })
        .await,
    );
    assert_eq!(violations(&s), ["parent"]);
}

#[tokio::test]
async fn get_answers_not_found_with_resource_info_and_refuses_bad_names() {
    let (_s, mut c) = emulator().await;
    let name = format!("{LOC}/views/nope");
    let s = error(c.get_view(GetViewRequest { name: name.clone() }).await);
    assert_eq!(s.code(), Code::NotFound);
    assert_eq!(resource_info(&s), Some(name));
    for bad in [
        "",
        "projects/p/views/v",
        "projects/p/locations/l/views/v/extra",
    ] {
        let s = error(c.get_view(GetViewRequest { name: bad.into() }).await);
        assert_eq!(s.code(), Code::InvalidArgument, "{bad}");
        assert_eq!(violations(&s), ["name"], "{bad}");
    }
}

#[tokio::test]
async fn an_authorized_view_reaches_the_locations_conversation() {
    let (_s, mut c) = emulator().await;
    c.create_conversation(CreateConversationRequest {
        parent: LOC.into(),
        conversation_id: "c1".into(),
        conversation: Some(Conversation::default()),
    })
    .await
    .unwrap();
    let through = format!("{LOC}/authorizedViewSets/s/authorizedViews/v/conversations/c1");
    let got = c
        .get_conversation(GetConversationRequest {
            name: through,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.name, format!("{LOC}/conversations/c1"));
}

#[tokio::test]
async fn projects_and_locations_are_separate_worlds() {
    let (_s, mut c) = emulator().await;
    c.create_view(CreateViewRequest {
        parent: LOC.into(),
        view: Some(View::default()),
    })
    .await
    .unwrap();
    for other in [
        "projects/p/locations/europe-west1",
        "projects/q/locations/us-central1",
    ] {
        let list = c
            .list_views(ListViewsRequest {
                parent: other.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(list.views.is_empty(), "{other}");
    }
}

#[tokio::test]
async fn update_changes_only_the_mask_and_refuses_unknown_paths() {
    let (_s, mut c) = emulator().await;
    let made = c
        .create_phrase_matcher(CreatePhraseMatcherRequest {
            parent: LOC.into(),
            phrase_matcher: Some(PhraseMatcher {
                active: true,
                ..matcher("before")
            }),
        })
        .await
        .unwrap()
        .into_inner();
    let update = |paths: &[&str], m: PhraseMatcher| UpdatePhraseMatcherRequest {
        phrase_matcher: Some(m),
        update_mask: Some(FieldMask {
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        }),
    };
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let changed = c
        .update_phrase_matcher(update(
            &["display_name"],
            PhraseMatcher {
                name: made.name.clone(),
                active: false,
                ..matcher("after")
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(changed.display_name, "after");
    assert!(changed.active, "not in the mask: kept");
    let seconds = |t: Option<prost_types::Timestamp>| t.map(|t| (t.seconds, t.nanos));
    assert!(seconds(changed.update_time) > seconds(made.update_time));
    assert_eq!(changed.revision_create_time, made.revision_create_time);

    // Omitted mask: what the request sets.
    let omitted = UpdatePhraseMatcherRequest {
        phrase_matcher: Some(PhraseMatcher {
            name: made.name.clone(),
            role_match: 3,
            ..Default::default()
        }),
        update_mask: None,
    };
    let changed = c.update_phrase_matcher(omitted).await.unwrap().into_inner();
    assert_eq!(
        (changed.role_match, changed.display_name.as_str()),
        (3, "after")
    );

    for bad in [&["nope"][..], &["display_name.x"], &["update_time.nope"]] {
        let m = PhraseMatcher {
            name: made.name.clone(),
            ..matcher("x")
        };
        let s = error(c.update_phrase_matcher(update(bad, m)).await);
        assert_eq!(s.code(), Code::InvalidArgument, "{bad:?}");
        assert_eq!(violations(&s), ["update_mask"], "{bad:?}");
    }
    let missing = PhraseMatcher {
        name: format!("{LOC}/phraseMatchers/nope"),
        ..matcher("x")
    };
    let s = error(
        c.update_phrase_matcher(update(&["display_name"], missing))
            .await,
    );
    assert_eq!(s.code(), Code::NotFound);

    // Clearing a REQUIRED field through the mask leaves an invalid resource: refused.
    let s = error(
        c.update_phrase_matcher(update(
            &["type"],
            PhraseMatcher {
                name: made.name.clone(),
                ..Default::default()
            },
        ))
        .await,
    );
    assert_eq!(violations(&s), ["phrase_matcher.type"]);
}

#[tokio::test(start_paused = true)]
async fn deleting_a_conversation_with_analyses_needs_force() {
    let (server, mut c) = emulator().await;
    let conversation = c
        .create_conversation(CreateConversationRequest {
            parent: LOC.into(),
            conversation_id: "c1".into(),
            conversation: Some(Conversation::default()),
        })
        .await
        .unwrap()
        .into_inner();
    c.create_analysis(CreateAnalysisRequest {
        parent: conversation.name.clone(),
        analysis: Some(Analysis::default()),
    })
    .await
    .unwrap();
    // The analysis exists once its operation is done.
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    let delete = |force| DeleteConversationRequest {
        name: conversation.name.clone(),
        force,
    };
    let s = error(c.delete_conversation(delete(false)).await);
    assert_eq!(s.code(), Code::FailedPrecondition, "{s:?}");
    c.delete_conversation(delete(true)).await.unwrap();
    let analyses = c
        .list_analyses(ListAnalysesRequest {
            parent: conversation.name.clone(),
            ..Default::default()
        })
        .await;
    assert_eq!(error(analyses).code(), Code::NotFound, "the parent is gone");
    let s = error(c.delete_conversation(delete(true)).await);
    assert_eq!(s.code(), Code::NotFound);
    drop(server);
}

#[tokio::test]
async fn a_scorecard_and_its_revisions_and_questions() {
    let (_s, mut c) = emulator().await;
    let card = crate::scorecard(&mut c).await;
    let orphan = CreateQaQuestionRequest {
        parent: format!("{}/revisions/nope", card.name),
        qa_question: Some(QaQuestion::default()),
        qa_question_id: String::new(),
    };
    assert_eq!(
        error(c.create_qa_question(orphan).await).code(),
        Code::NotFound
    );
    let revision = c
        .create_qa_scorecard_revision(CreateQaScorecardRevisionRequest {
            parent: card.name.clone(),
            qa_scorecard_revision: Some(QaScorecardRevision::default()),
            qa_scorecard_revision_id: "r1".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(revision.state(), qa_scorecard_revision::State::Editable);
    let question = c
        .create_qa_question(CreateQaQuestionRequest {
            parent: revision.name.clone(),
            qa_question: Some(QaQuestion {
                question_body: "Was the agent polite?".into(),
                ..Default::default()
            }),
            qa_question_id: "polite".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        question.name,
        format!("{}/qaQuestions/polite", revision.name)
    );
    let delete = |force| DeleteQaScorecardRequest {
        name: card.name.clone(),
        force,
    };
    assert_eq!(
        error(c.delete_qa_scorecard(delete(false)).await).code(),
        Code::FailedPrecondition
    );
    c.delete_qa_scorecard(delete(true)).await.unwrap();
    let gone = c
        .get_qa_question(GetQaQuestionRequest {
            name: question.name,
        })
        .await;
    assert_eq!(error(gone).code(), Code::NotFound);
}

#[tokio::test]
async fn settings_and_encryption_spec_exist_everywhere_and_keep_updates() {
    let (_s, mut c) = emulator().await;
    let name = format!("{LOC}/settings");
    let settings = c
        .get_settings(GetSettingsRequest { name: name.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(settings.name, name);
    assert_eq!(settings.language_code, "");
    c.update_settings(UpdateSettingsRequest {
        settings: Some(Settings {
            name: name.clone(),
            language_code: "fr-FR".into(),
            ..Default::default()
        }),
        update_mask: Some(FieldMask {
            paths: vec!["language_code".into()],
        }),
    })
    .await
    .unwrap();
    let again = c
        .get_settings(GetSettingsRequest { name: name.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.language_code, "fr-FR");
    assert!(again.update_time.is_some());
    let elsewhere = c
        .get_settings(GetSettingsRequest {
            name: "projects/p/locations/eu/settings".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(elsewhere.language_code, "");
    let spec = c
        .get_encryption_spec(GetEncryptionSpecRequest {
            name: format!("{LOC}/encryptionSpec"),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(spec.name, format!("{LOC}/encryptionSpec"));
}

#[tokio::test]
async fn a_resource_over_the_byte_bound_is_refused_and_reads_go_on() {
    let (_s, mut c) = emulator().await;
    let huge = Conversation {
        agent_id: "x".repeat(ccai_lro_mock::limits::MAX_RESOURCE_BYTES + 1),
        ..Default::default()
    };
    let s = error(
        c.create_conversation(CreateConversationRequest {
            parent: LOC.into(),
            conversation_id: "big".into(),
            conversation: Some(huge),
        })
        .await,
    );
    assert_eq!(s.code(), Code::ResourceExhausted, "{s:?}");
    let list = c
        .list_conversations(ListConversationsRequest {
            parent: LOC.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(list.conversations.is_empty(), "nothing kept");
}

#[tokio::test]
async fn past_the_per_kind_bound_creates_are_refused_and_reads_go_on() {
    let (server, mut c) = emulator().await;
    for i in 0..ccai_lro_mock::limits::MAX_PER_KIND {
        server
            .seed(&View {
                name: format!("{LOC}/views/v{i}"),
                ..Default::default()
            })
            .expect("under the bound");
    }
    let s = error(
        c.create_view(CreateViewRequest {
            parent: LOC.into(),
            view: Some(View::default()),
        })
        .await,
    );
    assert_eq!(s.code(), Code::ResourceExhausted, "{s:?}");
    c.get_view(GetViewRequest {
        name: format!("{LOC}/views/v7"),
    })
    .await
    .expect("reads go on");
    // Another kind still has room.
    c.create_analysis_rule(CreateAnalysisRuleRequest {
        parent: LOC.into(),
        analysis_rule: Some(AnalysisRule::default()),
    })
    .await
    .expect("another kind");
}
