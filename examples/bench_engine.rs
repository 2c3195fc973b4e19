//! The emulator's resource engine: its memory for 100,000 conversations of about 2 KiB, and
//! GetConversation, ListConversations (100 a page) and GetOperation throughput from one client
//! over loopback TCP, with the store empty and then full.
//!
//! ```sh
//! cargo run --release --example bench_engine
//! ```
//!
//! Memory is the process's resident set before and after seeding (the client is idle then),
//! against the size of the same conversations as the REST API's JSON. GetOperation is timed on
//! two servers in the same process, one with no resources and one with the 100,000, in
//! alternating rounds (this host is noisy): operations must not get slower when resources fill
//! the store.

#[path = "support/rss.rs"]
mod rss;

use std::time::{Duration, Instant};

use ccai_lro::insights::InsightsClient;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    conversation::{self, transcript::TranscriptSegment, Transcript},
    Conversation, ConversationDataSource, GetConversationRequest, ListConversationsRequest,
};
use ccai_lro::Client;
use ccai_lro_mock::{MockServer, Script};

const CONVERSATIONS: usize = 100_000;
const LOC: &str = "projects/bench/locations/us-central1";
const OPERATION: &str = "projects/bench/locations/us-central1/operations/1";
const CALLS: usize = 20_000;
const IN_FLIGHT: usize = 32;

/// A conversation of about 2 KiB as JSON: a transcript of sixteen turns, labels, times.
fn conversation(i: usize) -> Conversation {
    let words = [
        "Thanks for calling, how can I help you today with your account?",
        "My last invoice shows a charge I do not recognise from the twelfth.",
        "Let me look at that for you; can you confirm the last four digits?",
        "Sure, they are four two one nine, and the charge was forty dollars.",
    ];
    Conversation {
        name: format!("{LOC}/conversations/c-{i:06}"),
        agent_id: format!("agent-{:04}", i % 500),
        medium: conversation::Medium::PhoneCall as i32,
        language_code: "en-US".into(),
        turn_count: 16,
        duration: Some(prost_types::Duration {
            seconds: 300 + (i % 600) as i64,
            nanos: 0,
        }),
        start_time: Some(prost_types::Timestamp {
            seconds: 1_760_000_000 + i as i64 * 60,
            nanos: 0,
        }),
        labels: [("queue", "billing"), ("region", "emea")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect(),
        data_source: Some(ConversationDataSource::default()),
        transcript: Some(Transcript {
            transcript_segments: (0..16)
                .map(|t| TranscriptSegment {
                    text: words[t % words.len()].into(),
                    confidence: 0.93,
                    channel_tag: (t % 2) as i32 + 1,
                    ..Default::default()
                })
                .collect(),
        }),
        ..Default::default()
    }
}

fn json_len(c: &Conversation) -> usize {
    use prost::Message;
    let Some(desc) = ccai_lro::registry::pool()
        .get_message_by_name("google.cloud.contactcenterinsights.v1.Conversation")
    else {
        return 0;
    };
    prost_reflect::DynamicMessage::decode(desc, c.encode_to_vec().as_slice())
        .ok()
        .and_then(|m| serde_json::to_string(&m).ok())
        .map_or(0, |s| s.len())
}

async fn throughput<F, Fut>(label: &str, calls: usize, f: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let started = Instant::now();
    let per_task = calls / IN_FLIGHT;
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let f = f.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    f().await;
                }
            })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
    let took = started.elapsed();
    let rate = (per_task * IN_FLIGHT) as f64 / took.as_secs_f64();
    if !label.is_empty() {
        println!(
            "{label}: {rate:.0} calls/s ({IN_FLIGHT} in flight, {} calls)",
            per_task * IN_FLIGHT
        );
    }
    rate
}

async fn get_operations(client: &Client, label: &str) -> f64 {
    let client = client.clone();
    throughput(label, CALLS, move || {
        let client = client.clone();
        async move {
            let _ = client.get_operation(OPERATION).await.expect("GetOperation");
        }
    })
    .await
}

/// A server on loopback with the one operation, and a client of it.
async fn server() -> (MockServer, Client) {
    let server = MockServer::builder()
        .record_limit(0)
        .track_resources(true)
        .start_tcp("127.0.0.1:0")
        .await
        .expect("bind");
    server.insert(OPERATION, Script::new().respond(&Conversation::default()));
    let client = Client::builder()
        .endpoint(format!("http://{}", server.local_addr().expect("addr")))
        .max_concurrent_polls(IN_FLIGHT)
        .build()
        .expect("client");
    (server, client)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (empty, empty_client) = server().await;
    let (server, client) = server().await;
    let insights = InsightsClient::new(client.clone());
    // Warm up connections and allocator.
    get_operations(&empty_client, "").await;
    get_operations(&client, "").await;

    let before = rss::rss_mib();
    let mut json = 0usize;
    for i in 0..CONVERSATIONS {
        let c = conversation(i);
        if i % 100 == 0 {
            json += json_len(&c) * 100;
        }
        server.seed(&c).expect("seed");
    }
    let after = rss::rss_mib();
    let json_mib = json as f64 / (1024.0 * 1024.0);
    println!(
        "memory: {CONVERSATIONS} conversations of {:.0} bytes of JSON each ({json_mib:.0} MiB as JSON): resident set {before:.0} -> {after:.0} MiB, +{:.0} MiB = {:.2}x their JSON",
        json as f64 / CONVERSATIONS as f64,
        after - before,
        (after - before) / json_mib
    );

    let (mut bare, mut full) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        bare.push(get_operations(&empty_client, "").await);
        full.push(get_operations(&client, "").await);
    }
    let (bare, full) = (median(bare), median(full));
    println!(
        "GetOperation, median of 5 alternating rounds: no resources {bare:.0} calls/s, 100,000 conversations {full:.0} calls/s (ratio {:.3})",
        full / bare
    );
    let get = insights.clone();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    throughput("GetConversation", CALLS, move || {
        let get = get.clone();
        // Spread over the store: a stride coprime with its size visits every conversation.
        let i = next.fetch_add(7_919, std::sync::atomic::Ordering::Relaxed) % CONVERSATIONS;
        async move {
            let name = format!("{LOC}/conversations/c-{i:06}");
            get.get_conversation(GetConversationRequest {
                name,
                ..Default::default()
            })
            .await
            .expect("GetConversation");
        }
    })
    .await;
    let list = insights.clone();
    throughput("ListConversations, 100 a page", CALLS / 20, move || {
        let list = list.clone();
        async move {
            let page = list
                .list_conversations(ListConversationsRequest {
                    parent: LOC.into(),
                    page_size: 100,
                    ..Default::default()
                })
                .await
                .expect("ListConversations");
            assert_eq!(page.conversations.len(), 100);
        }
    })
    .await;
    let filtered = insights.clone();
    throughput(
        "ListConversations, 100 a page, filter agent_id (1 in 500)",
        CALLS / 200,
        move || {
            let filtered = filtered.clone();
            async move {
                filtered
                    .list_conversations(ListConversationsRequest {
                        parent: LOC.into(),
                        page_size: 100,
                        filter: "agent_id = \"agent-0007\"".into(),
                        ..Default::default()
                    })
                    .await
                    .expect("ListConversations");
            }
        },
    )
    .await;
    drop(empty);
    tokio::time::sleep(Duration::from_millis(10)).await;
}
