//! `ccai-lro demo`: the main job end to end on the embedded emulator, no network, no credentials:
//! conversations from the chat transcripts the binary carries, an analysis with a phrase
//! matcher, then an issue model trained on them, waited with progress.

use std::time::Duration;

use ccai_lro::{
    backoff::Backoff, insights::InsightsClient, proto::google::cloud::contactcenterinsights::v1,
    Client, PollPolicy,
};
use ccai_lro_mock::MockServer;

use crate::{exit::Failure, watch, Cli};

const PARENT: &str = "projects/demo-project/locations/us-central1";

/// Chat transcripts in Insights' conversation format, each with the issue its label names (the
/// emulator's rule for which issue a conversation belongs to).
const TRANSCRIPTS: [(&str, &str, &str); 4] = [
    (
        "billing-1",
        "Billing dispute",
        include_str!("demo/billing-1.json"),
    ),
    (
        "billing-2",
        "Billing dispute",
        include_str!("demo/billing-2.json"),
    ),
    (
        "delivery-1",
        "Delivery delay",
        include_str!("demo/delivery-1.json"),
    ),
    (
        "password-1",
        "Password reset",
        include_str!("demo/password-1.json"),
    ),
];

/// Starts the emulator in-process with the transcripts in its memory storage, makes a
/// conversation of each and analyses one, then creates an issue model, waits, prints the result.
pub async fn run(cli: &Cli) -> Result<(), Failure> {
    let mut builder = MockServer::builder().track_resources(true);
    for (id, _, json) in TRANSCRIPTS {
        builder = builder.object(&format!("gs://demo-transcripts/{id}.json"), json);
    }
    let server = builder.start().await;
    let client = Client::from_channel(server.channel());
    eprintln!("demo: embedded emulator started (in-memory transport, no credentials)");
    let insights = InsightsClient::new(client);
    conversations(&insights).await?;
    let request = v1::CreateIssueModelRequest {
        parent: PARENT.to_owned(),
        issue_model: Some(v1::IssueModel {
            display_name: "Support chat topics".to_owned(),
            input_data_config: Some(v1::issue_model::InputDataConfig {
                medium: v1::conversation::Medium::Chat as i32,
                filter: "medium=\"CHAT\" AND turn_count > 4".to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        }),
    };
    let op = insights.create_issue_model(request).await?;
    eprintln!("demo: started {}", op.name());
    // The emulator's operations take a couple of seconds; poll briskly so the demo shows steps.
    let policy = PollPolicy::default()
        .with_backoff(
            Backoff::new(Duration::from_millis(250), 1.5, Duration::from_secs(1)).with_jitter(0.2),
        )
        .with_deadline(Duration::from_secs(60));
    let untyped = ccai_lro::UntypedOperation::new(op.client().clone(), op.into_raw());
    let how = watch::Watch {
        policy,
        cancel_on_interrupt: false,
    };
    watch::wait(cli, untyped, how).await
}

/// Creates the demo's conversations and a phrase matcher, analyses the first conversation and
/// says what was found, on stderr.
async fn conversations(insights: &InsightsClient) -> Result<(), Failure> {
    let matcher = insights
        .create_phrase_matcher(v1::CreatePhraseMatcherRequest {
            parent: PARENT.to_owned(),
            phrase_matcher: Some(v1::PhraseMatcher {
                display_name: "Billing mentions".to_owned(),
                r#type: v1::phrase_matcher::PhraseMatcherType::AnyOf as i32,
                active: true,
                phrase_match_rule_groups: vec![v1::PhraseMatchRuleGroup {
                    r#type: v1::phrase_match_rule_group::PhraseMatchRuleGroupType::AnyOf as i32,
                    phrase_match_rules: ["bill", "invoice", "charge"]
                        .map(|q| v1::PhraseMatchRule {
                            query: q.to_owned(),
                            ..Default::default()
                        })
                        .to_vec(),
                }],
                ..Default::default()
            }),
        })
        .await?;
    let mut first = None;
    for (id, issue, _) in TRANSCRIPTS {
        let conversation = insights
            .create_conversation(v1::CreateConversationRequest {
                parent: PARENT.to_owned(),
                conversation_id: id.to_owned(),
                conversation: Some(v1::Conversation {
                    medium: v1::conversation::Medium::Chat as i32,
                    labels: [("issue".to_owned(), issue.to_owned())].into(),
                    data_source: Some(v1::ConversationDataSource {
                        source: Some(v1::conversation_data_source::Source::GcsSource(
                            v1::GcsSource {
                                transcript_uri: format!("gs://demo-transcripts/{id}.json"),
                                ..Default::default()
                            },
                        )),
                    }),
                    ..Default::default()
                }),
            })
            .await?;
        first.get_or_insert(conversation);
    }
    let Some(conversation) = first else {
        return Ok(());
    };
    let analysis = insights
        .create_analysis(v1::CreateAnalysisRequest {
            parent: conversation.name.clone(),
            analysis: Some(v1::Analysis::default()),
        })
        .await?;
    let analysis = analysis.wait().await?;
    let hits: Vec<String> = match analysis.analysis_result.and_then(|r| r.metadata) {
        Some(v1::analysis_result::Metadata::CallAnalysisMetadata(m)) => m
            .annotations
            .iter()
            .filter(|a| {
                matches!(&a.data, Some(v1::call_annotation::Data::PhraseMatchData(d)) if d.phrase_matcher == matcher.name)
            })
            .filter_map(|a| a.annotation_start_boundary.as_ref())
            .map(|b| b.transcript_index.to_string())
            .collect(),
        None => Vec::new(),
    };
    eprintln!(
        "demo: {} conversations from transcripts; {} has {} turns, and \"{}\" matched its segments [{}]",
        TRANSCRIPTS.len(),
        conversation.name,
        conversation.turn_count,
        matcher.display_name,
        hits.join(", ")
    );
    Ok(())
}
