//! The 17 Insights RPCs that start operations.
//!
//! Each starter validates the resource its request names, derives the location
//! (`projects/{p}/locations/{l}`) its operation lives under, picks the script (an override from
//! [`MockServerBuilder::script_for`](super::MockServerBuilder::script_for), else the
//! [default](super::defaults::script)), stores the operation and returns its first view.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use prost::{Message, Name};
use tokio::time::Instant;
use tonic::{Request, Response, Status};

use super::resources::Outcome;
use super::script::pack;
use super::shared::Shared;
use super::start::Start;
use super::{defaults, names};
use ccai_lro::insights_lro_rpcs;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::contact_center_insights_server::ContactCenterInsights;
use ccai_lro::proto::google::cloud::contactcenterinsights::v1::*;
use ccai_lro::proto::google::longrunning::Operation;

/// The most request bytes all operations together keep (see SECURITY.md).
pub const MAX_HELD_BYTES: u64 = 256 << 20;

pub(crate) struct InsightsService(pub(crate) Arc<Shared>);

impl InsightsService {
    async fn start<T: Message + Name>(
        &self,
        method: &'static str,
        field: &str,
        resource: String,
        request: Request<T>,
    ) -> Result<Response<Operation>, Status> {
        let shared = &self.0;
        shared.admit(method, &resource, &request).await?;
        let location = names::location_of(field, &resource)?.to_owned();
        let max = shared.behaviour.max_operations;
        if shared.store().len() >= max {
            return Err(Status::resource_exhausted(format!(
                "the emulator holds {max} operations, its limit: restart it, POST /reset, or \
                 raise --max-operations"
            )));
        }
        let id = shared.next_id();
        let operation = format!("{location}/operations/{id}");
        let start = Start {
            method,
            request: pack(request.get_ref()),
            resource,
            location,
            id,
            operation,
            created: shared.clock.now(),
        };
        // Run the user's script function without holding any lock (its script is dropped if
        // the start is refused).
        let script = match shared.script_fn(method) {
            Some(f) => f(&start),
            None => defaults::script_over(&start, shared.behaviour.op_duration),
        };
        let now = Instant::now();
        let op = {
            // Lock order: the store, then the resources (`/reset` takes them one at a time).
            // One hold for the checks, the move, the bytes and the insert: a concurrent start
            // sees either none of them or all, and a refused start keeps nothing.
            let mut store = shared.store();
            // What the operation keeps of the request (echoed in its metadata, and in its
            // response for some RPCs): bounded in all, whatever the size of each request.
            let weight = 2 * start.request.value.len() as u64;
            if shared.held_bytes.load(Ordering::Relaxed) + weight > MAX_HELD_BYTES {
                return Err(Status::resource_exhausted(format!(
                    "the emulator holds {} MiB of requests, its limit: POST /reset",
                    MAX_HELD_BYTES >> 20
                )));
            }
            if shared.behaviour.track_resources {
                let outcome = |op: &str| store.get(op).map_or(Outcome::Gone, |e| e.outcome(now));
                shared.resources().start(&start, &outcome)?;
            }
            shared.held_bytes.fetch_add(weight, Ordering::Relaxed);
            store.insert(&start.operation, &start.location, script, now);
            store.get(&start.operation).map(|e| e.render(now))
        };
        shared.changed.notify_waiters();
        op.map(Response::new)
            .ok_or_else(|| Status::internal("operation vanished while being created"))
    }
}

/// One trait method per row of the RPC table (`crate::rpcs`); the row's resource is what the
/// starter records and derives the operation's location from.
macro_rules! starters {
    ($(
        $(#[$doc:meta])*
        $fn:ident, $rpc:literal, $req:ty => $alias:ident<$resp:ty, $meta:ty>,
        route $key:literal = |$r:ident| $value:expr, $pattern:expr;
    )*) => {
        #[tonic::async_trait]
        impl ContactCenterInsights for InsightsService {
            $(
                async fn $fn(
                    &self,
                    request: Request<$req>,
                ) -> Result<Response<Operation>, Status> {
                    // Bound as `&str` first: async_trait re-parses `$value` and would
                    // otherwise apply `.to_owned()` inside its leading `&`.
                    let resource = {
                        let $r = request.get_ref();
                        let resource: &str = $value;
                        resource.to_owned()
                    };
                    self.start($rpc, $key, resource, request).await
                }
            )*
        }
    };
}

insights_lro_rpcs!(starters);
