//! The emulator's own endpoints, beside the API (after the Datastore and Firebase emulators'):
//! `POST /reset` forgets every resource and operation, `POST /shutdown` stops the serving loop,
//! `GET /state` answers the whole state as JSON (`state.rs`), which `--import` and
//! `--export-on-exit` read and write (notifications are not state: they are left out), and
//! `GET /notifications` the latest notifications (`POST /reset` forgets them too).

pub(crate) mod state;

use std::sync::Arc;

use http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::shared::Shared;

/// Whether `method path` is one of the admin endpoints.
pub(crate) fn is_admin(method: &Method, path: &str) -> bool {
    matches!(
        (method, path),
        (&Method::POST, "/reset")
            | (&Method::POST, "/shutdown")
            | (&Method::GET, "/state")
            | (&Method::GET, "/notifications")
    )
}

/// Answers an admin endpoint, or `None` if `path` is not one.
pub(crate) async fn answer(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
) -> Option<(StatusCode, Value)> {
    match (method, path) {
        (&Method::POST, "/reset") => {
            reset(shared).await;
            Some((StatusCode::OK, json!({})))
        }
        (&Method::POST, "/shutdown") => {
            shared.shutdown.notify_waiters();
            // A permit too, should the serving loop not be waiting yet.
            shared.shutdown.notify_one();
            Some((StatusCode::OK, json!({})))
        }
        (&Method::GET, "/state") => Some((StatusCode::OK, state::export(shared))),
        (&Method::GET, "/notifications") => {
            let recorded = shared.recordings.notifications();
            let list: Vec<Value> = recorded.iter().map(crate::notify::to_json).collect();
            let mut answer = json!({ "notifications": list });
            if let Some((published, dropped)) = shared.recordings.published() {
                answer["published"] = json!(published);
                answer["dropped"] = json!(dropped);
            }
            Some((StatusCode::OK, answer))
        }
        _ => None,
    }
}

/// Forgets every operation and resource, and gives the memory back.
pub(crate) async fn reset(shared: &Shared) {
    {
        // Both at once, in the usual order (operations, then resources): a start between the
        // two would leave a resource tied to an operation that is gone, or the reverse.
        let mut store = shared.operations.store();
        let mut engine = shared.resources.engine();
        store.clear();
        engine.clear();
        shared.recordings.clear_notifications();
    }
    shared.operations.release_all();
    shared.changed.notify_waiters();
    let _ = tokio::task::spawn_blocking(crate::memory::trim).await;
}
