//! The emulator's data plane: ingest throughput from a storage folder, analysis throughput with
//! 20 phrase matchers on 100-segment transcripts, and the memory of conversations that carry
//! their transcripts, against the size of the transcripts' JSON.
//!
//! ```sh
//! cargo run --release --example bench_data
//! ```
//!
//! All in one process, on the in-memory transport (what is measured is the emulator's work,
//! not a network): an ingest reads and parses every object before its operation exists, and a
//! bulk analysis runs its annotators as it starts, so each is timed by its starting call. The
//! GCS emulator figure needs Python: `tools/bench_ingest_gcs.py`.

#[path = "support/rss.rs"]
mod rss;

use std::time::Instant;

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    contact_center_insights_client::ContactCenterInsightsClient, conversation,
    conversation_data_source, ingest_conversations_request, phrase_match_rule_group,
    phrase_matcher, BulkAnalyzeConversationsRequest, Conversation, ConversationDataSource,
    CreateConversationRequest, CreatePhraseMatcherRequest, GcsSource, IngestConversationsRequest,
    PhraseMatchRule, PhraseMatchRuleGroup, PhraseMatcher,
};
use ccai_lro_mock::MockServer;

const LOC: &str = "projects/bench/locations/us-central1";
const INGESTED: usize = 1_000;
const ANALYSED: usize = 200;
const KEPT: usize = 10_000;

const LINES: [&str; 6] = [
    "Thanks for calling, how can I help you today with your account?",
    "My last invoice shows a charge I do not recognise from the twelfth.",
    "Let me look at that for you; can you confirm the last four digits?",
    "Sure, they are four two one nine, and the charge was forty dollars.",
    "I see a duplicate payment; I have refunded it to your card just now.",
    "Great, thank you so much for sorting that out so quickly today.",
];

/// A chat transcript of `entries` entries in Insights' conversation format.
fn chat(entries: usize, seed: usize) -> String {
    let entries: Vec<String> = (0..entries)
        .map(|i| {
            let role = if i % 2 == 0 { "AGENT" } else { "CUSTOMER" };
            format!(
                r#"{{"text": "{}", "role": "{role}", "user_id": {}, "start_timestamp_usec": {}}}"#,
                LINES[(i + seed) % LINES.len()],
                i % 2 + 1,
                1_765_000_000_000_000_u64 + (seed * 1_000 + i) as u64 * 4_000_000
            )
        })
        .collect();
    format!(r#"{{"entries": [{}]}}"#, entries.join(", "))
}

fn source(uri: String) -> Option<ConversationDataSource> {
    Some(ConversationDataSource {
        source: Some(conversation_data_source::Source::GcsSource(GcsSource {
            transcript_uri: uri,
            ..Default::default()
        })),
    })
}

async fn ingest_from_a_folder() {
    let dir = std::env::temp_dir().join(format!("ccai-bench-data-{}", std::process::id()));
    let folder = dir.join("bench-transcripts/calls");
    std::fs::create_dir_all(&folder).expect("folder");
    let mut bytes = 0;
    for i in 0..INGESTED {
        let json = chat(20, i);
        bytes += json.len();
        std::fs::write(folder.join(format!("{i:05}.json")), json).expect("write");
    }
    let server = MockServer::builder()
        .track_resources(true)
        .record_limit(0)
        .storage_dir(&dir)
        .expect("storage folder")
        .start()
        .await;
    let mut c = ContactCenterInsightsClient::new(server.channel());
    let started = Instant::now();
    c.ingest_conversations(IngestConversationsRequest {
        parent: LOC.into(),
        source: Some(ingest_conversations_request::Source::GcsSource(
            ingest_conversations_request::GcsSource {
                bucket_uri: "gs://bench-transcripts/calls".into(),
                ..Default::default()
            },
        )),
        ..Default::default()
    })
    .await
    .expect("ingest");
    let took = started.elapsed().as_secs_f64();
    println!(
        "ingest from a folder: {INGESTED} chat transcripts of 20 entries ({} KiB), {:.0} conversations/s ({took:.3} s)",
        bytes >> 10,
        INGESTED as f64 / took
    );
    let _ = std::fs::remove_dir_all(&dir);
}

async fn analyses_with_20_matchers() {
    let mut builder = MockServer::builder().track_resources(true).record_limit(0);
    for i in 0..ANALYSED {
        builder = builder.object(
            &format!("gs://bench-transcripts/long/{i}.json"),
            chat(100, i),
        );
    }
    let server = builder.start().await;
    let mut c = ContactCenterInsightsClient::new(server.channel());
    let queries = [
        "invoice",
        "charge",
        "refund",
        "card",
        "account",
        "payment",
        "digits",
        "dollars",
        "twelfth",
        "duplicate",
        "help",
        "calling",
        "thank you",
        "sorting",
        "quickly",
        "recognise",
        "look at",
        "confirm",
        "cancel",
        "manager",
    ];
    for q in queries {
        c.create_phrase_matcher(CreatePhraseMatcherRequest {
            parent: LOC.into(),
            phrase_matcher: Some(PhraseMatcher {
                display_name: q.into(),
                r#type: phrase_matcher::PhraseMatcherType::AnyOf as i32,
                active: true,
                phrase_match_rule_groups: vec![PhraseMatchRuleGroup {
                    r#type: phrase_match_rule_group::PhraseMatchRuleGroupType::AnyOf as i32,
                    phrase_match_rules: vec![PhraseMatchRule {
                        query: q.into(),
                        ..Default::default()
                    }],
                }],
                ..Default::default()
            }),
        })
        .await
        .expect("matcher");
    }
    for i in 0..ANALYSED {
        c.create_conversation(CreateConversationRequest {
            parent: LOC.into(),
            conversation: Some(Conversation {
                medium: conversation::Medium::Chat as i32,
                data_source: source(format!("gs://bench-transcripts/long/{i}.json")),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect("conversation");
    }
    let started = Instant::now();
    c.bulk_analyze_conversations(BulkAnalyzeConversationsRequest {
        parent: LOC.into(),
        analysis_percentage: 100.0,
        ..Default::default()
    })
    .await
    .expect("bulk analyze");
    let took = started.elapsed().as_secs_f64();
    println!(
        "analyses: {ANALYSED} conversations of 100 segments, 20 phrase matchers: {:.0} analyses/s ({took:.3} s)",
        ANALYSED as f64 / took
    );
}

async fn memory_of_kept_transcripts() {
    let mut builder = MockServer::builder().track_resources(true).record_limit(0);
    let mut json = 0;
    for i in 0..KEPT {
        let t = chat(20, i);
        json += t.len();
        builder = builder.object(&format!("gs://bench-transcripts/kept/{i}.json"), t);
    }
    let server = builder.start().await;
    let mut c = ContactCenterInsightsClient::new(server.channel());
    let before = rss::rss_mib();
    for i in 0..KEPT {
        c.create_conversation(CreateConversationRequest {
            parent: LOC.into(),
            conversation: Some(Conversation {
                data_source: source(format!("gs://bench-transcripts/kept/{i}.json")),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect("conversation");
    }
    let after = rss::rss_mib();
    let json_mib = json as f64 / (1 << 20) as f64;
    println!(
        "memory: {KEPT} conversations with 20-entry transcripts ({json_mib:.1} MiB of transcript JSON): resident set +{:.1} MiB = {:.2}x the JSON",
        after - before,
        (after - before) / json_mib
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    ingest_from_a_folder().await;
    analyses_with_20_matchers().await;
    memory_of_kept_transcripts().await;
}
