//! Admission: what every call goes through before its handler (recorded, delayed, maybe
//! failed, authenticated), and the count of requests under way.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;
use tonic::{Request, Status};

use crate::connection::ConnHandle;
use crate::faults::{Fault, Faults};
use crate::lock::{lock_at, Level, Ordered};
use crate::operations::script::pack;
use crate::record::{headers, RecordedRequest, MAX_RECORDED_REQUEST};
use ccai_lro::proto::google::rpc::{Code, ErrorInfo};
use ccai_lro::status::to_tonic;

use super::recordings::Recordings;

pub(crate) struct Admission {
    bearer: Option<String>,
    faults: Mutex<Faults>,
    /// Requests under way, and the most there have been at once.
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
}

/// One request under way, counted until dropped.
pub(crate) struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Admission {
    pub(crate) fn new(bearer: Option<String>, faults: Faults) -> Admission {
        Admission {
            bearer,
            faults: Mutex::new(faults),
            in_flight: AtomicUsize::new(0),
            peak_in_flight: AtomicUsize::new(0),
        }
    }

    /// The fault plans, to change them.
    pub(crate) fn faults(&self) -> Ordered<'_, Faults> {
        lock_at(&self.faults, Level::Leaf)
    }

    /// Counts one more request under way, until the guard is dropped.
    pub(crate) fn enter(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak_in_flight.fetch_max(now, Ordering::Relaxed);
        InFlight(&self.in_flight)
    }

    /// The most requests there have been under way at once.
    pub(crate) fn peak(&self) -> usize {
        self.peak_in_flight.load(Ordering::Relaxed)
    }

    /// Everything a call goes through before its handler: recorded (into `recordings`),
    /// delayed, maybe failed, and authenticated.
    pub(crate) async fn admit<T: prost::Message + prost::Name>(
        &self,
        recordings: &Recordings,
        method: &'static str,
        resource: &str,
        request: &Request<T>,
    ) -> Result<(), Status> {
        recordings.record(|| {
            let request_len = request.get_ref().encoded_len();
            RecordedRequest {
                method,
                // A bounded copy: records must not keep what a client made huge.
                resource: resource.chars().take(crate::names::MAX_NAME_LEN).collect(),
                headers: headers(request.metadata()),
                at: Instant::now(),
                request_len,
                request: (request_len <= MAX_RECORDED_REQUEST).then(|| pack(request.get_ref())),
            }
        });
        let (delay, fault) = self.faults().decide(method);
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
        self.check_bearer(request)
    }

    /// The bearer check alone, for callers that admit nothing else (the admin endpoints):
    /// nothing to check when the server requires no token.
    pub(crate) fn check_bearer<T>(&self, request: &Request<T>) -> Result<(), Status> {
        let Some(token) = &self.bearer else {
            return Ok(());
        };
        let sent = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        let reason = match sent {
            None => "CREDENTIALS_MISSING",
            Some(v) if v.strip_prefix("Bearer ") == Some(token.as_str()) => return Ok(()),
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

/// Kills the connection the request came on and never answers: the handler is dropped with
/// the connection. The status is only a fallback should the connection survive.
async fn drop_connection<T>(request: &Request<T>) -> Status {
    if let Some(conn) = request.extensions().get::<ConnHandle>() {
        conn.kill();
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    Status::unavailable("connection dropped by the mock server")
}
