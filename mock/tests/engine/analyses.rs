//! Analyses that find what is in the transcript: the location's phrase matchers, silence, and
//! the deployed issue model's issue, in the analysis and the conversation's latest analysis.

use std::time::Duration;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use ccai_lro_mock::MockServer;

use crate::{Insights, LOC};

const CHAT: &str = r#"{"entries": [
  {"text": "Hello, thanks for calling.", "role": "AGENT", "user_id": 1, "start_timestamp_usec": 1700000000000000},
  {"text": "My bill is wrong.", "role": "CUSTOMER", "user_id": 2, "start_timestamp_usec": 1700000005000000},
  {"text": "Let me check the billing.", "role": "AGENT", "user_id": 1, "start_timestamp_usec": 1700000012500000}
 ]}"#;

const VOICE: &str = r#"{"results": [
  {"alternatives": [{"transcript": "hello there", "confidence": 0.9, "words": [
     {"word": "hello", "startOffset": "1s", "endOffset": "1.500s"},
     {"word": "there", "startOffset": "1.500s", "endOffset": "2s"}]}],
   "channelTag": 1, "resultEndOffset": "2s"},
  {"alternatives": [{"transcript": "my bill is wrong", "confidence": 0.8, "words": [
     {"word": "my", "startOffset": "5s", "endOffset": "5.500s"},
     {"word": "bill", "startOffset": "5.500s", "endOffset": "6s"},
     {"word": "is", "startOffset": "6s", "endOffset": "7s"},
     {"word": "wrong", "startOffset": "7s", "endOffset": "8s"}]}],
   "channelTag": 2, "resultEndOffset": "10s"}
 ]}"#;

async fn emulator() -> (MockServer, Insights) {
    let server = MockServer::builder()
        .track_resources(true)
        .object("gs://calls/chat.json", CHAT)
        .object("gs://calls/voice.json", VOICE)
        .start()
        .await;
    let client = Insights::new(server.channel());
    (server, client)
}

async fn conversation(c: &mut Insights, id: &str, uri: &str, issue: Option<&str>) -> Conversation {
    c.create_conversation(CreateConversationRequest {
        parent: LOC.into(),
        conversation_id: id.into(),
        conversation: Some(Conversation {
            labels: issue
                .map(|i| [("issue".to_owned(), i.to_owned())].into())
                .unwrap_or_default(),
            data_source: Some(ConversationDataSource {
                source: Some(conversation_data_source::Source::GcsSource(GcsSource {
                    transcript_uri: uri.into(),
                    ..Default::default()
                })),
            }),
            ..Default::default()
        }),
    })
    .await
    .expect("created")
    .into_inner()
}

/// A matcher with one group of `rules` (queries), active or not.
async fn matcher(c: &mut Insights, display: &str, queries: &[&str], active: bool) -> String {
    use phrase_matcher::PhraseMatcherType::AnyOf;
    c.create_phrase_matcher(CreatePhraseMatcherRequest {
        parent: LOC.into(),
        phrase_matcher: Some(PhraseMatcher {
            display_name: display.into(),
            r#type: AnyOf as i32,
            active,
            phrase_match_rule_groups: vec![PhraseMatchRuleGroup {
                r#type: phrase_match_rule_group::PhraseMatchRuleGroupType::AnyOf as i32,
                phrase_match_rules: queries
                    .iter()
                    .map(|q| PhraseMatchRule {
                        query: (*q).into(),
                        ..Default::default()
                    })
                    .collect(),
            }],
            ..Default::default()
        }),
    })
    .await
    .expect("matcher")
    .into_inner()
    .name
}

/// Analyses `conversation` and returns the analysis as the conversation's latest one, once
/// its operation is done (paused time).
async fn analyse(
    c: &mut Insights,
    conversation: &str,
    selector: Option<AnnotatorSelector>,
) -> Analysis {
    c.create_analysis(CreateAnalysisRequest {
        parent: conversation.into(),
        analysis: Some(Analysis {
            annotator_selector: selector,
            ..Default::default()
        }),
    })
    .await
    .expect("started");
    tokio::time::sleep(Duration::from_secs(60)).await;
    c.get_conversation(GetConversationRequest {
        name: conversation.into(),
        ..Default::default()
    })
    .await
    .expect("get")
    .into_inner()
    .latest_analysis
    .expect("a latest analysis")
}

fn metadata(a: &Analysis) -> analysis_result::CallAnalysisMetadata {
    match a.analysis_result.as_ref().and_then(|r| r.metadata.clone()) {
        Some(analysis_result::Metadata::CallAnalysisMetadata(m)) => m,
        None => panic!("no call analysis metadata: {a:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn an_analysis_names_the_matchers_that_match_and_annotates_their_segments() {
    let (_s, mut c) = emulator().await;
    let made = conversation(&mut c, "c1", "gs://calls/chat.json", None).await;
    let bill = matcher(&mut c, "bill", &["bill"], true).await;
    let refund = matcher(&mut c, "refund", &["refund"], true).await;
    let off = matcher(&mut c, "inactive", &["hello"], false).await;
    let analysis = analyse(&mut c, &made.name, None).await;
    assert!(analysis
        .analysis_result
        .as_ref()
        .and_then(|r| r.end_time)
        .is_some());
    let m = metadata(&analysis);
    let matched: Vec<&String> = m.phrase_matchers.keys().collect();
    assert_eq!(matched, [&bill], "not {refund}, not the inactive {off}");
    assert_eq!(m.phrase_matchers[&bill].display_name, "bill");
    // "bill" is in segment 1 only: "billing" in segment 2 is not on a word boundary.
    let segments: Vec<i32> = m
        .annotations
        .iter()
        .filter_map(|a| {
            a.annotation_start_boundary
                .as_ref()
                .map(|b| b.transcript_index)
        })
        .collect();
    assert_eq!(segments, [1]);
    assert!(m.silence.is_none(), "a chat has no word times");

    // CalculateStats counts, per matcher, the conversations whose latest analysis it matched.
    let other = conversation(&mut c, "c2", "gs://calls/voice.json", None).await;
    analyse(&mut c, &other.name, None).await;
    let unanalysed = conversation(&mut c, "c3", "gs://calls/chat.json", None).await;
    let stats = c
        .calculate_stats(CalculateStatsRequest {
            location: LOC.into(),
            ..Default::default()
        })
        .await
        .expect("stats")
        .into_inner();
    assert_eq!(stats.conversation_count, 3, "{}", unanalysed.name);
    assert_eq!(stats.custom_highlighter_matches.get(&bill), Some(&2));
    assert_eq!(stats.custom_highlighter_matches.len(), 1, "{stats:?}");
}

#[tokio::test(start_paused = true)]
async fn a_selector_decides_which_annotators_and_matchers_run() {
    let (_s, mut c) = emulator().await;
    let made = conversation(&mut c, "c1", "gs://calls/voice.json", None).await;
    let bill = matcher(&mut c, "bill", &["bill"], true).await;
    let hello = matcher(&mut c, "hello", &["hello"], true).await;
    let only_hello = AnnotatorSelector {
        run_phrase_matcher_annotator: true,
        phrase_matchers: vec![hello.clone()],
        ..Default::default()
    };
    let m = metadata(&analyse(&mut c, &made.name, Some(only_hello)).await);
    assert_eq!(
        m.phrase_matchers.keys().collect::<Vec<_>>(),
        [&hello],
        "not {bill}"
    );
    assert!(m.silence.is_none(), "silence not selected");
    let silence_only = AnnotatorSelector {
        run_silence_annotator: true,
        ..Default::default()
    };
    let m = metadata(&analyse(&mut c, &made.name, Some(silence_only)).await);
    assert!(m.phrase_matchers.is_empty());
    // Speech covers [1 s, 2 s] and [5 s, 8 s] of a 10 s call: 6 s of silence, 60 %.
    let silence = m.silence.expect("silence");
    assert_eq!(
        silence.silence_duration,
        Some(prost_types::Duration {
            seconds: 6,
            nanos: 0
        })
    );
    assert!(
        (silence.silence_percentage - 60.0).abs() < 1e-3,
        "{silence:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_deployed_issue_model_assigns_the_conversations_issue() {
    let (_s, mut c) = emulator().await;
    let made = conversation(&mut c, "c1", "gs://calls/chat.json", Some("Billing")).await;
    let model = c
        .create_issue_model(CreateIssueModelRequest {
            parent: LOC.into(),
            issue_model: Some(IssueModel::default()),
        })
        .await
        .expect("started")
        .into_inner();
    tokio::time::sleep(Duration::from_secs(60)).await;
    let model_name = c
        .list_issue_models(ListIssueModelsRequest { parent: LOC.into() })
        .await
        .expect("list")
        .into_inner()
        .issue_models
        .pop()
        .expect("the model")
        .name;
    assert!(model.name.starts_with(LOC));
    // Not deployed: no issue result.
    let m = metadata(&analyse(&mut c, &made.name, None).await);
    assert!(m.issue_model_result.is_none());
    c.deploy_issue_model(DeployIssueModelRequest {
        name: model_name.clone(),
    })
    .await
    .expect("deploy");
    tokio::time::sleep(Duration::from_secs(60)).await;
    let m = metadata(&analyse(&mut c, &made.name, None).await);
    let result = m.issue_model_result.expect("an issue result");
    assert_eq!(result.issue_model, model_name);
    let [assigned] = result.issues.as_slice() else {
        panic!("one issue: {result:?}")
    };
    assert_eq!(
        (assigned.display_name.as_str(), assigned.score),
        ("Billing", 1.0)
    );
    c.get_issue(GetIssueRequest {
        name: assigned.issue.clone(),
    })
    .await
    .expect("the assigned issue exists");
    let stats = c
        .calculate_stats(CalculateStatsRequest {
            location: LOC.into(),
            ..Default::default()
        })
        .await
        .expect("stats")
        .into_inner();
    assert_eq!(stats.issue_matches.get(&assigned.issue), Some(&1));
    assert_eq!(
        stats.issue_matches_stats[&assigned.issue].display_name,
        "Billing"
    );
}

/// The location's `upload_conversation_analysis_percentage` of uploads are analysed too: all
/// at 100, none at 0.
#[tokio::test(start_paused = true)]
async fn uploads_are_analysed_as_the_settings_say() {
    let (server, mut c) = emulator().await;
    let bill = matcher(&mut c, "bill", &["bill"], true).await;
    let mut analysed = Vec::new();
    for (i, share) in [100.0, 0.0].into_iter().enumerate() {
        c.update_settings(UpdateSettingsRequest {
            settings: Some(Settings {
                name: format!("{LOC}/settings"),
                analysis_config: Some(settings::AnalysisConfig {
                    upload_conversation_analysis_percentage: share,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["analysis_config".into()],
            }),
        })
        .await
        .expect("settings");
        c.upload_conversation(UploadConversationRequest {
            parent: LOC.into(),
            conversation_id: format!("up-{i}"),
            conversation: Some(Conversation {
                data_source: Some(ConversationDataSource {
                    source: Some(conversation_data_source::Source::GcsSource(GcsSource {
                        transcript_uri: "gs://calls/chat.json".into(),
                        ..Default::default()
                    })),
                }),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect("upload");
        tokio::time::sleep(Duration::from_secs(60)).await;
        let got = c
            .get_conversation(GetConversationRequest {
                name: format!("{LOC}/conversations/up-{i}"),
                ..Default::default()
            })
            .await
            .expect("get")
            .into_inner();
        analysed.push(
            got.latest_analysis
                .map(|a| metadata(&a).phrase_matchers.contains_key(&bill)),
        );
    }
    assert_eq!(analysed, [Some(true), None]);
    drop(server);
}

/// An analysis exists, with its end time, only once its operation has succeeded; a cancelled
/// one leaves nothing behind.
#[tokio::test(start_paused = true)]
async fn an_analysis_appears_when_its_operation_is_done_and_never_if_cancelled() {
    use ccai_lro::proto::google::longrunning::{
        operations_client::OperationsClient, CancelOperationRequest,
    };
    let (server, mut c) = emulator().await;
    let made = conversation(&mut c, "c1", "gs://calls/chat.json", None).await;
    let list = |c: &mut Insights| {
        let mut c = c.clone();
        let parent = made.name.clone();
        async move {
            c.list_analyses(ListAnalysesRequest {
                parent,
                ..Default::default()
            })
            .await
            .expect("list")
            .into_inner()
            .analyses
        }
    };
    let started = c
        .create_analysis(CreateAnalysisRequest {
            parent: made.name.clone(),
            analysis: Some(Analysis::default()),
        })
        .await
        .expect("started")
        .into_inner();
    assert!(list(&mut c).await.is_empty(), "not while running");
    OperationsClient::new(server.channel())
        .cancel_operation(CancelOperationRequest { name: started.name })
        .await
        .expect("cancel");
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(
        list(&mut c).await.is_empty(),
        "a cancelled analysis leaves nothing"
    );
    let done = analyse(&mut c, &made.name, None).await;
    let listed = list(&mut c).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, done.name);
    assert!(done.analysis_result.and_then(|r| r.end_time).is_some());
}
