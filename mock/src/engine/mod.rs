//! The resource engine: every Insights resource in one store, served by the five standard
//! methods and a few custom ones, driven by the schema's annotations instead of per-RPC
//! handlers.
//!
//! - `schema`: the resource kinds and field behaviours, read from the descriptors;
//! - `plan`: which standard method each RPC is, read from its request and response types;
//! - `store`: the resources, by name and in creation order, within stated bounds;
//! - `records`: reading the store (a record decoded, a resource loaded, a parent checked);
//! - `rules`: what each kind asks beyond its field behaviours;
//! - `standard`, `list` and `order`: Create, Get, Update, Delete and List, once for every kind;
//! - `mask`, `filter`, `fields`, `names`, `errors`: the AIP rules they share;
//! - `wire`: answers built from stored bytes without decoding them;
//! - `custom` and `metrics`: the custom methods that answer at once;
//! - `lro`: what the RPCs that start operations do to the resources.
//!
//! The engine works on encoded messages and `prost-reflect` values: the gRPC and REST
//! transports hand it the request's bytes and get the answer's, so both serve the same code.
//! It knows nothing of transports or admission; of operations it knows only what a starter
//! asked (`Start`) and the default resources an operation answers with.

mod analyses;
mod custom;
// Field errors shaped as Google sends them, shared with the data plane and notifications.
use crate::errors;
mod fields;
pub(crate) mod filter;
mod ingest;
pub(crate) mod list;
mod lro;
mod mask;
mod metrics;
mod names;
mod notices;
mod order;
mod plan;
mod records;
mod rules;
mod schema;
mod standard;
mod store;
pub(crate) mod training;
mod transcripts;
mod wire;

use prost::Message;
use prost_reflect::{DynamicMessage, ReflectMessage};
use prost_types::Timestamp;
use tonic::Status;

pub use list::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub(crate) use lro::{Outcome, Started};
pub use mask::MAX_MASK_PATHS;
pub use store::{MAX_PER_KIND, MAX_RESOURCE_BYTES, MAX_TOTAL_BYTES};

use plan::Standard;

/// The `name` of a resource.
pub(crate) fn name_of(resource: &DynamicMessage) -> String {
    fields::get_str(resource, "name")
}

/// What a call may take from its server: the time, and fresh ids.
pub(crate) struct Ctx<'a> {
    pub(crate) now: Timestamp,
    pub(crate) next_id: &'a (dyn Fn() -> String + Sync),
    /// A number in [0, 1) from the server's seeded generator.
    pub(crate) draw: &'a (dyn Fn() -> f64 + Sync),
    /// What the request's objects gave (its transcript), read before the engine's lock.
    pub(crate) fetched: &'a crate::data::fetch::Fetched,
}

/// The resources of one emulator.
#[derive(Default)]
pub(crate) struct Engine {
    pub(crate) store: store::Store,
    /// Issue models moving by an operation, by model name.
    moves: std::collections::HashMap<String, lro::Move>,
    /// Analyses made by operations still running, by operation: stored when theirs succeeds.
    pending: std::collections::HashMap<
        String,
        Vec<ccai_lro::proto::google::cloud::contactcenterinsights::v1::Analysis>,
    >,
    /// Notifications of events that happened, for the caller to deliver once it lets go of the
    /// engine (`crate::notify`).
    pub(crate) outbox: Vec<crate::notify::Notification>,
    /// Operations whose end is an event (an upload, an ingest, an export): the trigger, and
    /// the location's notification settings when it started.
    pub(crate) watched: std::collections::HashMap<String, notices::Watched>,
    /// Operations of `watched` that have ended: rendered by whoever holds the operations.
    pub(crate) ended: Vec<(String, notices::Watched)>,
    /// The fewest matching conversations CreateIssueModel trains on (the service's minimum,
    /// `--min-training-conversations`); 0, the default, imposes none.
    pub(crate) min_training_conversations: i64,
}

impl Engine {
    /// Forgets every resource.
    pub(crate) fn clear(&mut self) {
        self.store.clear();
        self.moves.clear();
        self.pending.clear();
        self.outbox.clear();
        self.watched.clear();
        self.ended.clear();
    }

    /// How many resources are held.
    pub(crate) fn len(&self) -> usize {
        self.store.len()
    }

    /// Every resource as stored, packed, in creation order (what `GET /state` shows): copied
    /// out, so that the caller turns them into JSON without holding the engine.
    pub(crate) fn resources(&self) -> Vec<prost_types::Any> {
        self.store
            .in_creation_order()
            .into_iter()
            .map(|(_, record)| prost_types::Any {
                type_url: format!(
                    "{}{}",
                    ccai_lro::registry::TYPE_URL_PREFIX,
                    record.kind.message.full_name()
                ),
                value: record.bytes.clone(),
            })
            .collect()
    }

    /// Every resource's name.
    pub(crate) fn names(&self) -> Vec<String> {
        self.store
            .in_creation_order()
            .into_iter()
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Puts `resource` back as it was saved or seeded: its name checked against its kind's
    /// patterns and free, the rest kept as given (output fields included).
    pub(crate) fn restore(&mut self, resource: &DynamicMessage) -> Result<(), Status> {
        let desc = resource.descriptor();
        let kind = schema::kind_of(&desc).ok_or_else(|| {
            Status::invalid_argument(format!(
                "{} is not a resource of the Insights API",
                desc.full_name()
            ))
        })?;
        let name = names::resource("name", &fields::get_str(resource, "name"), kind)?.into_owned();
        if self.store.get(&name).is_some() {
            return Err(Status::already_exists(format!(
                "{} {} already exists",
                kind.label,
                crate::names::quote(&name)
            )));
        }
        let mut resource = resource.clone();
        fields::set_str(&mut resource, "name", &name);
        self.store.insert(name, kind, resource.encode_to_vec())
    }

    /// Serves `rpc` from its encoded request: the answer's encoding, or `None` if the engine
    /// does not serve that RPC (the operations' starters do).
    pub(crate) fn call(
        &mut self,
        rpc: &str,
        request: &[u8],
        ctx: &Ctx,
    ) -> Option<Result<Vec<u8>, Status>> {
        let method = plan::method(rpc)?;
        let request = match DynamicMessage::decode(method.input(), request) {
            Ok(r) => r,
            Err(e) => {
                return Some(Err(Status::invalid_argument(format!(
                    "{rpc} request does not decode: {e}"
                ))))
            }
        };
        let encoded = |m: Result<DynamicMessage, Status>| m.map(|m| m.encode_to_vec());
        let answer = match plan::plans().get(rpc) {
            Some(plan) => match plan.standard {
                Standard::Create => encoded(standard::create(&mut self.store, plan, &request, ctx)),
                // Reads answer from the stored bytes.
                Standard::Get => standard::get(&self.store, plan, &request),
                Standard::List => list::list(&self.store, plan, &request),
                Standard::Update => encoded(standard::update(&mut self.store, plan, &request, ctx)),
                Standard::Delete => encoded(standard::delete(&mut self.store, plan, &request)),
            },
            None => encoded(custom::call(self, rpc, &method.output(), &request, ctx)?),
        };
        if let Ok(bytes) = &answer {
            self.notice_call(rpc, bytes);
        }
        Some(answer)
    }
}
