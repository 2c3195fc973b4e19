//! The mock at 100,000 operations: memory per stored operation, and ListOperations pages that
//! cost O(page) wherever they start.
//!
//! Memory is measured with a counting global allocator: live heap bytes after inserting the
//! operations minus before, divided by their number. It includes the map nodes, the index, the
//! names and the allocator-visible slack of both maps' growth, but not allocator overhead
//! below `alloc` (malloc headers, fragmentation).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{
    issue_model, CreateIssueModelRequest, DeployIssueModelMetadata, DeployIssueModelResponse,
    IssueModel,
};
use ccai_lro::proto::google::longrunning::{
    operations_client::OperationsClient, GetOperationRequest, ListOperationsRequest,
};
use ccai_lro_mock::{default_script, MockServer, Script, Start};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const N: usize = 100_000;

/// The live-byte counter is process-wide: measurements must not overlap.
static MEASURING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const LOC: &str = "projects/p/locations/us-central1";

#[tokio::test(flavor = "current_thread")]
async fn hundred_thousand_operations() {
    let _measuring = MEASURING.lock().await;
    let server = MockServer::start().await;
    // One script shared by all operations, as a test pre-loading many would do.
    let script = Script::new()
        .metadata(&DeployIssueModelMetadata::default())
        .respond(&DeployIssueModelResponse::default());
    let names: Vec<String> = (0..N)
        .map(|i| {
            format!(
                "{LOC}/operations/{:019}",
                4_000_000_000_000_000_000u64 + i as u64
            )
        })
        .collect();

    let before = LIVE.load(Ordering::Relaxed);
    let t = Instant::now();
    for n in &names {
        server.insert(n, script.clone());
    }
    let insert_time = t.elapsed();
    let bytes = LIVE.load(Ordering::Relaxed) - before;
    let per_op = bytes as f64 / N as f64;
    eprintln!(
        "{N} operations: {bytes} live heap bytes, {per_op:.0} bytes/op (name {} bytes), inserted in {insert_time:?}",
        names[0].len()
    );
    assert_eq!(server.len(), N);
    assert!(per_op < 400.0, "{per_op} bytes per operation");

    let mut c = OperationsClient::new(server.channel());
    let mut token = String::new();
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let page = c
            .list_operations(ListOperationsRequest {
                name: LOC.into(),
                page_size: 1000,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        times.push(t.elapsed());
        assert_eq!(page.operations.len(), 1000);
        token = page.next_page_token;
        assert!(!token.is_empty());
    }
    eprintln!("pages of 1000 over {N}: {times:?}");
    // Generous bound for debug builds on a loaded machine: a page that scanned all 100k
    // operations and rendered them would take far longer.
    assert!(
        times.iter().all(|t| *t < Duration::from_secs(2)),
        "{times:?}"
    );

    // Get stays O(log n) too: the last operation inserted.
    let t = Instant::now();
    let last = c
        .get_operation(GetOperationRequest {
            name: names[N - 1].clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(last.done, "one step, so the first poll finishes it");
    eprintln!("get of the last of {N}: {:?}", t.elapsed());
}

/// What an operation created by a starter costs: each has its own default script (metadata
/// echoing the request, the final IssueModel), so it is much bigger than a shared script.
#[tokio::test(flavor = "current_thread")]
async fn default_script_operations() {
    const M: usize = 10_000;
    let _measuring = MEASURING.lock().await;
    let server = MockServer::start().await;
    let request = CreateIssueModelRequest {
        parent: LOC.into(),
        issue_model: Some(IssueModel {
            display_name: "Churn drivers".into(),
            input_data_config: Some(issue_model::InputDataConfig {
                filter: "medium=\"CHAT\"".into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
    };
    let starts: Vec<Start> = (0..M)
        .map(|i| {
            let id = format!("{:019}", 5_000_000_000_000_000_000u64 + i as u64);
            Start {
                method: "CreateIssueModel",
                request: prost_types::Any::from_msg(&request).unwrap(),
                resource: LOC.into(),
                location: LOC.into(),
                operation: format!("{LOC}/operations/{id}"),
                id,
                created: prost_types::Timestamp::default(),
            }
        })
        .collect();
    // Warm up: the descriptor pool behind default scripts is decoded once, on first use.
    drop(default_script(&starts[0]));
    let before = LIVE.load(Ordering::Relaxed);
    for start in &starts {
        server.insert(&start.operation, default_script(start));
    }
    let per_op = (LIVE.load(Ordering::Relaxed) - before) as f64 / M as f64;
    eprintln!("{M} CreateIssueModel operations with default scripts: {per_op:.0} bytes/op");
    assert!(per_op < 8192.0, "{per_op}");
}
