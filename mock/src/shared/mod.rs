//! State shared by the services, in named parts: the operations ([`Operations`]), the
//! resources ([`Resources`]), admission and its limits ([`Admission`]) and what was recorded
//! ([`Recordings`]). The paths that hold two of them are here, and take their locks in the
//! one order [`crate::lock`] states and checks: the operations store, then the engine, then
//! the notifications record.

mod admission;
mod operations;
mod recordings;
mod resources;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tonic::{Request, Status};

use crate::clock::Clock;
use crate::engine::{Engine, Outcome};
use crate::lock::Ordered;
use crate::operations::script::Script;
use crate::operations::{start::Start, store::Store};
use ccai_lro::proto::google::longrunning::operation::Result as Done;

pub(crate) use admission::Admission;
pub(crate) use operations::Operations;
pub(crate) use recordings::Recordings;
pub(crate) use resources::Resources;

/// A per-method script function, see [`MockServerBuilder::script_for`](crate::MockServerBuilder::script_for).
pub(crate) type ScriptFn = Arc<dyn Fn(&Start) -> Script + Send + Sync>;

/// A scripted answer of an RPC (see [`MockServer::answer`](crate::MockServer::answer)): the
/// encoded request in, the encoded answer out.
pub(crate) type AnswerFn = Arc<dyn Fn(&[u8]) -> Result<Vec<u8>, Status> + Send + Sync>;

/// How the server behaves where the service leaves room, set on the builder.
#[derive(Clone, Debug)]
pub(crate) struct Behaviour {
    /// DeleteOperation and WaitOperation implemented instead of UNIMPLEMENTED.
    pub(crate) delete_and_wait: bool,
    /// ListOperations answers as if no filter had been sent, as some servers do.
    pub(crate) ignore_filters: bool,
    /// The largest ListOperations page, whatever the client asks for.
    pub(crate) max_page_size: usize,
    /// How long an operation started by an Insights RPC runs (default scripts).
    pub(crate) op_duration: Duration,
    /// The most operations held; creating more answers RESOURCE_EXHAUSTED.
    pub(crate) max_operations: usize,
    /// The most TCP connections open at once.
    pub(crate) max_connections: usize,
    /// How long a TCP client has to begin a protocol (its TLS handshake included).
    pub(crate) handshake_timeout: Duration,
    /// TLS on TCP connections, if configured.
    pub(crate) tls: Option<crate::transport::tls::TlsConfig>,
    /// HTTP/2 streams one connection may have open at once (the SETTINGS the server sends).
    pub(crate) max_streams: u32,
    /// Issue models and conversations exist, and starters check them (the emulator's way);
    /// off, starters accept any well-formed name (scripted tests' way).
    pub(crate) track_resources: bool,
}

/// The server's state. Paths that hold two parts take their locks in one order: the operations
/// store ([`Operations::store`]), then the engine ([`Resources::engine`]), then the
/// notifications record ([`Recordings::deliver`]); every other lock is a leaf. `crate::lock`
/// checks the order on every take in debug builds.
pub(crate) struct Shared {
    pub(crate) clock: Clock,
    pub(crate) behaviour: Behaviour,
    pub(crate) operations: Operations,
    pub(crate) resources: Resources,
    pub(crate) admission: Admission,
    pub(crate) recordings: Recordings,
    /// Notified by `POST /shutdown`: the serving loop ends.
    pub(crate) shutdown: Notify,
    /// Woken on every change a WaitOperation might be waiting for.
    pub(crate) changed: Notify,
}

impl Shared {
    pub(crate) fn new(
        clock: Clock,
        behaviour: Behaviour,
        operations: Operations,
        resources: Resources,
        admission: Admission,
        recordings: Recordings,
    ) -> Self {
        Self {
            clock,
            behaviour,
            operations,
            resources,
            admission,
            recordings,
            shutdown: Notify::new(),
            changed: Notify::new(),
        }
    }

    /// The engine, with the moves of operations that have ended settled. Takes the operation
    /// store's lock first, as every path that holds both does.
    pub(crate) fn settled_engine(&self) -> Ordered<'_, Engine> {
        let now = Instant::now();
        let store = self.operations.store();
        let mut engine = self.resources.engine();
        self.settle(&store, &mut engine, now);
        self.deliver(&mut engine);
        engine
    }

    /// Settles `engine` with the operations as they stand at `now`: what that made happen
    /// (analyses stored, uploads and ingests ended) waits in its outbox for [`Shared::deliver`],
    /// which the caller runs once it is done with the engine.
    pub(crate) fn settle(&self, store: &Store, engine: &mut Engine, now: Instant) {
        engine.settle(&|op| outcome(store, op, now));
        for (op, watched) in std::mem::take(&mut engine.ended) {
            if let Some(entry) = store.get(&op) {
                let json = ccai_lro::json::operation_to_json(&entry.render(now));
                let notes = crate::notify::messages(&watched.settings, watched.trigger, &op, &json);
                engine.outbox.extend(notes);
            }
        }
    }

    /// Records the notifications in `engine`'s outbox and queues them for Pub/Sub; never
    /// waits (a full queue drops and counts).
    pub(crate) fn deliver(&self, engine: &mut Engine) {
        if !engine.outbox.is_empty() {
            self.recordings.deliver(engine.outbox.drain(..));
        }
    }

    /// Admission (see [`Admission::admit`]), recording into this server's recordings.
    pub(crate) async fn admit<T: prost::Message + prost::Name>(
        &self,
        method: &'static str,
        resource: &str,
        request: &Request<T>,
    ) -> Result<(), Status> {
        self.admission
            .admit(&self.recordings, method, resource, request)
            .await
    }
}

/// Where the operation `name` stands, for the resource it moves: the engine learns it from
/// here, where both stores are held, so that the operations need not know the engine.
pub(crate) fn outcome(store: &Store, name: &str, now: Instant) -> Outcome {
    match store.get(name).map(|e| e.render(now)) {
        None => Outcome::Gone,
        Some(op) if !op.done => Outcome::Running,
        Some(op) if matches!(op.result, Some(Done::Response(_))) => Outcome::Succeeded,
        Some(_) => Outcome::Failed,
    }
}

/// The numeric id a name ends with, if it ends with one (server-assigned ids are numbers).
pub(crate) fn numeric_id(name: &str) -> Option<u64> {
    name.rsplit('/').next()?.parse().ok()
}
