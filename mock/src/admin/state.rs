//! The emulator's state as one JSON document, to save and start from again (`--import`,
//! `--export-on-exit`, `GET /state`), after Firebase's emulators:
//!
//! ```json
//! {"emulator": "ccai-lro", "version": 1,
//!  "resources": [{"@type": "type.googleapis.com/google.cloud.contactcenterinsights.v1.Conversation", "name": "…", …}],
//!  "operations": [{"operation": {"name": "…", "done": false, …}, "final": {"name": "…", "done": true, …}}]}
//! ```
//!
//! Resources are written as the REST API writes them, typed by `@type`, in creation order (the
//! order lists show). Operations are written as they stand, with how a running one ends: a
//! restored running operation shows its saved metadata and ends that way after the emulator's
//! operation duration. An issue model saved mid-move keeps the state it showed.

use std::path::Path;
use std::time::Duration;

use prost_reflect::DynamicMessage;
use serde_json::{json, Map, Value};
use tokio::time::Instant;

use crate::engine::Engine;
use crate::operations::script::Script;
use crate::shared::Shared;
use ccai_lro::json::{any_to_json, operation_to_json};
use ccai_lro::proto::google::longrunning::{operation, Operation};
use ccai_lro::registry::{pool, TYPE_URL_PREFIX};

/// The version of the document this emulator writes and reads.
pub const STATE_VERSION: u64 = 1;

/// A state document that did not load: where, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateError {
    /// Where in the document: `line 3 column 9`, `resources[4]`, `operations[0].final`.
    pub place: String,
    /// What was wrong there.
    pub problem: String,
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at {}: {}", self.place, self.problem)
    }
}

impl std::error::Error for StateError {}

fn fail(place: impl Into<String>, problem: impl Into<String>) -> StateError {
    StateError {
        place: place.into(),
        problem: problem.into(),
    }
}

/// A saved state, parsed and checked, ready to start an emulator from
/// ([`MockServerBuilder::state`](crate::MockServerBuilder::state)).
pub struct SavedState {
    pub(crate) engine: Engine,
    operations: Vec<(Operation, Option<Operation>)>,
}

impl std::fmt::Debug for SavedState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavedState")
            .field("resources", &self.engine.len())
            .field("operations", &self.operations.len())
            .finish()
    }
}

fn message_from(value: &Value, type_name: &str, place: &str) -> Result<DynamicMessage, StateError> {
    let desc = pool()
        .get_message_by_name(type_name)
        .ok_or_else(|| fail(place, format!("unknown type {type_name:?}")))?;
    DynamicMessage::deserialize(desc, value.clone()).map_err(|e| fail(place, e.to_string()))
}

fn operation_from(value: &Value, place: &str) -> Result<Operation, StateError> {
    let message = message_from(value, "google.longrunning.Operation", place)?;
    message
        .transcode_to::<Operation>()
        .map_err(|e| fail(place, e.to_string()))
}

impl SavedState {
    /// Parses a state document (JSON text); an error names the line and column, or the
    /// resource or operation, and what was wrong.
    pub fn parse(text: &str) -> Result<SavedState, StateError> {
        let document: Value = serde_json::from_str(text).map_err(|e| {
            let place = format!("line {} column {}", e.line(), e.column());
            let text = e.to_string();
            let problem = text.strip_suffix(&format!(" at {place}")).unwrap_or(&text);
            fail(place, problem)
        })?;
        SavedState::from_value(&document)
    }

    /// [`SavedState::parse`] of a parsed document.
    pub fn from_value(document: &Value) -> Result<SavedState, StateError> {
        let Some(top) = document.as_object() else {
            return Err(fail("the top", "expected a JSON object"));
        };
        match top.get("version").and_then(Value::as_u64) {
            Some(STATE_VERSION) => {}
            other => {
                return Err(fail(
                    "version",
                    format!("expected {STATE_VERSION}, found {other:?}"),
                ))
            }
        }
        let list = |key: &str| match top.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(_) => Err(fail(key, "expected an array")),
        };
        let mut engine = Engine::default();
        for (i, item) in list("resources")?.iter().enumerate() {
            let place = format!("resources[{i}]");
            let mut fields = item
                .as_object()
                .cloned()
                .ok_or_else(|| fail(&place, "expected an object"))?;
            let type_url = fields
                .remove("@type")
                .and_then(|t| t.as_str().map(str::to_owned))
                .ok_or_else(|| fail(&place, "no \"@type\""))?;
            let type_name = type_url.strip_prefix(TYPE_URL_PREFIX).unwrap_or(&type_url);
            let message = message_from(&Value::Object(fields), type_name, &place)?;
            engine
                .restore(&message)
                .map_err(|s| fail(&place, s.message().to_owned()))?;
        }
        // A model saved in the middle of a move lands where the move was going: the move's
        // operation is restored as it was, but not the tie between the two.
        engine.land_moves();
        let mut operations = Vec::new();
        for (i, item) in list("operations")?.iter().enumerate() {
            let place = format!("operations[{i}]");
            let current = item
                .get("operation")
                .ok_or_else(|| fail(&place, "no \"operation\""))?;
            let current = operation_from(current, &format!("{place}.operation"))?;
            crate::names::operation(&current.name)
                .map_err(|s| fail(&place, s.message().to_owned()))?;
            let end = match item.get("final") {
                Some(v) if !current.done => Some(operation_from(v, &format!("{place}.final"))?),
                _ => None,
            };
            operations.push((current, end));
        }
        Ok(SavedState { engine, operations })
    }

    /// The largest numeric id among the saved names' last segments: new ids start past it, so
    /// that nothing made after a restart takes a saved name.
    fn largest_id(&self) -> u64 {
        let ops = self.operations.iter().map(|(op, _)| op.name.clone());
        let resources = self.engine.names().into_iter();
        ops.chain(resources)
            .filter_map(|n| crate::shared::numeric_id(&n))
            .max()
            .unwrap_or(0)
    }

    /// Puts the operations into `shared`'s store, running ones ending after `duration`, and
    /// moves its ids past the saved ones.
    pub(crate) fn restore_operations(&self, shared: &Shared, duration: Duration) {
        shared.operations.ids_past(self.largest_id());
        let now = Instant::now();
        let mut store = shared.operations.store();
        for (current, end) in &self.operations {
            let Ok((parent, _)) = crate::names::operation(&current.name) else {
                continue;
            };
            store.insert(
                &current.name,
                parent,
                script(current, end.as_ref(), duration),
                now,
            );
        }
    }
}

fn ending(script: Script, op: &Operation) -> Script {
    match &op.result {
        Some(operation::Result::Response(any)) => script.respond_any(any.clone()),
        Some(operation::Result::Error(status)) => script.fail_status(status.clone()),
        None => script.never_done(),
    }
}

/// The script that shows `current` now and, if it is running, `end` after `duration`.
fn script(current: &Operation, end: Option<&Operation>, duration: Duration) -> Script {
    let metadata = |op: &Operation| op.metadata.clone().unwrap_or_default();
    if current.done {
        let mut s = Script::new();
        if let Some(m) = &current.metadata {
            s = s.final_metadata_any(m.clone());
        }
        return ending(s, current);
    }
    let s = Script::new()
        .metadata_any(metadata(current))
        .every(duration);
    match end {
        Some(end) if end.done => {
            let s = match &end.metadata {
                Some(m) => s.final_metadata_any(m.clone()),
                None => s,
            };
            ending(s, end)
        }
        _ => s.never_done(),
    }
}

/// The whole state of `shared` as a document.
pub(crate) fn export(shared: &Shared) -> Value {
    let now = Instant::now();
    let operations: Vec<Value> = {
        let store = shared.operations.store();
        store
            .entries()
            .map(|entry| {
                let current = entry.render(now);
                let mut item = Map::new();
                if !current.done {
                    item.insert("final".into(), operation_to_json(&entry.render_final(now)));
                }
                item.insert("operation".into(), operation_to_json(&current));
                Value::Object(item)
            })
            .collect()
    };
    // Copied out under the lock, turned into JSON after it.
    let packed = shared.settled_engine().resources();
    let resources: Vec<Value> = packed.iter().map(any_to_json).collect();
    json!({
        "emulator": "ccai-lro",
        "version": STATE_VERSION,
        "resources": resources,
        "operations": operations,
    })
}

/// Writes `document` to `path` atomically: a temporary file beside it, then a rename, so a
/// reader never sees half a state and a failed write leaves the old file whole.
pub(crate) fn write(path: &Path, document: &Value) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    let text = serde_json::to_string_pretty(document).map_err(std::io::Error::other)?;
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        // On disk before the rename, so a crash leaves the old file or the whole new one.
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
