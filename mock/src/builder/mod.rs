//! [`MockServerBuilder`]: what a server is configured with. Serving the standalone emulator is
//! in `serve.rs`.

mod serve;

pub use serve::{serve, ServeError, SHUTDOWN_GRACE};

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::net::TcpListener;

use crate::admin::state::SavedState;
use crate::clock::Clock;
use crate::data::storage::Storage;
use crate::faults::{Fault, Faults, Latency};
use crate::operations::defaults::{STEP as DEFAULT_STEP, STEPS as DEFAULT_STEPS};
use crate::operations::{script::Script, start::Start};
use crate::record::Recorder;
use crate::server::{MockServer, DEFAULT_MAX_OPERATIONS, DEFAULT_RECORD_LIMIT, DEFAULT_SEED};
use crate::shared::{Admission, Behaviour, Operations, Recordings, Resources, ScriptFn, Shared};

impl MockServer {
    /// Starts a server with the defaults on the in-memory transport.
    pub async fn start() -> MockServer {
        MockServerBuilder::default().start().await
    }

    /// Starts a server with the defaults on the in-memory transport and on `127.0.0.1:0`.
    pub async fn start_tcp() -> io::Result<MockServer> {
        MockServerBuilder::default().start_tcp("127.0.0.1:0").await
    }

    /// A builder to configure faults, auth, scripts and more.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }
}

/// Configures a [`MockServer`] (or an emulator started with [`MockServerBuilder::serve`]).
///
/// ```
/// use std::time::Duration;
/// use ccai_lro_mock::{method, Fault, Latency, MockServer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = MockServer::builder()
///     .seed(7)
///     .require_bearer("test-token")
///     .fail_sequence(method::GET_OPERATION, [Fault::Unavailable, Fault::Ok])
///     .latency(method::ALL, Latency::Fixed(Duration::from_millis(5)))
///     .start()
///     .await;
/// # drop(server);
/// # }
/// ```
pub struct MockServerBuilder {
    seed: u64,
    bearer: Option<String>,
    behaviour: Behaviour,
    epoch: Option<SystemTime>,
    record_limit: usize,
    scripts: HashMap<String, ScriptFn>,
    faults: Faults,
    state: Option<SavedState>,
    export_on_exit: Option<PathBuf>,
    storage: Storage,
    min_training_conversations: i64,
    pubsub: Option<String>,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            seed: DEFAULT_SEED,
            bearer: None,
            behaviour: Behaviour {
                delete_and_wait: false,
                ignore_filters: false,
                max_page_size: crate::transport::grpc::operations::MAX_PAGE_SIZE,
                op_duration: DEFAULT_STEP.saturating_mul(DEFAULT_STEPS),
                max_operations: DEFAULT_MAX_OPERATIONS,
                max_connections: crate::transport::router::MAX_CONNECTIONS,
                handshake_timeout: crate::transport::router::HANDSHAKE_TIMEOUT,
                tls: None,
                max_streams: crate::transport::router::MAX_STREAMS,
                track_resources: false,
            },
            epoch: None,
            record_limit: DEFAULT_RECORD_LIMIT,
            scripts: HashMap::new(),
            faults: Faults::new(DEFAULT_SEED),
            state: None,
            export_on_exit: None,
            storage: Storage::default(),
            min_training_conversations: 0,
            pubsub: None,
        }
    }
}

impl std::fmt::Debug for MockServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServerBuilder")
            .field("seed", &self.seed)
            .field("require_bearer", &self.bearer.is_some())
            .field("behaviour", &self.behaviour)
            .field("scripts", &self.scripts.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl MockServerBuilder {
    /// Seeds the PRNG behind failure rates and latency ranges.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self.faults.reseed(seed);
        self
    }

    /// Answers `UNAUTHENTICATED` (with a `google.rpc.ErrorInfo`) to any call without the header
    /// `authorization: Bearer <token>`.
    pub fn require_bearer(mut self, token: impl Into<String>) -> Self {
        self.bearer = Some(token.into());
        self
    }

    /// Implements DeleteOperation and WaitOperation with their AIP-151 semantics instead of
    /// answering `UNIMPLEMENTED` as Insights does.
    pub fn delete_and_wait(mut self, enabled: bool) -> Self {
        self.behaviour.delete_and_wait = enabled;
        self
    }

    /// Makes ListOperations ignore its `filter` (every operation is listed), as some servers
    /// do; clients must match results by name rather than trust the filter.
    pub fn ignore_filters(mut self, ignore: bool) -> Self {
        self.behaviour.ignore_filters = ignore;
        self
    }

    /// Caps ListOperations pages at `size` operations (default 1,000, as Insights), so pages
    /// end before the client's `page_size`.
    pub fn max_page_size(mut self, size: usize) -> Self {
        self.behaviour.max_page_size = size.max(1);
        self
    }

    /// How long operations started by the Insights RPCs run before their response (default
    /// 2 s, in [`DEFAULT_STEPS`] metadata steps); scripts given by [`script_for`](Self::script_for)
    /// keep their own timing.
    pub fn op_duration(mut self, duration: Duration) -> Self {
        self.behaviour.op_duration = duration;
        self
    }

    /// Keeps the resources operations make (issue models, conversations) and refuses what the
    /// service would: NOT_FOUND for an unknown model or conversation, FAILED_PRECONDITION to
    /// delete a deployed model. Off by default, so scripted tests may name anything; the
    /// emulator ([`serve`]) turns it on.
    pub fn track_resources(mut self, yes: bool) -> Self {
        self.behaviour.track_resources = yes;
        self
    }

    /// The most operations the server holds (default [`DEFAULT_MAX_OPERATIONS`]); starting
    /// another answers RESOURCE_EXHAUSTED, so memory stays bounded.
    pub fn max_operations(mut self, n: usize) -> Self {
        self.behaviour.max_operations = n;
        self
    }

    /// The most TCP connections open at once (default [`MAX_CONNECTIONS`](crate::limits::MAX_CONNECTIONS),
    /// at least 1). At the cap, a new client takes the place of the oldest connection with no
    /// request under way; it waits only while every connection has one.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.behaviour.max_connections = n.max(1);
        self
    }

    /// How long a TCP client has, from accept, to send HTTP/2's preface or an HTTP/1 request
    /// line before its connection is closed (default
    /// [`HANDSHAKE_TIMEOUT`](crate::limits::HANDSHAKE_TIMEOUT), at least 1 ms).
    pub fn handshake_timeout(mut self, limit: Duration) -> Self {
        self.behaviour.handshake_timeout = limit.max(Duration::from_millis(1));
        self
    }

    /// Serve TCP clients over TLS ([`TlsConfig::from_pem`](crate::TlsConfig::from_pem)), gRPC
    /// and REST alike on the one port (ALPN `h2` and `http/1.1`). In-process channels stay
    /// plaintext.
    pub fn tls(mut self, config: crate::transport::tls::TlsConfig) -> Self {
        self.behaviour.tls = Some(config);
        self
    }

    /// How many HTTP/2 streams one connection may have open at once (default
    /// [`MAX_STREAMS`](crate::limits::MAX_STREAMS), at least 1): the cap a server's SETTINGS announce,
    /// to test clients against a cap such as Google's 100.
    pub fn max_concurrent_streams(mut self, n: u32) -> Self {
        self.behaviour.max_streams = n.max(1);
        self
    }

    /// The wall-clock time the server's tokio clock starts at, for reproducible timestamps in
    /// metadata and resources (default: the real time at start).
    pub fn epoch(mut self, epoch: SystemTime) -> Self {
        self.epoch = Some(epoch);
        self
    }

    /// Keeps the last `limit` requests for [`MockServer::requests`] (0 records nothing).
    pub fn record_limit(mut self, limit: usize) -> Self {
        self.record_limit = limit;
        self
    }

    /// Replaces the default script of the Insights RPC `method` (e.g. `"CreateIssueModel"`);
    /// `f` sees the request and the new operation's name. [`default_script`](crate::default_script)
    /// gives the default to start from.
    ///
    /// # Panics
    ///
    /// If `method` is not one of the 17 RPCs that start an operation
    /// ([`INSIGHTS_OPERATION_METHODS`](ccai_lro::rpc::INSIGHTS_OPERATION_METHODS)): the line names the closest one, or
    /// [`MockServer::answer`](crate::MockServer::answer) for an RPC that answers at once.
    #[track_caller]
    pub fn script_for(
        mut self,
        method: &str,
        f: impl Fn(&Start) -> Script + Send + Sync + 'static,
    ) -> Self {
        crate::method::assert_starter(method);
        self.scripts.insert(method.to_owned(), Arc::new(f));
        self
    }

    /// Queues faults for the next calls of `method` (or [`method::ALL`](crate::method::ALL)),
    /// consumed one per call before any rate applies.
    ///
    /// # Panics
    ///
    /// If `method` names no method the server serves (the line names the closest one); the
    /// same holds for [`fail_rate`](Self::fail_rate) and [`latency`](Self::latency).
    #[track_caller]
    pub fn fail_sequence(mut self, method: &str, faults: impl IntoIterator<Item = Fault>) -> Self {
        crate::method::assert_known(method, "fail_sequence");
        self.faults.push_sequence(method, faults);
        self
    }

    /// Fails a fraction `rate` (0.0–1.0) of the calls of `method` with one of `faults`, drawn
    /// with the seeded PRNG.
    #[track_caller]
    pub fn fail_rate(
        mut self,
        method: &str,
        rate: f64,
        faults: impl IntoIterator<Item = Fault>,
    ) -> Self {
        crate::method::assert_known(method, "fail_rate");
        self.faults
            .set_rate(method, rate, faults.into_iter().collect());
        self
    }

    /// Delays every answer of `method` by `latency` (tokio time).
    #[track_caller]
    pub fn latency(mut self, method: &str, latency: Latency) -> Self {
        crate::method::assert_known(method, "latency");
        self.faults.set_latency(method, latency);
        self
    }

    /// Starts from a saved state (`ccai-lro emulator --import FILE`): its resources, and its
    /// operations, running ones ending after [`MockServerBuilder::op_duration`].
    pub fn state(mut self, state: SavedState) -> Self {
        self.state = Some(state);
        self
    }

    /// With [`MockServerBuilder::serve`]: when serving stops (its `shutdown` future, or
    /// `POST /shutdown`), writes the state to `path` atomically (a temporary file, then a
    /// rename), as `GET /state` shows it.
    pub fn export_on_exit(mut self, path: impl Into<PathBuf>) -> Self {
        self.export_on_exit = Some(path.into());
        self
    }

    pub(crate) fn shared(mut self) -> Arc<Shared> {
        let state = self.state.take();
        let shared = self.shared_without_state();
        if let Some(state) = state {
            state.restore_operations(&shared, shared.behaviour.op_duration);
            let mut engine = shared.resources.engine();
            // The builder's settings stay; only the resources come from the state.
            let min = engine.min_training_conversations;
            *engine = state.engine;
            engine.min_training_conversations = min;
        }
        shared
    }

    fn shared_without_state(self) -> Arc<Shared> {
        let mut engine = crate::engine::Engine::default();
        engine.min_training_conversations = self.min_training_conversations;
        let publisher = self.pubsub.map(crate::notify::publish::Publisher::start);
        Arc::new(Shared::new(
            Clock::new(self.epoch.unwrap_or_else(SystemTime::now)),
            self.behaviour,
            Operations::new(self.scripts),
            Resources::new(engine, self.storage, self.seed),
            Admission::new(self.bearer, self.faults),
            Recordings::new(Recorder::new(self.record_limit), publisher),
        ))
    }

    /// Reads `gs://BUCKET/OBJECT` from `dir/BUCKET/OBJECT` (`ccai-lro emulator --storage-dir`):
    /// conversations whose `transcript_uri` names an object get their transcript and the
    /// fields derived from it. Nothing outside `dir` is read. Fails if `dir` is not a folder.
    pub fn storage_dir(mut self, dir: impl AsRef<std::path::Path>) -> Result<Self, String> {
        self.storage = Storage::folder(dir.as_ref())?;
        Ok(self)
    }

    /// Reads `gs://` objects through the Cloud Storage JSON API of a storage emulator at `host`
    /// (`http://HOST:PORT` or `HOST:PORT`, what `STORAGE_EMULATOR_HOST` holds), as
    /// `ccai-lro emulator --storage-emulator-host` does. Fails on another scheme or shape.
    pub fn storage_emulator_host(mut self, host: &str) -> Result<Self, String> {
        self.storage = Storage::gcs(host)?;
        Ok(self)
    }

    /// The fewest conversations CreateIssueModel trains on, as the service requires
    /// (`ccai-lro emulator --min-training-conversations`): with fewer matching the model's
    /// `input_data_config`, its operation ends FAILED_PRECONDITION naming both numbers. The
    /// default, 0, imposes none.
    pub fn min_training_conversations(mut self, n: u32) -> Self {
        self.min_training_conversations = i64::from(n);
        self
    }

    /// Publishes Insights' notifications (a location's `pubsub_notification_settings`) to
    /// Google's Pub/Sub emulator at `host` (`HOST:PORT` or `http://HOST:PORT`, what
    /// `PUBSUB_EMULATOR_HOST` holds) through its REST API, as `ccai-lro emulator
    /// --pubsub-emulator-host` does. Without it notifications are only recorded
    /// ([`MockServer::notifications`](crate::MockServer::notifications)). Fails on another
    /// shape.
    pub fn pubsub_emulator_host(mut self, host: &str) -> Result<Self, String> {
        self.pubsub = Some(crate::notify::publish::authority(host)?);
        Ok(self)
    }

    /// One line saying where notifications go.
    pub fn pubsub_description(&self) -> String {
        match &self.pubsub {
            Some(a) => format!("notifications are published to the Pub/Sub emulator at http://{a} and recorded (GET /notifications)"),
            None => "notifications are recorded (GET /notifications), not published (no --pubsub-emulator-host or PUBSUB_EMULATOR_HOST)".to_owned(),
        }
    }

    /// One line saying where `gs://` objects are read from (or that they are not).
    pub fn storage_description(&self) -> String {
        self.storage.describe()
    }

    /// Puts `bytes` at `uri` (`gs://BUCKET/OBJECT`) in the server's memory storage, so a Rust
    /// test needs no storage server: a conversation whose `transcript_uri` is `uri` gets its
    /// transcript from these bytes. Replaces a folder or storage emulator given before.
    ///
    /// # Panics
    ///
    /// If `uri` is not a `gs://BUCKET/OBJECT` URI (the line says why).
    #[track_caller]
    pub fn object(mut self, uri: &str, bytes: impl Into<bytes::Bytes>) -> Self {
        if let Err(e) = crate::data::storage::GsUri::parse(uri, "uri") {
            panic!("MockServerBuilder::object: {}", e.message());
        }
        self.storage.put(uri, bytes.into());
        self
    }

    /// Starts the server on an in-memory transport; reach it with [`MockServer::channel`].
    /// Must be called inside a tokio runtime.
    pub async fn start(self) -> MockServer {
        MockServer::spawn(self.shared(), None)
    }

    /// Starts the server on the in-memory transport and also on a TCP socket bound to `addr`
    /// (e.g. `"127.0.0.1:0"`); [`MockServer::local_addr`] gives the bound address.
    pub async fn start_tcp(self, addr: impl tokio::net::ToSocketAddrs) -> io::Result<MockServer> {
        let listener = TcpListener::bind(addr).await?;
        Ok(MockServer::spawn(self.shared(), Some(listener)))
    }
}
