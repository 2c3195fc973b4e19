//! The standard methods, once for every kind: Create (AIP-133), Get (AIP-131), Update
//! (AIP-134) and Delete (AIP-135); List (AIP-132) is in `list.rs`.

use prost::Message;
use prost_reflect::{DynamicMessage, ReflectMessage, Value};
use tonic::Status;

use super::errors::{bad_field, precondition};
use super::fields::{
    self, clear_server_fields, get_bool, get_str, require, require_top, set_str, set_time,
};
use super::mask;
use super::names::{self, check_id};
use super::plan::Plan;
use super::records::{load, not_found, parent};
use super::schema::Kind;
use super::store::Store;
use super::Ctx;

/// Stores a new resource of `kind` under `parent` as `id` (or a server id), from what the
/// client sent: server fields cleared, the name and times the server's.
pub(crate) fn insert(
    store: &mut Store,
    kind: &'static Kind,
    parent: &str,
    id: Option<&str>,
    mut resource: DynamicMessage,
    ctx: &Ctx,
) -> Result<DynamicMessage, Status> {
    let collection = kind.collection.as_deref().unwrap_or_default();
    let id = id.map_or_else(|| (ctx.next_id)(), str::to_owned);
    let name = format!("{parent}/{collection}/{id}");
    if store.get(&name).is_some() {
        return Err(Status::already_exists(format!(
            "{} {} already exists",
            kind.label,
            crate::names::quote(&name)
        )));
    }
    clear_server_fields(&mut resource);
    set_str(&mut resource, "name", &name);
    set_time(&mut resource, "create_time", &ctx.now);
    set_time(&mut resource, "update_time", &ctx.now);
    super::rules::on_create(kind, &mut resource);
    super::transcripts::apply_dynamic(store, kind, &mut resource, ctx)?;
    store.insert(name, kind, resource.encode_to_vec())?;
    Ok(resource)
}

pub(crate) fn create(
    store: &mut Store,
    plan: &Plan,
    request: &DynamicMessage,
    ctx: &Ctx,
) -> Result<DynamicMessage, Status> {
    let body = plan.body();
    require(request, "")?;
    let id = match &plan.id {
        Some(f) => {
            let id = get_str(request, f.name());
            if id.is_empty() {
                None
            } else {
                check_id(f.name(), &id)?;
                Some(id)
            }
        }
        None => None,
    };
    let parent = parent(store, plan.kind, "parent", &get_str(request, "parent"))?.into_owned();
    let resource = fields::get_message(request, body)
        .unwrap_or_else(|| DynamicMessage::new(plan.kind.message.clone()));
    super::rules::validate(plan.kind, &resource, body)?;
    insert(store, plan.kind, &parent, id.as_deref(), resource, ctx)
}

pub(crate) fn get(store: &Store, plan: &Plan, request: &DynamicMessage) -> Result<Vec<u8>, Status> {
    require(request, "")?;
    let name = names::resource("name", &get_str(request, "name"), plan.kind)?.into_owned();
    let hidden = super::rules::hidden_field(&plan.kind.message, request, false);
    match store.get(&name) {
        // The stored bytes are the answer: no decoding.
        Some(record) => super::rules::presented(&record.bytes, hidden),
        None => super::rules::presented(&load(store, plan.kind, &name)?.encode_to_vec(), hidden),
    }
}

pub(crate) fn update(
    store: &mut Store,
    plan: &Plan,
    request: &DynamicMessage,
    ctx: &Ctx,
) -> Result<DynamicMessage, Status> {
    let body = plan.body();
    require_top(request, body)?;
    let update = fields::get_message(request, body)
        .ok_or_else(|| bad_field(body, "required field is missing"))?;
    let field = format!("{body}.name");
    let name = names::resource(&field, &get_str(&update, "name"), plan.kind)?.into_owned();
    let paths = fields::get_message(request, "update_mask").map(|mask| {
        match mask.get_field_by_name("paths").as_deref() {
            Some(Value::List(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    });
    let mut stored = load(store, plan.kind, &name)?;
    let before = stored.clone();
    mask::apply(&mut stored, &update, paths.as_deref(), "update_mask", body)?;
    fields::keep_server_fields(&mut stored, &before);
    require(&stored, body)?;
    super::rules::validate(plan.kind, &stored, body)?;
    set_time(&mut stored, "update_time", &ctx.now);
    let bytes = stored.encode_to_vec();
    if store.get(&name).is_some() {
        store.replace(&name, bytes)?;
    } else {
        // A singleton's first write.
        set_time(&mut stored, "create_time", &ctx.now);
        store.insert(name, plan.kind, stored.encode_to_vec())?;
    }
    Ok(stored)
}

/// Deletes `name` and everything under it; with children and a `force` field left false,
/// refuses as the request's `force` documents.
pub(crate) fn delete(
    store: &mut Store,
    plan: &Plan,
    request: &DynamicMessage,
) -> Result<DynamicMessage, Status> {
    require(request, "")?;
    let name = names::resource("name", &get_str(request, "name"), plan.kind)?.into_owned();
    if store.get(&name).is_none() {
        return Err(not_found(plan.kind, &name));
    }
    super::rules::before_delete(store, plan.kind, &name)?;
    let children = store.descendants(&name);
    let has_force = request.descriptor().get_field_by_name("force").is_some();
    if has_force && !children.is_empty() && !get_bool(request, "force") {
        return Err(precondition(
            &plan.kind.label,
            &name,
            &format!(
                "has {} child resources: delete them first, or set force",
                children.len()
            ),
        ));
    }
    for child in children {
        store.remove(&child);
    }
    store.remove(&name);
    Ok(DynamicMessage::new(plan.output.clone()))
}
