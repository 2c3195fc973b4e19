//! The REST surface: the published HTTP/JSON bindings of the Operations calls and the 17
//! Insights RPCs, served next to gRPC on the same port.
//!
//! A request is matched against the bindings (`routes.rs`, path templates in `template.rs`),
//! turned into the RPC's request message by the proto3 JSON mapping (`request.rs`), and handed
//! to the same service code gRPC calls reach, faults, recording and credentials included.
//! Answers are the REST API's JSON; errors are Google's REST error body,
//! `{"error": {"code": <HTTP status>, "message", "status": "<CODE_NAME>", "details"}}`.

#[cfg(test)]
mod hostile_tests;
mod request;
mod routes;
pub(crate) mod template;

use std::{convert::Infallible, sync::Arc};

use axum::body::Body;
use ccai_lro::json::{self, JsonOptions};
use ccai_lro::proto::google::longrunning::operations_server::Operations;
use ccai_lro::proto::google::longrunning::{
    CancelOperationRequest, GetOperationRequest, ListOperationsRequest, Operation,
};
use ccai_lro::{registry, Code};
use http::{header, Response, StatusCode};
use prost::{Message, Name};
use prost_reflect::{DynamicMessage, MessageDescriptor, SerializeOptions};
use serde_json::{json, Value};
use tonic::{metadata::MetadataMap, Request, Status};

use crate::names::quote;
use crate::shared::Shared;
use crate::transport::grpc::{insights::InsightsService, operations::OperationsService};

/// The largest request body accepted, in bytes; larger ones are refused unread.
pub const MAX_BODY: usize = 1024 * 1024;

/// The service that answers every request gRPC's routes do not: REST calls and the emulator's
/// own endpoints.
pub(crate) fn service(
    shared: Arc<Shared>,
) -> impl tower::Service<
    http::Request<Body>,
    Response = Response<Body>,
    Error = Infallible,
    Future = impl Send,
> + Clone
       + Send
       + 'static {
    tower::service_fn(move |req: http::Request<Body>| {
        let shared = shared.clone();
        async move { Ok::<_, Infallible>(handle(shared, req).await) }
    })
}

async fn handle(shared: Arc<Shared>, req: http::Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    if crate::admin::is_admin(&parts.method, parts.uri.path()) {
        // With a required token, the admin endpoints (the whole state, reset, shutdown) need it
        // as much as the API does.
        let mut check = Request::new(());
        *check.metadata_mut() = MetadataMap::from_headers(parts.headers.clone());
        if let Err(status) = shared.admission.check_bearer(&check) {
            return error(&status, JsonOptions::default());
        }
        if let Some((status, body)) =
            crate::admin::answer(&shared, &parts.method, parts.uri.path()).await
        {
            return respond(status, &body);
        }
    }
    let query = query_pairs(parts.uri.query().unwrap_or_default());
    let options = JsonOptions::default().enums_as_numbers(
        query
            .iter()
            .any(|(k, v)| k.trim_start_matches('$') == "alt" && v.contains("enum-encoding=int")),
    );
    let answer = async {
        let path = parts.uri.path();
        let (route, bindings) = routes::find(&parts.method, path).ok_or_else(|| {
            Status::not_found(format!(
                "{} {}: no such method or resource path",
                parts.method,
                quote(path)
            ))
        })?;
        let body = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
            Status::invalid_argument(format!("request body over {MAX_BODY} bytes, or unreadable"))
        })?;
        let method = registry::pool()
            .get_service_by_name(&route.service)
            .and_then(|s| s.methods().find(|m| m.name() == route.rpc))
            .ok_or_else(|| Status::internal(format!("no schema for {}", route.rpc)))?;
        let message = request::build(
            &method.input(),
            route.body.as_deref(),
            &body,
            &bindings,
            &query,
        )?;
        let metadata = MetadataMap::from_headers(parts.headers.clone());
        dispatch(
            &shared,
            &route.rpc,
            &method.output(),
            &message,
            metadata,
            options,
        )
        .await
    };
    match answer.await {
        Ok(value) => respond(StatusCode::OK, &value),
        Err(status) => error(&status, options),
    }
}

/// Decoded query pairs, form-encoded: `+` is a space (Python's REST transport writes
/// `filter=done+%3D+false`), `%2B` a plus.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let spaced = s.replace('+', " ");
        percent_encoding::percent_decode_str(&spaced)
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        // Empty and zero values mean the defaults (Google's Rust SDK sends every parameter).
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

fn request<T>(message: T, metadata: MetadataMap) -> Request<T> {
    let mut req = Request::new(message);
    *req.metadata_mut() = metadata;
    req
}

fn decode<T: Message + Default>(bytes: &[u8]) -> Result<T, Status> {
    T::decode(bytes).map_err(|e| Status::internal(format!("request re-encoding: {e}")))
}

/// The request in `bytes` decoded as `T`, served by `serve` (the trait method gRPC reaches),
/// and the answer encoded.
pub(crate) async fn relay<T, R, F, Fut>(
    bytes: &[u8],
    metadata: MetadataMap,
    serve: F,
) -> Result<Vec<u8>, Status>
where
    T: Message + Default,
    R: Message,
    F: FnOnce(Request<T>) -> Fut,
    Fut: std::future::Future<Output = Result<tonic::Response<R>, Status>>,
{
    let message = decode::<T>(bytes)?;
    let answer = serve(request(message, metadata)).await?;
    Ok(answer.into_inner().encode_to_vec())
}

/// An encoded answer of type `output` as the REST API's JSON: operations with their `Any`s
/// expanded (bounded), everything else by the proto3 JSON mapping; `Empty` is `{}`.
fn answer_json(
    output: &MessageDescriptor,
    bytes: &[u8],
    options: JsonOptions,
) -> Result<Value, Status> {
    let internal =
        |e: String| Status::internal(format!("answer of type {}: {e}", output.full_name()));
    if output.full_name() == Operation::full_name() {
        let op = Operation::decode(bytes).map_err(|e| internal(e.to_string()))?;
        return Ok(json::operation_to_json_with(&op, options));
    }
    let message =
        DynamicMessage::decode(output.clone(), bytes).map_err(|e| internal(e.to_string()))?;
    let serialize = SerializeOptions::new().use_enum_numbers(options.enums_as_numbers);
    message
        .serialize_with_options(serde_json::value::Serializer, &serialize)
        .map_err(|e| internal(e.to_string()))
}

async fn dispatch(
    shared: &Arc<Shared>,
    rpc: &str,
    output: &MessageDescriptor,
    bytes: &[u8],
    metadata: MetadataMap,
    options: JsonOptions,
) -> Result<Value, Status> {
    let ops = OperationsService(shared.clone());
    let op_json = |op: Operation| json::operation_to_json_with(&op, options);
    match rpc {
        "GetOperation" => {
            let req = request(decode::<GetOperationRequest>(bytes)?, metadata);
            Ok(op_json(ops.get_operation(req).await?.into_inner()))
        }
        "ListOperations" => {
            let req = request(decode::<ListOperationsRequest>(bytes)?, metadata);
            let page = ops.list_operations(req).await?.into_inner();
            let mut out = serde_json::Map::new();
            if !page.operations.is_empty() {
                let list = page.operations.into_iter().map(op_json).collect();
                out.insert("operations".into(), Value::Array(list));
            }
            if !page.next_page_token.is_empty() {
                out.insert("nextPageToken".into(), json!(page.next_page_token));
            }
            if !page.unreachable.is_empty() {
                out.insert("unreachable".into(), json!(page.unreachable));
            }
            Ok(Value::Object(out))
        }
        "CancelOperation" => {
            let req = request(decode::<CancelOperationRequest>(bytes)?, metadata);
            ops.cancel_operation(req).await?;
            // `{}`, not an empty body: clients parse the answer as JSON.
            Ok(json!({}))
        }
        _ => match crate::generated::rest::insights(
            &InsightsService(shared.clone()),
            rpc,
            bytes,
            metadata,
        )
        .await
        {
            Some(answer) => answer_json(output, &answer?, options),
            None => Err(Status::unimplemented(format!(
                "the emulator does not serve {rpc} yet"
            ))),
        },
    }
}

fn respond(status: StatusCode, value: &Value) -> Response<Body> {
    let mut response = Response::new(Body::from(value.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    response
}

/// Google's REST error body for `status`, enums as names.
pub(crate) fn error_response(status: &Status) -> Response<Body> {
    error(status, JsonOptions::default())
}

/// Google's REST error body, with the HTTP status of the code (clients read `status` too).
fn error(status: &Status, options: JsonOptions) -> Response<Body> {
    let parsed = ccai_lro::Status::from_tonic(status);
    let proto = parsed.to_proto();
    let mut body = serde_json::Map::new();
    let http = http_status(parsed.code());
    body.insert("code".into(), json!(http.as_u16()));
    body.insert("message".into(), json!(proto.message));
    body.insert("status".into(), json!(parsed.code_name()));
    if !proto.details.is_empty() {
        let details = proto
            .details
            .iter()
            .map(|d| json::any_to_json_with(d, options))
            .collect();
        body.insert("details".into(), Value::Array(details));
    }
    let mut response = respond(http, &json!({ "error": body }));
    // For the request log, which names gRPC codes whatever the protocol.
    response.extensions_mut().insert(parsed.code());
    response
}

/// The `google.rpc.Code` of an HTTP status, as `google/rpc/code.proto` maps them back.
pub(crate) fn code_of_http(status: StatusCode) -> Code {
    match status.as_u16() {
        200..=299 => Code::Ok,
        400 => Code::InvalidArgument,
        401 => Code::Unauthenticated,
        403 => Code::PermissionDenied,
        404 => Code::NotFound,
        409 => Code::Aborted,
        413 | 429 => Code::ResourceExhausted,
        499 => Code::Cancelled,
        501 => Code::Unimplemented,
        503 => Code::Unavailable,
        504 => Code::DeadlineExceeded,
        500..=599 => Code::Internal,
        _ => Code::Unknown,
    }
}

/// The HTTP status of a `google.rpc.Code`, as `google/rpc/code.proto` maps them.
fn http_status(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        Code::Cancelled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => {
            StatusCode::BAD_REQUEST
        }
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
