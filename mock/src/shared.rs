//! State shared by the services, and the admission every call goes through first:
//! record → latency → injected fault → bearer check.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tonic::{Request, Status};

use crate::clock::Clock;
use crate::connection::ConnHandle;
use crate::engine::{Engine, Outcome};
use crate::faults::{Fault, Faults};
use crate::lock::lock;
use crate::operations::script::{pack, Script};
use crate::operations::{start::Start, store::Store};
use crate::record::{headers, RecordedRequest, Recorder, MAX_RECORDED_REQUEST};
use ccai_lro::proto::google::longrunning::operation::Result as Done;
use ccai_lro::proto::google::rpc::{Code, ErrorInfo};
use ccai_lro::status::to_tonic;

/// A per-method script function, see [`MockServerBuilder::script_for`](crate::MockServerBuilder::script_for).
pub(crate) type ScriptFn = Arc<dyn Fn(&Start) -> Script + Send + Sync>;

/// A scripted answer of an RPC (see [`MockServer::answer`](crate::MockServer::answer)): the
/// encoded request in, the encoded answer out.
pub(crate) type AnswerFn = Arc<dyn Fn(&[u8]) -> Result<Vec<u8>, Status> + Send + Sync>;

/// Operation ids look like the service's: 19 decimal digits.
const FIRST_ID: u64 = 4_000_000_000_000_000_000;

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

pub(crate) struct Shared {
    pub(crate) clock: Clock,
    pub(crate) bearer: Option<String>,
    pub(crate) behaviour: Behaviour,
    /// Notified by `POST /shutdown`: the serving loop ends.
    pub(crate) shutdown: Notify,
    /// Bytes of requests the operations keep (echoed in metadata and responses), for the cap.
    pub(crate) held_bytes: AtomicU64,
    pub(crate) store: Mutex<Store>,
    pub(crate) engine: Mutex<Engine>,
    /// Draws for what the emulator decides by chance (BulkAnalyze's share), seeded.
    pub(crate) rng: Mutex<fastrand::Rng>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) recorder: Mutex<Recorder>,
    pub(crate) scripts: Mutex<HashMap<String, ScriptFn>>,
    /// Scripted answers by RPC name, served instead of the resource engine.
    pub(crate) answers: Mutex<HashMap<String, AnswerFn>>,
    /// Woken on every change a WaitOperation might be waiting for.
    pub(crate) changed: Notify,
    /// Requests under way, and the most there have been at once.
    pub(crate) in_flight: std::sync::atomic::AtomicUsize,
    pub(crate) peak_in_flight: std::sync::atomic::AtomicUsize,
    /// Where `gs://` objects are read from (transcripts); read before any lock is taken.
    pub(crate) storage: crate::data::storage::Storage,
    /// The notifications delivered, the latest kept. Lock order: the operations store, the
    /// engine, then this (delivery happens while the engine is held).
    pub(crate) notifications: Mutex<crate::notify::Record>,
    /// The queue to the Pub/Sub emulator, when one is configured.
    pub(crate) publisher: Option<crate::notify::publish::Publisher>,
    next_id: AtomicU64,
}

impl Shared {
    pub(crate) fn new(
        clock: Clock,
        bearer: Option<String>,
        behaviour: Behaviour,
        faults: Faults,
        recorder: Recorder,
        scripts: HashMap<String, ScriptFn>,
        seed: u64,
    ) -> Self {
        Self {
            clock,
            bearer,
            behaviour,
            shutdown: Notify::new(),
            held_bytes: AtomicU64::new(0),
            store: Mutex::new(Store::default()),
            engine: Mutex::new(Engine::default()),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            faults: Mutex::new(faults),
            recorder: Mutex::new(recorder),
            scripts: Mutex::new(scripts),
            answers: Mutex::new(HashMap::new()),
            changed: Notify::new(),
            in_flight: std::sync::atomic::AtomicUsize::new(0),
            peak_in_flight: std::sync::atomic::AtomicUsize::new(0),
            storage: crate::data::storage::Storage::default(),
            notifications: Mutex::new(crate::notify::Record::default()),
            publisher: None,
            next_id: AtomicU64::new(FIRST_ID),
        }
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    pub(crate) fn engine(&self) -> MutexGuard<'_, Engine> {
        lock(&self.engine)
    }

    /// The next draw of the seeded generator, in [0, 1).
    pub(crate) fn draw(&self) -> f64 {
        lock(&self.rng).f64()
    }

    /// The engine, with the moves of operations that have ended settled. Takes the operation
    /// store's lock first, as every path that holds both does.
    pub(crate) fn settled_engine(&self) -> MutexGuard<'_, Engine> {
        let now = Instant::now();
        let store = self.store();
        let mut engine = self.engine();
        self.settle(&store, &mut engine, now);
        engine
    }

    /// Settles `engine` with the operations as they stand at `now`, and delivers what that
    /// made happen (analyses stored, uploads and ingests ended).
    pub(crate) fn settle(&self, store: &Store, engine: &mut Engine, now: Instant) {
        engine.settle(&|op| outcome(store, op, now));
        for (op, watched) in std::mem::take(&mut engine.ended) {
            if let Some(entry) = store.get(&op) {
                let json = ccai_lro::json::operation_to_json(&entry.render(now));
                let notes = crate::notify::messages(&watched.settings, watched.trigger, &op, &json);
                engine.outbox.extend(notes);
            }
        }
        self.deliver(engine);
    }

    /// Records the notifications in `engine`'s outbox and queues them for Pub/Sub; never
    /// waits (a full queue drops and counts).
    pub(crate) fn deliver(&self, engine: &mut Engine) {
        if engine.outbox.is_empty() {
            return;
        }
        let mut record = lock(&self.notifications);
        for n in engine.outbox.drain(..) {
            record.push(n.clone());
            if let Some(publisher) = &self.publisher {
                publisher.send(n);
            }
        }
    }

    /// Makes the next id larger than `id`.
    pub(crate) fn ids_past(&self, id: u64) {
        self.next_id
            .fetch_max(id.saturating_add(1), Ordering::Relaxed);
    }

    pub(crate) fn next_id(&self) -> String {
        self.next_id.fetch_add(1, Ordering::Relaxed).to_string()
    }

    pub(crate) fn script_fn(&self, method: &str) -> Option<ScriptFn> {
        lock(&self.scripts).get(method).cloned()
    }

    /// Everything a call goes through before its handler: recorded, delayed, maybe failed,
    /// and authenticated.
    pub(crate) async fn admit<T: prost::Message + prost::Name>(
        &self,
        method: &'static str,
        resource: &str,
        request: &Request<T>,
    ) -> Result<(), Status> {
        {
            let mut recorder = lock(&self.recorder);
            // With recording off (benchmarks), not even the header strings are built.
            if recorder.enabled() {
                recorder.push(RecordedRequest {
                    method,
                    // A bounded copy: records must not keep what a client made huge.
                    resource: resource.chars().take(crate::names::MAX_NAME_LEN).collect(),
                    headers: headers(request.metadata()),
                    at: Instant::now(),
                    request_len: request.get_ref().encoded_len(),
                    request: (request.get_ref().encoded_len() <= MAX_RECORDED_REQUEST)
                        .then(|| pack(request.get_ref())),
                });
            }
        }
        let (delay, fault) = lock(&self.faults).decide(method);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        match fault {
            Fault::Ok => {}
            Fault::DropConnection => return Err(drop_connection(request).await),
            other => {
                if let Some(status) = other.to_rpc_status() {
                    return Err(to_tonic(&status));
                }
            }
        }
        if let Some(token) = &self.bearer {
            self.check_bearer(token, request)?;
        }
        Ok(())
    }

    /// The bearer check alone, for callers that admit nothing else (the admin endpoints):
    /// nothing to check when the server requires no token.
    pub(crate) fn check_bearer_of<T>(&self, request: &Request<T>) -> Result<(), Status> {
        match &self.bearer {
            Some(token) => self.check_bearer(token, request),
            None => Ok(()),
        }
    }

    fn check_bearer<T>(&self, token: &str, request: &Request<T>) -> Result<(), Status> {
        let sent = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        let reason = match sent {
            None => "CREDENTIALS_MISSING",
            Some(v) if v.strip_prefix("Bearer ") == Some(token) => return Ok(()),
            Some(_) => "ACCESS_TOKEN_TYPE_UNSUPPORTED",
        };
        Err(to_tonic(&ccai_lro::proto::google::rpc::Status {
            code: Code::Unauthenticated as i32,
            message: "Request had invalid authentication credentials. Expected OAuth 2 access \
                      token, login cookie or other valid authentication credential."
                .into(),
            details: vec![pack(&ErrorInfo {
                reason: reason.into(),
                domain: "googleapis.com".into(),
                metadata: HashMap::from([(
                    "service".to_owned(),
                    "contactcenterinsights.googleapis.com".to_owned(),
                )]),
            })],
        }))
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

/// Kills the connection the request came on and never answers: the handler is dropped with
/// the connection. The status is only a fallback should the connection survive.
async fn drop_connection<T>(request: &Request<T>) -> Status {
    if let Some(conn) = request.extensions().get::<ConnHandle>() {
        conn.kill();
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    Status::unavailable("connection dropped by the mock server")
}
