//! `call`: any Insights RPC from JSON, driven by the descriptors; no protos on disk.

use std::io::{Read, Write};

use ccai_lro::{
    proto::google::longrunning::Operation as RawOperation,
    registry,
    rpc::{insights_method, Method, INSIGHTS_METHODS},
    Error,
};
use prost::Message;
use prost_reflect::{DeserializeOptions, DynamicMessage, MethodDescriptor};

use crate::{args, exit::Failure, Cli};

/// Runs `ccai-lro call`.
pub async fn run(cli: &Cli, call: &args::Call) -> Result<(), Failure> {
    if call.list {
        list();
        return Ok(());
    }
    let name = call.method.as_deref().unwrap_or_default();
    let (method, descriptor) = resolve(name)?;
    let text = match call.request.as_deref() {
        None => "{}".to_owned(),
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|cause| Failure::Io {
                    doing: "cannot read the request from standard input".into(),
                    cause,
                })?;
            text
        }
        Some(text) => text.to_owned(),
    };
    let request = parse(&descriptor, &text)?;
    let starts_operation = descriptor.output().full_name() == "google.longrunning.Operation";
    if call.wait && !starts_operation {
        return Err(Error::InvalidArgument(format!(
            "--wait: {} does not start an operation",
            method.name
        ))
        .into());
    }
    let client = crate::connect(cli)?;
    let answer = client
        .unary_dynamic(method, &request, descriptor.output())
        .await?;
    if !starts_operation {
        let value = serde_json::to_value(&answer).map_err(|e| unreadable(method, &e))?;
        if cli.text {
            // Text lines describe operations; any other answer stays JSON, on one line.
            println!("{value}");
        } else {
            cli.print(&value);
        }
        return Ok(());
    }
    let raw = RawOperation::decode(answer.encode_to_vec().as_slice())
        .map_err(|e| unreadable(method, &e))?;
    crate::started(cli, client, raw, call.wait).await
}

fn unreadable(method: &Method, e: &dyn std::fmt::Display) -> Error {
    Error::Protocol(ccai_lro::Violation::Unreadable {
        method: method.name,
        reason: e.to_string(),
    })
}

/// `--list`: one line per RPC: name, request type, answer type (an operation's typed result).
fn list() {
    let mut out = std::io::stdout().lock();
    for m in INSIGHTS_METHODS {
        let Ok((_, d)) = resolve(m.name) else {
            continue;
        };
        let answer = match registry::operation_info(m.name) {
            Some((response, _)) => format!("Operation<{response}>"),
            None => d.output().full_name().to_owned(),
        };
        let kind = if m.read { "read" } else { "write" };
        let line = writeln!(
            out,
            "{}\t{}\t{answer}\t{kind}",
            m.name,
            d.input().full_name()
        );
        if line.is_err() {
            // The reader went away (`| head`).
            return;
        }
    }
}

/// The method by short or full name, with its descriptor.
fn resolve(name: &str) -> Result<(&'static Method, MethodDescriptor), Error> {
    let unknown = || {
        Error::InvalidArgument(format!(
            "unknown RPC {name:?}: give a ContactCenterInsights method like ListConversations \
             (`ccai-lro call --list` shows all {})",
            INSIGHTS_METHODS.len()
        ))
    };
    let method = insights_method(name).ok_or_else(unknown)?;
    let descriptor = registry::pool()
        .get_service_by_name(method.service)
        .and_then(|s| s.methods().find(|d| d.name() == method.name))
        .ok_or_else(unknown)?;
    Ok((method, descriptor))
}

/// The request from proto3 JSON (REST's camelCase names or the proto's snake_case ones);
/// unknown fields are refused.
fn parse(method: &MethodDescriptor, text: &str) -> Result<DynamicMessage, Error> {
    let input = method.input();
    let bad = |e: &dyn std::fmt::Display| {
        Error::InvalidArgument(format!(
            "request JSON for {} ({}): {e}",
            method.name(),
            input.full_name()
        ))
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let message = DynamicMessage::deserialize_with_options(
        input.clone(),
        &mut de,
        &DeserializeOptions::new().deny_unknown_fields(true),
    )
    .map_err(|e| bad(&e))?;
    de.end().map_err(|e| bad(&e))?;
    Ok(message)
}
