//! [`MockServer`]: a running mock, in memory and optionally on a socket.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::DuplexStream;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_stream::wrappers::UnboundedReceiverStream;
use tokio_stream::StreamExt;
use tonic::transport::Channel;

use crate::faults::{Fault, Latency};
use crate::names;
use crate::operations::{script::Script, start::Start};
use crate::record::RecordedRequest;
use crate::shared::Shared;
use crate::transport::io::{in_memory_channel, MockIo};
use crate::transport::router::{router, tcp_incoming, Peers};
use ccai_lro::proto::google::longrunning::Operation;

/// The most operations a server holds unless [`crate::MockServerBuilder::max_operations`] says
/// otherwise. Measured: 100,000 default CreateIssueModel operations took the emulator from 16 to
/// 209 MB of RSS (about 1.9 KB each), so the default keeps it near 110 MB.
pub const DEFAULT_MAX_OPERATIONS: usize = 50_000;
/// The seed of the fault PRNG unless [`crate::MockServerBuilder::seed`] sets one.
pub const DEFAULT_SEED: u64 = 0x5eed_cca1;
/// How many requests are kept for [`MockServer::requests`] unless
/// [`crate::MockServerBuilder::record_limit`] says otherwise (the oldest are dropped first).
pub const DEFAULT_RECORD_LIMIT: usize = 10_000;

/// A running mock of Contact Center AI Insights and its `google.longrunning.Operations`.
///
/// Dropping it stops accepting connections.
pub struct MockServer {
    shared: Arc<Shared>,
    connections: mpsc::UnboundedSender<DuplexStream>,
    local_addr: Option<SocketAddr>,
    // Dropping the senders completes the servers' shutdown signals.
    _shutdown: Vec<oneshot::Sender<()>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("local_addr", &self.local_addr)
            .field("operations", &self.len())
            .finish_non_exhaustive()
    }
}

impl MockServer {
    pub(crate) fn spawn(shared: Arc<Shared>, listener: Option<TcpListener>) -> MockServer {
        let mut shutdown = Vec::new();
        let (connections, incoming) = mpsc::unbounded_channel::<DuplexStream>();
        let (tx, rx) = oneshot::channel::<()>();
        shutdown.push(tx);
        let incoming =
            UnboundedReceiverStream::new(incoming).map(|s| Ok::<_, io::Error>(MockIo::new(s)));
        tokio::spawn(
            router(&shared, Peers::InProcess).serve_with_incoming_shutdown(incoming, async {
                let _ = rx.await;
            }),
        );
        let local_addr = listener.and_then(|listener| {
            let addr = listener.local_addr().ok()?;
            let (tx, rx) = oneshot::channel::<()>();
            shutdown.push(tx);
            tokio::spawn(
                router(&shared, Peers::Network).serve_with_incoming_shutdown(
                    tcp_incoming(listener, &shared.behaviour),
                    async {
                        let _ = rx.await;
                    },
                ),
            );
            Some(addr)
        });
        MockServer {
            shared,
            connections,
            local_addr,
            _shutdown: shutdown,
        }
    }

    /// A new channel to the server over the in-memory transport. It connects lazily, and
    /// reconnects after a dropped connection; each channel is its own connection.
    pub fn channel(&self) -> Channel {
        in_memory_channel(self.connections.clone())
    }

    /// A [`Client`](ccai_lro::Client) over [`channel`](Self::channel), without
    /// credentials.
    pub fn client(&self) -> ccai_lro::Client {
        ccai_lro::Client::from_channel(self.channel())
    }

    /// The TCP address the server listens on, if started with a socket.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// Adds (or replaces) the operation `name`, which then follows `script` from now on.
    ///
    /// # Panics
    ///
    /// If `name` is not `projects/{project}/locations/{location}/operations/{operation}`.
    pub fn insert(&self, name: &str, script: Script) {
        let parent = match names::operation(name) {
            Ok((parent, _)) => parent,
            Err(e) => panic!("MockServer::insert: {}", e.message()),
        };
        self.shared
            .operations
            .store()
            .insert(name, parent, script, Instant::now());
        self.shared.changed.notify_waiters();
    }

    /// The operation `name` as a client would see it now, without counting as a poll.
    pub fn operation(&self, name: &str) -> Option<Operation> {
        self.shared
            .operations
            .store()
            .get(name)
            .map(|e| e.render(Instant::now()))
    }

    /// How many operations the server holds.
    pub fn len(&self) -> usize {
        self.shared.operations.store().len()
    }

    /// Whether the server holds no operations.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most requests that were under way at once, over every connection, since the start.
    pub fn peak_requests(&self) -> usize {
        self.shared.admission.peak()
    }

    /// Adds a resource (any of the 14 kinds, say a `Conversation` with its output-only fields
    /// set) as if it had been created: its name is checked against its kind's patterns, and
    /// must be free.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ccai_lro::proto::google::cloud::contactcenterinsights::v1::Conversation;
    /// let server = ccai_lro_mock::MockServer::start().await;
    /// server
    ///     .seed(&Conversation {
    ///         name: "projects/p/locations/l/conversations/c1".into(),
    ///         turn_count: 12,
    ///         ..Default::default()
    ///     })
    ///     .unwrap();
    /// # }
    /// ```
    pub fn seed<M: prost::Message + prost::Name>(&self, resource: &M) -> Result<(), tonic::Status> {
        let desc = ccai_lro::registry::pool()
            .get_message_by_name(&M::full_name())
            .ok_or_else(|| {
                tonic::Status::invalid_argument(format!("{} is not in the schema", M::full_name()))
            })?;
        let message =
            prost_reflect::DynamicMessage::decode(desc, resource.encode_to_vec().as_slice())
                .map_err(|e| tonic::Status::invalid_argument(e.to_string()))?;
        self.shared.resources.engine().restore(&message)?;
        // Ids the server hands out later never take a seeded name.
        if let Some(id) = crate::shared::numeric_id(&crate::engine::name_of(&message)) {
            self.shared.operations.ids_past(id);
        }
        Ok(())
    }

    /// Answers `rpc` (one of the Insights RPCs that answer at once, by name: `"GetConversation"`)
    /// with `f` instead of the resource engine, until [`MockServer::clear_answers`]. The call is
    /// still recorded, delayed and failed as faults say; `f` may answer an error, a
    /// [`Status`](crate::Status).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ccai_lro::proto::google::cloud::contactcenterinsights::v1::{GetSettingsRequest, Settings};
    /// let server = ccai_lro_mock::MockServer::start().await;
    /// server.answer("GetSettings", |r: GetSettingsRequest| {
    ///     Ok(Settings { name: r.name, language_code: "de-DE".into(), ..Default::default() })
    /// });
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If `rpc` is not an Insights RPC that answers at once: one that starts an operation is
    /// scripted with [`MockServer::script_for`], an Operations method answers from
    /// [`MockServer::insert`]ed operations, and a misspelt name is named with the closest one.
    /// A scripted answer that is never used would leave a test checking the defaults.
    #[track_caller]
    pub fn answer<Req, Resp>(
        &self,
        rpc: &str,
        f: impl Fn(Req) -> Result<Resp, tonic::Status> + Send + Sync + 'static,
    ) where
        Req: prost::Message + Default,
        Resp: prost::Message,
    {
        crate::method::assert_answerable(rpc);
        let rpc_name = rpc.to_owned();
        let f = move |bytes: &[u8]| {
            let request = Req::decode(bytes).map_err(|e| {
                tonic::Status::internal(format!(
                    "the answer scripted for {rpc_name} takes another request type: {e}"
                ))
            })?;
            f(request).map(|r| r.encode_to_vec())
        };
        self.shared
            .resources
            .set_answer(rpc, std::sync::Arc::new(f));
    }

    /// Forgets the answers scripted with [`MockServer::answer`].
    pub fn clear_answers(&self) {
        self.shared.resources.clear_answers();
    }

    /// The whole state, resources and operations, as the emulator's `GET /state` answers it
    /// (and `--import` reads it back).
    pub fn state(&self) -> serde_json::Value {
        crate::admin::state::export(&self.shared)
    }

    /// The requests received so far, oldest first (see [`crate::MockServerBuilder::record_limit`]).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recordings.requests()
    }

    /// The notifications delivered so far (the latest
    /// [`MAX_RECORDED_NOTIFICATIONS`](crate::limits::MAX_RECORDED_NOTIFICATIONS)), oldest first: what
    /// the location's `pubsub_notification_settings` sent where, whether or not a Pub/Sub
    /// emulator is configured. A test asserts "creating this analysis published that" with no
    /// Pub/Sub process.
    pub fn notifications(&self) -> Vec<crate::Notification> {
        self.shared.recordings.notifications()
    }

    /// (published, dropped) messages to the Pub/Sub emulator, when one is configured.
    pub fn published(&self) -> Option<(u64, u64)> {
        self.shared.recordings.published()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.recordings.clear_requests();
    }

    /// Like [`crate::MockServerBuilder::fail_sequence`], on a running server.
    #[track_caller]
    pub fn fail_sequence(&self, method: &str, faults: impl IntoIterator<Item = Fault>) {
        crate::method::assert_known(method, "fail_sequence");
        self.shared.admission.faults().push_sequence(method, faults);
    }

    /// Like [`crate::MockServerBuilder::fail_rate`], on a running server.
    #[track_caller]
    pub fn fail_rate(&self, method: &str, rate: f64, faults: impl IntoIterator<Item = Fault>) {
        crate::method::assert_known(method, "fail_rate");
        let faults = faults.into_iter().collect();
        self.shared
            .admission
            .faults()
            .set_rate(method, rate, faults);
    }

    /// Like [`crate::MockServerBuilder::latency`], on a running server.
    #[track_caller]
    pub fn latency(&self, method: &str, latency: Latency) {
        crate::method::assert_known(method, "latency");
        self.shared.admission.faults().set_latency(method, latency);
    }

    /// Removes every queued fault, rate and latency.
    pub fn clear_faults(&self) {
        self.shared.admission.faults().clear();
    }

    /// Restarts the fault PRNG from `seed`.
    pub fn reseed(&self, seed: u64) {
        self.shared.admission.faults().reseed(seed);
    }

    /// Like [`crate::MockServerBuilder::script_for`], on a running server (for operations started
    /// from now on). Panics as that does on a name that starts no operation.
    #[track_caller]
    pub fn script_for(&self, method: &str, f: impl Fn(&Start) -> Script + Send + Sync + 'static) {
        crate::method::assert_starter(method);
        self.shared.operations.set_script(method, Arc::new(f));
    }
}
