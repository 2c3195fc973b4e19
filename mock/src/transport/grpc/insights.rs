//! The 17 Insights RPCs that start operations.
//!
//! Each starter validates the resource its request names, derives the location
//! (`projects/{p}/locations/{l}`) its operation lives under, picks the script (an override from
//! [`MockServerBuilder::script_for`](crate::MockServerBuilder::script_for), else the
//! [default](crate::default_script)), stores the operation and returns its first view.

use std::sync::Arc;

use prost::{Message, Name};
use tokio::time::Instant;
use tonic::{Request, Response, Status};

use crate::data::fetch;
use crate::engine::Ctx;
use crate::names;
use crate::operations::{defaults, script::pack, start::Start};
use crate::shared::Shared;
use ccai_lro::proto::google::longrunning::Operation;
use ccai_lro::rpc::Rpc;

/// The most request bytes all operations together keep (see SECURITY.md).
pub const MAX_HELD_BYTES: u64 = 256 << 20;

pub(crate) struct InsightsService(pub(crate) Arc<Shared>);

impl InsightsService {
    /// Serves an RPC that answers at once from the resource engine, after admission. The
    /// request's routing value is the resource the call records.
    pub(crate) async fn serve<T: Rpc + Name>(
        &self,
        request: Request<T>,
    ) -> Result<Response<T::Response>, Status> {
        let method = T::METHOD.name;
        let shared = &self.0;
        shared
            .admit(method, request.get_ref().routing_value(), &request)
            .await?;
        let bytes = request.get_ref().encode_to_vec();
        let scripted = shared.resources.answer_for(method);
        if let Some(answer) = scripted {
            let answer = answer(&bytes)?;
            return T::Response::decode(answer.as_slice())
                .map(Response::new)
                .map_err(|e| Status::internal(format!("scripted {method} answer: {e}")));
        }
        let now = shared.clock.now();
        // Storage is read before the engine's lock: a slow storage server holds this call only.
        let fetched = fetch::for_request(shared.resources.storage(), method, &bytes, now).await?;
        let ctx = Ctx {
            now,
            next_id: &|| shared.operations.next_id(),
            draw: &|| shared.resources.draw(),
            fetched: &fetched,
        };
        let answer = {
            let mut engine = shared.settled_engine();
            let answer = engine.call(method, &bytes, &ctx);
            shared.deliver(&mut engine);
            answer
        };
        let answer = answer.unwrap_or_else(|| {
            Err(Status::unimplemented(format!(
                "the emulator does not serve {method} yet"
            )))
        })?;
        T::Response::decode(answer.as_slice())
            .map(Response::new)
            .map_err(|e| Status::internal(format!("{method} answer does not decode: {e}")))
    }

    /// Starts the operation of an RPC that starts one, after admission: the routing value is
    /// the resource it records and derives the operation's location from.
    pub(crate) async fn start<T: Rpc + Name>(
        &self,
        request: Request<T>,
    ) -> Result<Response<Operation>, Status> {
        let (method, field, patterns) =
            (T::METHOD.name, T::METHOD.routing_field, T::METHOD.patterns);
        let resource = request.get_ref().routing_value().to_owned();
        let shared = &self.0;
        shared.admit(method, &resource, &request).await?;
        let location = names::location_of(field, &resource)?.to_owned();
        // The RPC's own patterns, as the service checks them: a parent or name of another
        // shape would otherwise make resources no Get can reach.
        if !patterns
            .iter()
            .any(|p| ccai_lro::name::walk(&resource, p, |_| {}).is_ok())
        {
            return Err(Status::invalid_argument(format!(
                "invalid {field} {}: expected {}",
                names::quote(&resource),
                patterns.join(" or ")
            )));
        }
        let max = shared.behaviour.max_operations;
        if shared.operations.store().len() >= max {
            return Err(Status::resource_exhausted(format!(
                "the emulator holds {max} operations, its limit: restart it, POST /reset, or \
                 raise --max-operations"
            )));
        }
        let id = shared.operations.next_id();
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
        let user_script = shared.operations.script_fn(method).map(|f| f(&start));
        // Storage is read before any lock; an object that cannot be read or parsed ends the
        // operation with that status, and nothing is made.
        let (fetched, unreadable) = match fetch::for_request(
            shared.resources.storage(),
            method,
            &start.request.value,
            start.created,
        )
        .await
        {
            Ok(fetched) => (fetched, None),
            Err(status) => (fetch::Fetched::none(), Some(status)),
        };
        let now = Instant::now();
        let op = {
            // Lock order: the store, then the resources (`/reset` takes them one at a time).
            // One hold for the checks, the move, the bytes and the insert: a concurrent start
            // sees either none of them or all, and a refused start keeps nothing.
            let mut store = shared.operations.store();
            // What the operation keeps of the request (echoed in its metadata, and in its
            // response for some RPCs): bounded in all, whatever the size of each request.
            let weight = 2 * start.request.value.len() as u64;
            if shared.operations.held_bytes() + weight > MAX_HELD_BYTES {
                return Err(Status::resource_exhausted(format!(
                    "the emulator holds {} MiB of requests, its limit: POST /reset",
                    MAX_HELD_BYTES >> 20
                )));
            }
            let duration = shared.behaviour.op_duration;
            let mut watched = false;
            let mut started = crate::engine::Started {
                failure: unreadable,
                ..Default::default()
            };
            if shared.behaviour.track_resources && started.failure.is_none() {
                let mut engine = shared.resources.engine();
                shared.settle(&store, &mut engine, now);
                let ctx = Ctx {
                    now: start.created,
                    next_id: &|| shared.operations.next_id(),
                    draw: &|| shared.resources.draw(),
                    fetched: &fetched,
                };
                started = engine.start(&start, &defaults::end_of(&start, duration), &ctx)?;
                shared.deliver(&mut engine);
                watched = engine.is_waiting_for(&start.operation);
            }
            // The default script answers with what the resources decided.
            let script = user_script.unwrap_or_else(|| {
                let answering = defaults::script_answering(
                    &start,
                    duration,
                    started.response,
                    &started.metadata,
                );
                match &started.failure {
                    Some(status) => answering.fail_status(ccai_lro::proto::google::rpc::Status {
                        code: status.code() as i32,
                        message: status.message().to_owned(),
                        details: Vec::new(),
                    }),
                    None => answering,
                }
            });
            shared.operations.hold(weight);
            // What the engine does when this operation ends (an analysis stored, an upload's
            // notification) happens when it is next settled: at the operation's end, if its
            // script ends by the clock, rather than at the next read.
            if let (true, Some(ends)) = (watched, script.duration()) {
                let shared = shared.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(ends + std::time::Duration::from_millis(1)).await;
                    drop(shared.settled_engine());
                });
            }
            store.insert(&start.operation, &start.location, script, now);
            store.get(&start.operation).map(|e| e.render(now))
        };
        shared.changed.notify_waiters();
        op.map(Response::new)
            .ok_or_else(|| Status::internal("operation vanished while being created"))
    }
}
